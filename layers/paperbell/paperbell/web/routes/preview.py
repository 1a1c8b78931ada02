"""``GET /preview``: what some queries would have matched lately, and what some liked
papers would have brought as recommendations (page, fragment, JSON); ``GET
/preview/next``: the subscriber's next mail."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from paperbell.config import settings
from paperbell.errors import RequestError
from paperbell.services import preview as previews
from paperbell.validation import first, query_lines
from paperbell.web import pages
from paperbell.web.request import Request
from paperbell.web.responses import (
    ERRORS,
    HTML_OK,
    html_response,
    json_response,
    mail_page_response,
)

router = APIGatewayHttpRouter()


@router.get(
    "/preview",
    summary="Papers of the last 7 days that a query matches, or that liked papers bring",
    description="Repeat q for several queries. like (repeatable; arXiv ids, arXiv or "
    "Hugging Face links, DOIs or a BibTeX export; with optional dislike) previews the "
    "recommendations instead, or as well: the papers of the last 7 days above the "
    "digest's similarity floor, each with the liked paper it resembles and the shared "
    "terms, and the profile's top terms; liked papers paperbell does not have are listed "
    "in not_found (after a sign-up they are fetched from arXiv). HTML by default; JSON "
    "with Accept: application/json or format=json (likes under recommendations); "
    "format=fragment returns the HTML fragment the subscribe page shows live. A bad query "
    "answers 400 with its position. At most 300 previews per source IP (IPv6: per /64) "
    "per hour.",
    responses={**HTML_OK, 400: ERRORS[400],
               429: {"description": "Too many previews from this network this hour"}},
    tags=["subscribe"],
)
def preview() -> Response[str]:
    request = Request(router.current_event)
    query = request.query
    queries = query_lines(query)
    with_likes = any(value.strip() for value in query.get("like", []))
    result: previews.Preview | None = None
    liked: previews.LikesPreview | None = None
    error: RequestError | None = None
    try:
        if queries or not with_likes:
            result = previews.preview_for_visitor(settings(), queries, request.source_ip)
        if with_likes:
            liked = previews.likes_preview_for_visitor(settings(), query, request.source_ip)
    except RequestError as exc:
        error = exc
    status = error.status if error else 200
    if request.wants_json:
        if error is not None:
            return json_response(error.as_json(), status)
        data = result.as_json() if result is not None else {}
        if liked is not None:
            data["recommendations"] = liked.as_json()
        return json_response(data, status)
    if first(query, "format") == "fragment":
        fragment = (pages.preview_fragment(result, error) if result is not None or not liked
                    else "") + (pages.likes_fragment(liked) if liked is not None else "")
        return html_response(fragment, status, private=False)
    return html_response(pages.preview_page(queries, result, error, liked), status,
                         private=False)


@router.get(
    "/preview/next",
    summary="What the subscriber's next mail would hold (manage token)",
    description="The next digest composed now, as the mailer composes it: the trending "
    "section (top N, filter, nothing sent before), the keyword matches waiting, then the "
    "recommendations. HTML (the mail itself, under a Content-Security-Policy that allows "
    "its inline styles and no script) or JSON {subject, sections: [{key, title, papers}]}.",
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
            "Your next mail", ["Nothing would be sent right now: no trending paper, no "
                               "keyword match and no recommendation is waiting for your "
                               "next mail."]))
    # The mail itself, styled as it arrives: its inline styles are allowed, nothing else.
    return mail_page_response(render_html(digest, mail_settings(ctx.config)))
