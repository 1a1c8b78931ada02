"""``GET /feed/<token>``: a subscriber's matches as Atom or JSON Feed."""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from paperbell.services.context import RequestContext
from paperbell.services.feeds import feed_items
from paperbell.validation import first
from paperbell.web import feeds
from paperbell.web.request import Request
from paperbell.web.responses import ERRORS, NO_STORE

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
    subscriber = ctx.subscriber_for(token, "feed")
    items = feed_items(ctx, subscriber)
    self_url = ctx.link("feed", subscriber.id)
    if first(request.query, "format") == "json":
        return Response(200, "application/feed+json",
                        json.dumps(feeds.json_feed(items, self_url), ensure_ascii=False),
                        headers=dict(NO_STORE))
    return Response(200, "application/atom+xml; charset=utf-8",
                    feeds.atom(subscriber, items, self_url), headers=dict(NO_STORE))
