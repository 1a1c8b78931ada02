"""The subscribe page and its static assets."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from paperbell.config import settings
from paperbell.web import assets, pages
from paperbell.web.responses import html_response

router = APIGatewayHttpRouter()
_ASSET_CACHE = {"Cache-Control": "public, max-age=3600"}


@router.get("/", summary="The subscribe page", responses={200: {"description": "HTML form"}},
            tags=["pages"])
def index() -> Response[str]:
    return html_response(pages.subscribe_page(sources=settings().sources), private=False)


@router.get("/app.css", include_in_schema=False)
def stylesheet() -> Response[str]:
    return Response(200, "text/css; charset=utf-8", assets.CSS, headers=dict(_ASSET_CACHE))


@router.get("/app.js", include_in_schema=False)
def script() -> Response[str]:
    return Response(200, "text/javascript; charset=utf-8", assets.JS, headers=dict(_ASSET_CACHE))
