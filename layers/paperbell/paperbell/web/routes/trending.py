"""The public trending list: ``GET /trending.xml`` (Atom), ``/trending.json`` (JSON Feed)
and ``/api/trending`` (JSON with availability), each narrowed with ``?filter=QUERY``.

Why public and cacheable: it is the same list for everyone (the shared snapshot the
scraper keeps), so API Gateway and feed readers may cache it for a few minutes.
"""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from paperbell import clock
from paperbell.config import settings
from paperbell.errors import QueryError, RequestError, bad_request
from paperbell.services.trending import TrendingView, trending_view
from paperbell.validation import TRENDING_MAX, first, validate_trending
from paperbell.web import feeds
from paperbell.web.request import Request
from paperbell.web.responses import ERRORS, json_response

router = APIGatewayHttpRouter()
_PUBLIC = {"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"}
_PARAMS = ("filter: a query in the query language (e.g. category:cs.CV, title:agent*); "
           f"top: 1-{TRENDING_MAX} (default {TRENDING_MAX} for feeds, 10 for /api/trending).")
_RESPONSES = {400: ERRORS[400],
              409: {"description": "This deployment has no popularity signal (arXiv only); "
                    "JSON {error: trending_unavailable, message}"}}


def _view(request: Request, default_top: int) -> tuple[TrendingView, str]:
    query = request.query
    filter_text = first(query, "filter").strip()
    top = validate_trending(first(query, "top")) or default_top
    try:
        view = trending_view(settings(), now=clock.now(), top=top, filter_text=filter_text)
    except QueryError as exc:
        raise bad_request(f"Trending filter ({filter_text!r}): {exc.message}",
                          field="filter", position=exc.position, query=filter_text) from None
    return view, filter_text


def _feed_view(request: Request) -> tuple[TrendingView, str]:
    view, filter_text = _view(request, TRENDING_MAX)
    if not view.available:
        raise RequestError(409, "trending_unavailable", view.reason)
    return view, filter_text


def _self_url(path: str, filter_text: str) -> str:
    from urllib.parse import urlencode

    base = settings().site_url.rstrip("/")
    return f"{base}{path}" + (f"?{urlencode({'filter': filter_text})}" if filter_text else "")


@router.get("/trending.xml", summary="Today's trending papers as an Atom feed",
            description=_PARAMS, tags=["trending"],
            responses={200: {"description": "application/atom+xml"}, **_RESPONSES})
def trending_atom() -> Response[str]:
    view, filter_text = _feed_view(Request(router.current_event))
    body = feeds.trending_atom(view, _self_url("/trending.xml", filter_text), filter_text)
    return Response(200, "application/atom+xml; charset=utf-8", body, headers=dict(_PUBLIC))


@router.get("/trending.json", summary="Today's trending papers as a JSON Feed",
            description=_PARAMS, tags=["trending"],
            responses={200: {"description": "application/feed+json"}, **_RESPONSES})
def trending_json_feed() -> Response[str]:
    view, filter_text = _feed_view(Request(router.current_event))
    body = feeds.trending_json_feed(view, _self_url("/trending.json", filter_text), filter_text)
    return Response(200, "application/feed+json", json.dumps(body, ensure_ascii=False),
                    headers=dict(_PUBLIC))


@router.get("/api/trending", summary="The ranked trending list, or why there is none",
            description=_PARAMS + " Answers {available, reason, updated_at, window_hours, "
            "papers: [{id, title, upvotes, rank, comments, listed_at, ai_summary, ...}]}; "
            "available is false on a deployment whose sources carry no popularity signal.",
            tags=["trending"], responses={200: {"description": "JSON"}, 400: ERRORS[400]})
def trending_api() -> Response[str]:
    view, _ = _view(Request(router.current_event), 10)
    return json_response(view.as_json())
