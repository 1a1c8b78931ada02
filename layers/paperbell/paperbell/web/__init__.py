"""The subscriber web API and pages (issue 6): subscribe with double opt-in, preview,
confirm, manage, unsubscribe (RFC 8058 one-click), Atom/JSON feeds and webhook
subscribers. One Powertools ``APIGatewayHttpResolver`` (:mod:`.app`) serves them all,
in Lambda (functions/api) and locally (:mod:`paperbell_dev.local.server`).

Imported by functions/api and the developer package's local server and openapi tool;
imports services, storage, delivery, webhooks, matching and the top-level modules.
Nothing in the runtime package imports :mod:`paperbell.web`.
"""
