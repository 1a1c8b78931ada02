"""Votes from the mail: "more like this" / "less like this" under a recommended or matched
paper (issue 14).

Why a signed token and a POST: a link in a mail is opened by link scanners and mail
previews, which must not vote. The link carries a token signed for the subscriber *and*
the paper (a token for one paper cannot vote on another, a forged one is refused); the
page it opens changes nothing and offers one button, whose POST moves the paper into the
likes or the dislikes. The profile follows through the subscribers stream, so the next
digest reflects the vote.
"""

from __future__ import annotations

from dataclasses import dataclass

from paperbell.errors import RequestError, gone
from paperbell.models import Paper, Subscriber
from paperbell.observability import metrics
from paperbell.recommend import MAX_DISLIKES, MAX_LIKES
from paperbell.services.context import RequestContext
from paperbell.services.recommending import paper_text
from paperbell.tokens import VOTE_SEP, vote_subject

VOTES = ("more", "less")


def vote_link(ctx: RequestContext, direction: str, subscriber_id: str, paper_id: str) -> str:
    """The signed "more/less like this" link of one paper in one subscriber's mail."""
    return ctx.link(direction, vote_subject(subscriber_id, paper_id))


@dataclass(frozen=True, slots=True)
class Vote:
    """A checked "more/less like this" vote: who voted which way on which paper."""

    direction: str
    subscriber: Subscriber
    paper: Paper


def read_vote(ctx: RequestContext, token: str | None, direction: str) -> Vote:
    """The subscriber and paper a valid vote token names (nothing is changed).

    RequestError: 400/403 for a missing, forged or expired token; 404 when the
    subscriber is gone; 410 when the paper is no longer kept (papers expire)."""
    subject = ctx.verify(token, direction)
    subscriber_id, sep, paper_id = subject.partition(VOTE_SEP)
    if not sep or not paper_id:
        raise RequestError(400, "bad_token", "This link is not a vote link.", field="token")
    subscriber = ctx.subscribers.get(subscriber_id)
    if subscriber is None:
        raise gone()
    paper = ctx.papers.get_many([paper_id]).get(paper_id)
    if paper is None:
        raise RequestError(410, "paper_gone",
                           "This paper is no longer kept, so it cannot teach the profile.")
    return Vote(direction, subscriber, paper)


def apply_vote(ctx: RequestContext, vote: Vote) -> Subscriber:
    """Add the paper to the likes ("more") or dislikes ("less"), out of the other list.

    At the limit of 50 the oldest entry of that list makes room (a vote always counts).
    The profile follows through the subscribers stream; the next digest reflects it."""
    text = paper_text(vote.paper)
    likes = [p for p in vote.subscriber.likes if p.id != text.id]
    dislikes = [p for p in vote.subscriber.dislikes if p.id != text.id]
    target, limit = (likes, MAX_LIKES) if vote.direction == "more" else (dislikes, MAX_DISLIKES)
    target.append(text)
    del target[: max(0, len(target) - limit)]
    updated = ctx.subscribers.set_likes(vote.subscriber.id, tuple(likes), tuple(dislikes))
    if updated is None:
        raise gone()
    metrics.add_metric(name="RecommendationVotes", unit="Count", value=1)
    return updated
