"""Recommendations end to end (issue 14): liked papers -> profile snapshot (subscribers
stream -> IndexFunction) -> new papers (papers stream -> MatchFunction records
candidates) -> planner -> one digest with trending, keyword matches and "Recommended for
you", each paper once -> a vote link parsed out of the real MIME -> GET changes nothing,
a forged token is refused, POST votes -> the next day's digest reflects the vote.

Twin subscribers with the same likes, queries and trending choice are the control: only
one of them votes, so any difference between their second mails is the vote's doing.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from trending_support import Listed, frozen_clock, mails_to, plain_text, write_list

from paperbell import aws
from paperbell.models import Paper, PaperText, Subscriber
from paperbell.services.subscriptions import new_subscriber
from paperbell.sources import read_source
from paperbell_dev.demo_data import resolve_bundled
from paperbell_dev.local.pipeline import LocalPipeline
from paperbell_dev.local.server import http_event, response_parts

ROOT = Path(__file__).resolve().parents[2]
DAY1 = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # a Thursday

LIKED = ("Scaling Laws for Downstream Task Performance of Large Language Models",
         "Why Has Predicting Downstream Capabilities of Frontier AI Models with Scale "
         "Remained Elusive?")
HOT = "Unveiling Downstream Performance Scaling of LLMs: A Clustering-Based Perspective"
SIMILAR = "Collaborative Performance Prediction for Large Language Models"
MATCHED = "How Well Do Sparse Imagenet Models Transfer?"
OTHER = "Continual Pre-Training of Large Language Models: How to (re)warm your model?"
#: Day two: the transfer-learning papers (the topic of the voted paper), held back.
TRANSFER = "Manipulating Transfer Learning for Property Inference"
DAY2 = (TRANSFER,
        "Rethinking Supervised Pre-training for Better Downstream Transferring",
        "ViM: Vision Middleware for Unified Downstream Transferring")


@pytest.fixture
def seed() -> dict[str, Paper]:
    return {p.title: p for p in read_source(resolve_bundled("bundled:seed")).papers}


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalPipeline]:
    with LocalPipeline(ROOT / "template.yaml") as running:
        yield running


def _ids(seed: dict[str, Paper]) -> dict[str, str]:
    """Fresh arXiv-style ids for the seed papers (as HF lists them)."""
    return {title: f"2611.{100 + n:05d}" for n, title in enumerate(sorted(seed))}


def _listed(seed: dict[str, Paper], day: datetime, titles: list[str],
            upvotes: dict[str, int]) -> list[Listed]:
    """Seed papers as one day's HF list, with upvotes."""
    ids = _ids(seed)
    return [Listed(ids[t], t, upvotes.get(t, 1), day, abstract=seed[t].abstract) for t in titles]


def _liker(email: str, seed: dict[str, Paper]) -> Subscriber:
    made = new_subscriber(email, ["imagenet"], trending_top=1, delivery_hour=8)
    ids = _ids(seed)
    return replace(made, likes=tuple(PaperText(ids[t], t, seed[t].abstract) for t in LIKED))


def _sections(text: str) -> dict[str, str]:
    """Section title -> its text, from the plain-text part."""
    heads = list(re.finditer(r"^(.+?) · .+\n=+\n", text, re.MULTILINE))
    footer = text.index("\n-- \n")
    return {
        m.group(1): text[m.end(): heads[i + 1].start() if i + 1 < len(heads) else footer]
        for i, m in enumerate(heads)
    }


def _flat(text: str) -> str:
    return " ".join(text.split())


def _vote_link(text: str, title: str, direction: str) -> str:
    """The vote link printed under ``title`` (the first one after it)."""
    label = "More like this" if direction == "more" else "Less like this"
    after = text[_flat_index(text, title):]
    match = re.search(rf"{label}: (https?://\S+)", after)
    assert match, f"no {label!r} link under {title!r}"
    return match.group(1)


