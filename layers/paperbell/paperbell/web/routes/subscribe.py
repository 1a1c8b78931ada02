"""Subscribing with double opt-in: ``POST /subscriptions`` and the confirm link."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from paperbell.config import settings
from paperbell.errors import RequestError
from paperbell.models import WEEKDAY_NAMES, Subscriber
from paperbell.observability import logger
from paperbell.services import subscriptions
from paperbell.services.context import RequestContext
from paperbell.validation import first, subscription_from_fields
from paperbell.web import pages
from paperbell.web.request import Request
from paperbell.web.responses import ERRORS, HTML_OK, html_response, json_response
from paperbell.web.routes import home

router = APIGatewayHttpRouter()


@router.post(
    "/subscriptions",
    summary="Subscribe (double opt-in)",
    description="Form-encoded or JSON: email; trending (N 1-50, or {top, filter} with a "
    "filter in the query language; forms send kind=trending|queries|both, trending_top, "
    "trending_filter) and/or queries (one per line or a list; optional with trending or "
    "like) and/or like (papers you like, at most 50: arXiv ids, arXiv or Hugging Face paper "
    "links, DOIs, or a pasted BibTeX/Zotero export; a list or one text) with optional "
    "dislike (the same); hour "
    "(0-23), timezone (IANA), frequency daily|weekly|instant (mode is its old name; instant "
    "is keyword-only), weekday (with weekly). Creates a pending subscriber and mails a "
    "confirmation link. The answer is the same whether or not the address is known. "
    "At most one mail per mailbox (case-folded, +tag removed) per day and 20 requests per "
    "source IP (IPv6: per /64) per hour. With like, the answer's papers says which "
    "entries could not be used and how many papers will be fetched from arXiv once you "
    "confirm.",
    responses={
        202: {"description": "Accepted: check your inbox"},
        400: ERRORS[400],
        429: {"description": "Too many requests from this source IP"},
    },
    tags=["subscribe"],
)
def subscribe() -> Response[str]:
    request = Request(router.current_event)
    as_json = request.answers_json
    fields = request.body()
    try:
        form = subscription_from_fields(fields)
    except RequestError as exc:
        if as_json:
            raise
        return html_response(
            pages.subscribe_page(
                email=first(fields, "email"),
                values=pages.FormValues.sent(fields, "queries"),
                error=exc,
                trending=home.todays_trending(),
                sources=settings().sources,
            ),
            exc.status,
        )
    signup = subscriptions.subscribe(RequestContext.from_env(), form, request.source_ip)
    logger.info("subscription requested", extra={"outcome": signup.outcome})
    papers = signup.papers
    if as_json:
        answer: dict[str, object] = {"status": "pending",
                                     "message": subscriptions.SUBSCRIBE_ACCEPTED}
        if papers is not None:
            answer["papers"] = papers.as_json()
        return json_response(answer, 202)
    return html_response(
        pages.message_page("Check your inbox", [
            subscriptions.SUBSCRIBE_ACCEPTED, *(papers.sentences() if papers else [])]), 202
    )


def first_mail_sentence(subscriber: Subscriber) -> str:
    when = f"{subscriber.delivery_hour:02d}:00 ({subscriber.timezone})"
    if subscriber.mode == "weekly":
        when = f"{WEEKDAY_NAMES[subscriber.weekday].title()}s at {when}"
    if subscriber.wants_trending:
        return f"Your first trending papers arrive at {when}."
    return f"The first papers arrive at {when} once some match."


@router.get(
    "/confirm",
    summary="The confirm page (the link in the confirmation mail): one button, changes nothing",
    description="Link scanners open links in mails; only the page's POST confirms.",
    responses={**HTML_OK, **ERRORS},
    tags=["subscribe"],
)
def confirm_get() -> Response[str]:
    request = Request(router.current_event)
    subscriber = subscriptions.pending_for_confirmation(RequestContext.from_env(),
                                                        request.token)
    if request.wants_json:
        return json_response({"status": subscriber.status, "subscriber_id": subscriber.id})
    return html_response(pages.confirm_page(subscriber, request.token or ""))


@router.post(
    "/confirm",
    summary="Confirm a subscription (the confirm page's button)",
    responses={**HTML_OK, **ERRORS},
    tags=["subscribe"],
)
def confirm_post() -> Response[str]:
    request = Request(router.current_event)
    ctx = RequestContext.from_env()
    subscriber = subscriptions.confirm(ctx, request.token)
    if request.answers_json:
        return json_response({"status": subscriber.status, "subscriber_id": subscriber.id})
    return html_response(
        pages.message_page(
            "Subscription confirmed",
            [
                f"Thanks, {subscriber.email} is subscribed. " + first_mail_sentence(subscriber),
            ],
            links=[
                ("Manage your subscription", ctx.link("manage", subscriber.id)),
                ("Your matches as an Atom feed", ctx.feed_link(subscriber)),
            ],
        )
    )
