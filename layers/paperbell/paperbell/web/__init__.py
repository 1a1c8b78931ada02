"""The subscriber web API and pages: HTTP only (routing, body parsing, rendering).

One Powertools ``APIGatewayHttpResolver`` (:mod:`.app`) joins the per-concern routers
of :mod:`.routes` (home, preview, subscribe, manage, unsubscribe, feeds, webhooks_api)
and serves them in Lambda (functions/api) and locally (``paperbell serve``). What a
request *does* lives in :mod:`paperbell.services`; what input is allowed in
:mod:`paperbell.validation`; tables only in :mod:`paperbell.storage`. Rendering:
:mod:`.pages` (HTML), :mod:`.feeds` (Atom/JSON Feed), :mod:`.assets` (CSS/JS).
Imported by functions/api and the developer package's local server (and openapi tool)
only; nothing in the runtime package imports :mod:`paperbell.web`.
"""
