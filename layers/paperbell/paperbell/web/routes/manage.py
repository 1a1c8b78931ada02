"""The manage page: change queries, trending, hour, timezone, mode; liked and disliked
papers (add, remove; the profile's top terms and a preview); pause, resume; delete."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from paperbell.errors import RequestError
from paperbell.models import Subscriber
from paperbell.services import likes, subscriptions
from paperbell.services.context import RequestContext
from paperbell.validation import Fields, first
from paperbell.web import pages
from paperbell.web.request import Request
from paperbell.web.responses import ERRORS, HTML_OK, html_response, json_response

router = APIGatewayHttpRouter()


def _manage_view(request: Request, ctx: RequestContext, subscriber: Subscriber, token: str,
                 **kwargs: Any) -> Response[str]:
    status = kwargs.pop("status", 200)
    if request.wants_json:
        error = kwargs.get("error")
        if error is not None:
            return json_response(error.as_json(), error.status)
        return json_response(dict(subscriber.public_json()), status)
    from paperbell.services.preview import likes_preview
    from paperbell.services.trending import availability, current_snapshot

    available, _ = availability(ctx.config, current_snapshot(ctx.config))
    liked = (likes_preview(ctx.config.papers_table, subscriber.likes, subscriber.dislikes)
             if subscriber.likes else None)
    return html_response(
        pages.manage_page(
            subscriber, token, feed_url=ctx.feed_link(subscriber),
            trending_available=available, liked=liked, **kwargs,
        ),
        status,
    )


@router.get(
    "/manage",
    summary="The manage page (trending / queries / both, top N, filter, frequency, weekday, "
    "hour, timezone; pause; delete)",
    responses={**HTML_OK, **ERRORS},
    tags=["manage"],
)
def manage_get() -> Response[str]:
    request = Request(router.current_event)
    ctx = RequestContext.from_env()
    subscriber = ctx.subscriber_for(request.token, "manage")
    return _manage_view(request, ctx, subscriber, request.token or "")


@router.post(
    "/manage",
    summary="Change a subscription",
    description="Form or JSON with action=save (kind=trending|queries|both|likes or "
    "trending (N or {top, filter}), queries, like and dislike (replace those lists; "
    "a save without them keeps them), hour, timezone, frequency daily|weekly|instant (or "
    "its old name mode), weekday), add_papers (like and/or dislike: ids, links, DOIs or a "
    "BibTeX export, added to the lists), remove_paper (paper: an id, repeatable), pause, "
    "resume, unsubscribe, replace_feed (a new feed link; the old one stops working) or "
    "delete (all personal data: subscriber, pending matches, ledger). A JSON save without "
    "trending keeps the current trending choice.",
    responses={**HTML_OK, **ERRORS},
    tags=["manage"],
)
def manage_post() -> Response[str]:
    request = Request(router.current_event)
    ctx = RequestContext.from_env()
    token = request.token or ""
    subscriber = ctx.subscriber_for(token, "manage")
    fields = request.body()
    action = first(fields, "action", default="save")
    if action == "delete":
        subscriptions.delete_all(ctx, subscriber.id)
        if request.answers_json:
            return json_response({"status": "deleted"})
        return html_response(pages.message_page(
            "Your data is deleted",
            ["Your address, queries and pending papers are gone. Nothing more will be sent."],
        ))
    if action == "pause":
        return _manage_view(request, ctx, subscriptions.pause(ctx, subscriber), token,
                            notice="Paused. No mail until you resume.")
    if action == "resume":
        return _manage_view(request, ctx, subscriptions.resume(ctx, subscriber), token,
                            notice="Resumed. Mail starts again.")
    if action == "replace_feed":
        return _manage_view(request, ctx, subscriptions.replace_feed_link(ctx, subscriber), token,
                            notice="Your feed has a new link (below); the old one no longer "
                            "works.")
    if action == "unsubscribe":
        return _manage_view(request, ctx, subscriptions.unsubscribe(ctx, subscriber.id), token,
                            notice="Unsubscribed. No more mail; resume here if you change "
                            "your mind.")
    if action in ("add_papers", "remove_paper"):
        return _papers_action(request, ctx, subscriber, token, action, fields)
    if action != "save":
        raise RequestError(400, "invalid_action", f"Unknown action {action[:40]!r}.",
                           field="action")
    try:
        updated = subscriptions.update_preferences(ctx, subscriber, fields)
    except RequestError as exc:
        return _manage_view(request, ctx, subscriber, token, error=exc, status=exc.status,
                            values=pages.FormValues.sent(fields, subscriber.kind))
    return _manage_view(request, ctx, updated, token, notice="Saved.")


def _papers_action(request: Request, ctx: RequestContext, subscriber: Subscriber, token: str,
                   action: str, fields: Fields) -> Response[str]:
    """The likes section's forms: add papers (ids, links, DOIs, BibTeX), remove one."""
    try:
        if action == "remove_paper":
            updated = likes.remove_papers(ctx, subscriber, fields.get("paper", []))
            notice = "Removed. Your next digest's recommendations follow the change."
        else:
            updated, named = likes.add_papers(ctx, subscriber, fields)
            notice = " ".join(["Added.", *named.sentences(when="in the background")])
    except RequestError as exc:
        return _manage_view(request, ctx, subscriber, token, error=exc, status=exc.status,
                            values=pages.FormValues.sent(fields, subscriber.kind))
    return _manage_view(request, ctx, updated, token, notice=notice)