def _flat_index(text: str, title: str) -> int:
    """Where ``title`` starts in ``text`` although the renderer wrapped it."""
    words = title.split()
    pattern = r"\s+".join(re.escape(w) for w in words)
    match = re.search(pattern, text)
    assert match, title
    return match.start()


class Web:
    """ApiFunction through API Gateway HTTP API v2 events (no sockets)."""

    def __init__(self, stack: LocalPipeline):
        self.stack = stack

    def call(self, method: str, url: str, **query: str) -> tuple[int, str]:
        parts = urlsplit(url)
        qs = parts.query + ("&" if parts.query and query else "")
        qs += "&".join(f"{k}={v}" for k, v in query.items())
        event = http_event(method, parts.path, query=qs, source_ip="203.0.113.9")
        status, _, body = response_parts(self.stack.invoker.invoke("ApiFunction", event))
        return status, body.decode("utf-8")


def _item(stack: LocalPipeline, subscriber_id: str) -> dict[str, Any]:
    table = aws.table(stack.table_name("SubscribersTable"))
    item: dict[str, Any] = table.get_item(Key={"subscriber_id": subscriber_id})["Item"]
    return item


def _day(stack: LocalPipeline, clock: list[datetime], path: Path, listed: list[Listed],
         day: datetime) -> None:
    clock[0] = day + timedelta(minutes=30)
    stack.scrape([write_list(path, listed)])
    stack.match()
    for hour in (7, 8, 9):
        clock[0] = day.replace(hour=hour)
        stack.plan(clock[0])
        stack.mail()


def _text(message: EmailMessage) -> str:
    """The plain-text part as a reader sees it (the wire's CRLF line ends folded)."""
    return plain_text(message).replace("\r\n", "\n")


def _only_mail(stack: LocalPipeline, address: str, index: int) -> EmailMessage:
    mails = mails_to(stack, address)
    assert len(mails) == index + 1, [str(m["Subject"]) for m in mails]
    return mails[index]


