"""The webhook JSON API: create a webhook subscriber, rotate its secret, delete it."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from paperbell.services import subscriptions, webhooks
from paperbell.services.context import RequestContext
from paperbell.web.request import Request
from paperbell.web.responses import ERRORS, JSON, NO_STORE, json_response

router = APIGatewayHttpRouter()


@router.post(
    "/api/webhooks",
    summary="Create a webhook subscriber",
    description='JSON {"url", "queries", "trending"?, "like"?, "dislike"?, "mode"?: '
    '"instant"|"daily", "hour"?, "timezone"?, "email"?} (like and dislike as for '
    "/subscriptions; the answer's papers says what became of them). Returns the Standard "
    "Webhooks signing secret (shown once) and a manage token for rotate/delete "
    "(Authorization: Bearer <token>) and for /api/profile (?token=).",
    responses={201: {"description": "Created"}, 400: ERRORS[400],
               429: {"description": "Too many requests"}},
    tags=["webhooks"],
)
def create_webhook() -> Response[str]:
    request = Request(router.current_event)
    created = webhooks.create_webhook(RequestContext.from_env(), request.body(),
                                      request.source_ip)
    answer = {**created.subscriber.public_json(), "secret": created.secret,
              "manage_token": created.manage_token}
    if created.papers is not None:
        answer["papers"] = created.papers.as_json()
    return json_response(answer, 201)


@router.post(
    "/api/webhooks/<webhook_id>/rotate",
    summary="Rotate a webhook's signing secret",
    responses={200: {"description": "The new secret"}, 401: {"description": "No token"},
               **ERRORS},
    tags=["webhooks"],
)
def rotate_webhook(webhook_id: str) -> Response[str]:
    request = Request(router.current_event)
    ctx = RequestContext.from_env()
    subscriber = webhooks.webhook_for(ctx, webhook_id, request.header("authorization"))
    return json_response({"id": subscriber.id, "secret": webhooks.rotate_webhook(ctx, subscriber)})


@router.delete(
    "/api/webhooks/<webhook_id>",
    summary="Delete a webhook subscriber and its data",
    responses={204: {"description": "Deleted"}, 401: {"description": "No token"}, **ERRORS},
    tags=["webhooks"],
)
def delete_webhook(webhook_id: str) -> Response[str]:
    request = Request(router.current_event)
    ctx = RequestContext.from_env()
    subscriber = webhooks.webhook_for(ctx, webhook_id, request.header("authorization"))
    subscriptions.delete_all(ctx, subscriber.id)
    return Response(204, JSON, "", headers=dict(NO_STORE))
