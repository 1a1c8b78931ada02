"""Unsubscribing: the page with one button, and the RFC 8058 one-click POST."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from paperbell.services import subscriptions
from paperbell.services.context import RequestContext
from paperbell.web import pages
from paperbell.web.request import Request
from paperbell.web.responses import ERRORS, HTML_OK, html_response, json_response

router = APIGatewayHttpRouter()


@router.get(
    "/unsubscribe",
    summary="The unsubscribe page (one button)",
    responses={**HTML_OK, **ERRORS},
    tags=["manage"],
)
def unsubscribe_get() -> Response[str]:
    request = Request(router.current_event)
    subscriber = RequestContext.from_env().subscriber_for(request.token, "unsubscribe")
    return html_response(pages.unsubscribe_page(subscriber, request.token or ""))


@router.post(
    "/unsubscribe",
    summary="Unsubscribe now (RFC 8058 one-click: body List-Unsubscribe=One-Click)",
    responses={**HTML_OK, **ERRORS},
    tags=["manage"],
)
def unsubscribe_post() -> Response[str]:
    request = Request(router.current_event)
    ctx = RequestContext.from_env()
    subscriber = subscriptions.unsubscribe(ctx, ctx.verify(request.token, "unsubscribe"))
    if request.wants_json:
        return json_response({"status": subscriber.status})
    return html_response(pages.unsubscribed_page(ctx.config.site_url))