@pytest.mark.e2e
def test_three_sections_each_paper_once_then_a_vote_from_the_mail_changes_the_next_digest(
    stack, seed, tmp_path, monkeypatch
):
    feed = tmp_path / "hf-daily.json"
    with frozen_clock(monkeypatch, DAY1) as clock:
        voter, twin = _liker("voter@example.org", seed), _liker("twin@example.org", seed)
        stack.add_subscribers([voter, twin])
        stack.match()  # they signed up earlier: their profiles are in the snapshot
        day1 = _listed(seed, DAY1, [t for t in seed if t not in DAY2], {HOT: 90, SIMILAR: 5})
        _day(stack, clock, feed, day1, DAY1)

        first = _only_mail(stack, voter.email, 0)
        text = _text(first)
        sections = _sections(text)
        assert list(sections) == ["Trending on Hugging Face", "Matching your queries",
                                  "Recommended for you"]
        assert HOT in _flat(sections["Trending on Hugging Face"])
        assert MATCHED in _flat(sections["Matching your queries"])
        recommended = _flat(sections["Recommended for you"])
        assert SIMILAR in recommended
        assert "similar to: " in recommended and "shared terms: *" in recommended
        # Each paper once per mail: the trending paper is a candidate too, shown once.
        for title in (HOT, SIMILAR, MATCHED):
            holding = [name for name, part in sections.items() if title in _flat(part)]
            assert len(holding) == 1, (title, holding)
        assert OTHER not in _flat(text)  # continual pre-training: below the floor
        liked_ids = [_ids(seed)[t] for t in LIKED]  # listed today, but liked: not shown
        assert not any(f"abs/{pid}" in text for pid in liked_ids)
        assert f"similar to: {' '.join(LIKED[0].split()[:4])}" in recommended
        # The trending paper no query matched has no vote links; the others do.
        trending_part = sections["Trending on Hugging Face"]
        assert "More like this" not in trending_part
        assert sections["Recommended for you"].count("More like this: ") == 1

        link = _vote_link(text, MATCHED, "more")
        html_part = first.get_body(preferencelist=("html",))
        assert html_part is not None
        assert link.replace("&", "&amp;") in str(html_part.get_content())  # same link in HTML
        twin_link = _vote_link(_text(_only_mail(stack, twin.email, 0)), MATCHED, "more")
        assert twin_link != link  # per subscriber

        web = Web(stack)
        before = _item(stack, voter.id)
        status, page = web.call("GET", link)
        assert status == 200 and 'method="post"' in page and "Sparse Imagenet" in page
        assert _item(stack, voter.id) == before  # a GET (a link scanner) changes nothing

        token = parse_qs(urlsplit(link).query)["token"][0]
        purpose, subject, expiry, mac = token.split(".")
        other_paper = base64.urlsafe_b64encode(
            f"{voter.id}\x1f2611.00101".encode()).decode().rstrip("=")
        for forged in (f"{purpose}.{subject}.{expiry}.{mac[:-2]}xx",
                       f"{purpose}.{other_paper}.{expiry}.{mac}",  # another paper, same MAC
                       f"less.{subject}.{expiry}.{mac}"):  # "less" with a "more" MAC
            for method in ("GET", "POST"):
                assert web.call(method, f"{urlsplit(link).path}?token={forged}")[0] == 403
        assert _item(stack, voter.id) == before

        status, _ = web.call("POST", link)
        assert status == 200
        liked_now = [p["id"] for p in _item(stack, voter.id)["likes"]]
        assert liked_now[-1] == _ids(seed)[MATCHED]  # the matched imagenet paper

        day2_start = DAY1 + timedelta(days=1)
        day2 = _listed(seed, day2_start, list(DAY2), {DAY2[2]: 50})  # ViM trends
        _day(stack, clock, feed, day2, day2_start)

    voted = _sections(_text(_only_mail(stack, voter.email, 1)))
    control = _sections(_text(_only_mail(stack, twin.email, 1)))
    assert DAY2[2] in _flat(voted["Trending on Hugging Face"])  # both get day two's #1
    assert DAY2[2] in _flat(control["Trending on Hugging Face"])
    assert TRANSFER in _flat(voted["Recommended for you"])  # the vote's doing:
    assert f"similar to: {MATCHED}" in _flat(voted["Recommended for you"])  # the voted paper
    assert "Recommended for you" not in control
    assert TRANSFER not in _flat("".join(control.values()))
    # Never twice across days: nothing of day one's mail comes back on day two.
    ids = _ids(seed)
    for title in (HOT, SIMILAR, MATCHED):
        assert f"abs/{ids[title]}" not in "".join(voted.values())


@pytest.mark.e2e
def test_the_demo_s_daily_webhook_gets_trending_and_recommended_with_vote_links(tmp_path):
    import json

    from paperbell_dev.local.demo import DEMO_DAILY_HOOK_TRENDING, run_demo

    _, _, hooks, _ = run_demo(outbox=str(tmp_path))
    records = [json.loads(p.read_text("utf-8")) for p in hooks]
    assert records and all(r["verified"] for r in records)
    daily = [r["payload"] for r in records
             if any(s["key"] == "trending" for s in r["payload"]["sections"])]
    assert len(daily) == 1, "one daily digest for the daily webhook subscriber"
    (payload,) = daily
    assert (payload["version"], payload["minor_version"]) == (1, 2)
    keys = [s["key"] for s in payload["sections"]]
    assert keys == ["trending", "recommended"]
    assert len(payload["sections"][0]["paper_ids"]) == DEMO_DAILY_HOOK_TRENDING
    recommended = [p for p in payload["papers"] if p["section"] == "recommended"]
    assert recommended and all(p["recommendation"]["similar_to"]["title"] for p in recommended)
    assert all(p["votes"]["more_like_this"].startswith("http://127.0.0.1:8000/more?token=")
               for p in recommended)
