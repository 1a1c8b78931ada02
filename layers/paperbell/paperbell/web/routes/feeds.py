"""``GET /feed/<token>``: a subscriber's matches as Atom or JSON Feed."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from paperbell.services.context import RequestContext
from paperbell.services.feeds import feed_items
from paperbell.validation import first
from paperbell.web import feeds
from paperbell.web.request import Request
from paperbell.web.responses import ERRORS, NO_STORE, json_response, text_response

router = APIGatewayHttpRouter()


@router.get(
    "/feed/<token>",
    summary="The subscriber's recent matches as Atom (JSON Feed with format=json)",
    responses={200: {"description": "application/atom+xml or application/feed+json"},
               **ERRORS},
    tags=["feeds"],
)
def feed(token: str) -> Response[str]:
    request = Request(router.current_event)
    ctx = RequestContext.from_env()
    subscriber = ctx.feed_subscriber(token)
    items = feed_items(ctx, subscriber)
    self_url = ctx.feed_link(subscriber)
    if first(request.query, "format") == "json":
        return json_response(feeds.json_feed(items, self_url),
                             content_type="application/feed+json")
    return text_response(feeds.atom(subscriber, items, self_url),
                         "application/atom+xml; charset=utf-8", headers=dict(NO_STORE))
