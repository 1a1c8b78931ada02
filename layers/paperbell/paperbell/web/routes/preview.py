"""``GET /preview``: what some queries would have matched lately (page, fragment, JSON)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from paperbell.config import settings
from paperbell.errors import RequestError
from paperbell.services import preview as previews
from paperbell.validation import first, query_lines
from paperbell.web import pages
from paperbell.web.request import Request
from paperbell.web.responses import ERRORS, HTML_OK, html_response, json_response

router = APIGatewayHttpRouter()


@router.get(
    "/preview",
    summary="Papers of the last 7 days that a query matches",
    description="Repeat q for several queries. HTML by default; JSON with "
    "Accept: application/json or format=json; format=fragment returns the HTML fragment "
    "the subscribe page shows live. A bad query answers 400 with its position. At most "
    "300 previews per source IP (IPv6: per /64) per hour.",
    responses={**HTML_OK, 400: ERRORS[400],
               429: {"description": "Too many previews from this network this hour"}},
    tags=["subscribe"],
)
def preview() -> Response[str]:
    request = Request(router.current_event)
    query = request.query
    queries = query_lines(query)
    result: previews.Preview | None = None
    error: RequestError | None = None
    try:
        result = previews.preview_for_visitor(settings(), queries, request.source_ip)
    except RequestError as exc:
        error = exc
    status = error.status if error else 200
    if request.wants_json:
        return json_response(error.as_json() if error else result.as_json(), status)  # type: ignore[union-attr]
    if first(query, "format") == "fragment":
        return html_response(pages.preview_fragment(result, error), status, private=False)
    return html_response(pages.preview_page(queries, result, error), status, private=False)
