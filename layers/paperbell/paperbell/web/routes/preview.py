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


@router.get(
    "/preview/next",
    summary="What the subscriber's next mail would hold (manage token)",
    description="The next digest composed now, as the mailer composes it: the trending "
    "section (top N, filter, nothing sent before) then the keyword matches waiting. HTML "
    "(the mail itself) or JSON {subject, sections: [{key, title, papers}]}.",
    responses={**HTML_OK, **ERRORS},
    tags=["manage"],
)
def preview_next() -> Response[str]:
    from paperbell.delivery.digest_model import digest_subject
    from paperbell.delivery.render_html import render_html
    from paperbell.services.context import RequestContext
    from paperbell.services.digests import mail_settings

    request = Request(router.current_event)
    ctx = RequestContext.from_env()
    subscriber = ctx.subscriber_for(request.token, "manage")
    digest = previews.next_mail(ctx, subscriber)
    if request.wants_json:
        return json_response({
            "subject": None if digest.is_empty else digest_subject(digest),
            "digest_date": digest.digest_date.isoformat(),
            "sections": [
                {"key": part.key, "title": part.title,
                 "papers": [{**e.paper.as_json(), "rank": e.rank, "queries": list(e.queries)}
                            for e in part.entries]}
                for part in digest.laid_out()
            ],
        })
    if digest.is_empty:
        return html_response(pages.message_page(
            "Your next mail", ["Nothing would be sent right now: no trending paper and no "
                               "keyword match is waiting for your next mail."]))
    return html_response(render_html(digest, mail_settings(ctx.config)))
