"""The subscribe page and its static assets."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from paperbell.config import settings
from paperbell.services.trending import TrendingView
from paperbell.web import assets, pages
from paperbell.web.responses import html_response

router = APIGatewayHttpRouter()
_ASSET_CACHE = {"Cache-Control": "public, max-age=3600"}


def todays_trending() -> TrendingView:
    """The list the subscribe page shows (the top 10 now; unavailable says why)."""
    from paperbell import clock
    from paperbell.services.trending import trending_view

    return trending_view(settings(), now=clock.now(), top=10)


@router.get("/", summary="The subscribe page (today's trending list and the sign-up form)",
            responses={200: {"description": "HTML form"}}, tags=["pages"])
def index() -> Response[str]:
    page = pages.subscribe_page(trending=todays_trending(), sources=settings().sources)
    return html_response(page, private=False)


@router.get("/app.css", include_in_schema=False)
def stylesheet() -> Response[str]:
    return Response(200, "text/css; charset=utf-8", assets.CSS, headers=dict(_ASSET_CACHE))


@router.get("/app.js", include_in_schema=False)
def script() -> Response[str]:
    return Response(200, "text/javascript; charset=utf-8", assets.JS, headers=dict(_ASSET_CACHE))
