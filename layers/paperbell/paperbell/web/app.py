"""The HTTP API: one Powertools ``APIGatewayHttpResolver`` for pages, JSON and feeds.

functions/api/api_handler.py calls :func:`handle`; ``paperbell serve`` passes the same
events to that handler. The resolver and its routers are created once, at import (as
in the Powertools examples); each concern's routes live in :mod:`paperbell.web.routes`
and are joined here with ``include_router``. A refusal raised anywhere below
(:class:`~paperbell.errors.RequestError`) becomes one JSON or HTML error answer here.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from paperbell.errors import RequestError
from paperbell.web import pages
from paperbell.web.request import Request
from paperbell.web.responses import html_response, json_response
from paperbell.web.routes import (
    feeds,
    home,
    manage,
    preview,
    profile,
    subscribe,
    trending,
    unsubscribe,
    votes,
    webhooks_api,
)

app = APIGatewayHttpResolver()
for _routes in (home, preview, subscribe, manage, unsubscribe, votes, feeds, trending,
                webhooks_api, profile):
    app.include_router(_routes.router)


@app.exception_handler(RequestError)
def _refused(error: RequestError) -> Response[str]:
    request = Request(app.current_event)
    machine = request.path.startswith("/api/") or request.path.endswith((".json", ".xml"))
    if request.answers_json or machine:  # feeds and the API answer JSON errors
        return json_response(error.as_json(), error.status)
    return html_response(pages.error_page(error), error.status)


@app.not_found
def _not_found(_: Exception) -> Response[str]:
    return _refused(RequestError(404, "not_found", "There is no such page."))


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Resolve one API Gateway HTTP API (v2) event."""
    return app.resolve(event, context)
