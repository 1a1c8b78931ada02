"""``/api/profile``: a subscriber's recommendation profile (issue 14), for programs.

The manage page shows the same (web/routes/manage.py); both take the manage token, as
the manage forms do, so a link scanner or another site cannot change the lists.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from paperbell.errors import RequestError
from paperbell.services import likes
from paperbell.services.context import RequestContext
from paperbell.validation import first
from paperbell.web.request import Request
from paperbell.web.responses import ERRORS, json_response

router = APIGatewayHttpRouter()

PROFILE_OK: dict[int, Any] = {200: {
    "description": "JSON {like: [{id, title, pending}], dislike, limit, waiting_for_arxiv, "
                   "not_used, top_terms, preview}"}}


@router.get(
    "/api/profile",
    summary="The recommendation profile (manage token)",
    description="The liked and disliked papers (pending: still to be fetched from arXiv), "
    "what could not be used of the papers given, the profile's top terms and what it "
    "would recommend among the papers of the last 7 days (preview: the digest's floor, "
    "each paper with the liked paper it resembles and the shared terms).",
    responses={**PROFILE_OK, **ERRORS},
    tags=["recommendations"],
)
def profile_get() -> Response[str]:
    request = Request(router.current_event)
    ctx = RequestContext.from_env()
    subscriber = ctx.subscriber_for(request.token, "manage")
    return json_response(likes.profile_json(ctx, subscriber))


@router.post(
    "/api/profile",
    summary="Add or remove liked and disliked papers (manage token)",
    description="JSON or form. action=add with like and/or dislike (arXiv ids, arXiv or "
    "Hugging Face links, DOIs or a BibTeX/Zotero export; a list or one text): added at the "
    "end of the lists (a paper moves out of the other list; at most 50 each: more is "
    "refused, remove some first); what could not be used is in not_used. action=remove "
    "with paper (an id, or a list): removed from whichever list holds it. Papers "
    "paperbell does not have are fetched from arXiv in the background (usually within a "
    "minute; waiting_for_arxiv lists them). Answers the profile as GET does.",
    responses={**PROFILE_OK, **ERRORS},
    tags=["recommendations"],
)
def profile_post() -> Response[str]:
    request = Request(router.current_event)
    ctx = RequestContext.from_env()
    subscriber = ctx.subscriber_for(request.token, "manage")
    fields = request.body()
    action = first(fields, "action")
    if action == "add":
        subscriber, _ = likes.add_papers(ctx, subscriber, fields)
    elif action == "remove":
        subscriber = likes.remove_papers(ctx, subscriber, fields.get("paper", []))
    else:
        raise RequestError(400, "invalid_action", "Say action=add (with like or dislike) or "
                           "action=remove (with paper).", field="action")
    return json_response(likes.profile_json(ctx, subscriber))
