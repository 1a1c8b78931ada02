"""Webhook payloads with "Recommended for you" and the vote links (issue 14): generic
JSON 1.2 that a 1.0 consumer still reads, Slack and Discord within their limits."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from typing import Any

from paperbell.delivery.digest_model import (
    QUERIES,
    RECOMMENDED,
    TRENDING,
    Digest,
    DigestEntry,
    RecommendationReason,
    SubscriberLinks,
    VoteLinks,
    section,
)
from paperbell.models import Paper, PaperText, Subscriber
from paperbell.webhooks.payloads import (
    DISCORD_TOTAL_LIMIT,
    build_payload,
    discord_len,
    encode_body,
)

DAY = date(2026, 11, 27)
LINKS = SubscriberLinks("https://x.org/u", "https://x.org/m", "https://x.org/f")
SUB = Subscriber(id="s", email="a@b.org", queries=("agents",), trending_top=1,
                 likes=(PaperText("2601.00001", "Scaling laws"),))
#: As long as a real vote link (a token naming subscriber and paper, expiry and MAC).
TOKEN = "more." + "A" * 150 + ".1790000000." + "B" * 32


def _votes(pid: str) -> VoteLinks:
    return VoteLinks(f"https://x.org/more?token={TOKEN}{pid}",
                     f"https://x.org/less?token={TOKEN}{pid}")


def _paper(n: int, title: str = "", **kw: Any) -> Paper:
    return Paper(f"2611.{n:05d}", title or f"Paper {n}", "We study scaling of agents. " * 4,
                 url=f"https://arxiv.org/abs/2611.{n:05d}", **kw)


def _recommended(n: int, liked: str = "Scaling laws") -> DigestEntry:
    p = _paper(n)
    return DigestEntry(p, (), {"abstract": [(9, 16)]},
                       reason=RecommendationReason(0.23456, "2601.00001", liked, ("scaling",)),
                       votes=_votes(p.id))


def _digest(recommended: list[DigestEntry] | None = None) -> Digest:
    hot = DigestEntry(_paper(1, upvotes=50), (), rank=1, comments=3)
    matched = DigestEntry(_paper(2), ("agents",), votes=_votes("2611.00002"))
    recs = recommended if recommended is not None else [_recommended(3), _recommended(1)]
    return Digest(SUB, [matched], DAY, LINKS, sections=(
        section(TRENDING, [hot], ordered=True), section(QUERIES, [matched]),
        section(RECOMMENDED, recs, ordered=True)))


def _payload(target: str, digest: Digest) -> dict[str, Any]:
    return build_payload(target, "s", digest.ranked(), digest.digest_date, digest.laid_out())


def version_1_0_consumer(body: bytes) -> list[tuple[str, str, list[str]]]:
    """What a consumer written against the 1.0 schema does: check type and version,
    then read only the 1.0 fields (unknown keys ignored, as docs/webhooks.md says)."""
    doc = json.loads(body)
    if doc["type"] != "paperbell.digest" or doc["version"] != 1:
        raise ValueError("unsupported payload")
    assert doc["paper_count"] == len(doc["papers"])
    out = []
    for p in doc["papers"]:
        assert isinstance(p["highlights"]["title"], list)
        assert isinstance(p["highlights"]["abstract"], list)
        assert isinstance(p["authors"], list) and isinstance(p["categories"], list)
        out.append((p["id"], p["title"], list(p["queries"])))
    return out


def test_generic_1_2_adds_the_section_the_reason_and_the_votes():
    body = _payload("generic", _digest())
    assert (body["version"], body["minor_version"]) == (1, 2)
    assert [s["key"] for s in body["sections"]] == ["trending", "queries", "recommended"]
    assert body["sections"][2] == {"key": "recommended", "title": "Recommended for you",
                                   "paper_ids": ["2611.00003"]}  # 2611.00001 is in trending
    by_id = {p["id"]: p for p in body["papers"]}
    rec = by_id["2611.00003"]
    assert rec["section"] == "recommended"
    assert rec["recommendation"] == {"score": 0.2346,
                                     "similar_to": {"id": "2601.00001", "title": "Scaling laws"},
                                     "terms": ["scaling"]}
    assert rec["votes"] == {"more_like_this": f"https://x.org/more?token={TOKEN}2611.00003",
                            "less_like_this": f"https://x.org/less?token={TOKEN}2611.00003"}
    assert by_id["2611.00002"]["votes"]["more_like_this"].endswith("2611.00002")
    assert by_id["2611.00002"]["recommendation"] is None
    assert by_id["2611.00001"]["votes"] is None  # a trending paper nobody matched: no votes


def test_a_version_1_0_consumer_reads_the_1_2_payload_unchanged():
    digest = _digest()
    with_recs = version_1_0_consumer(encode_body(_payload("generic", digest)))
    assert [pid for pid, _, _ in with_recs] == ["2611.00001", "2611.00002", "2611.00003"]
    assert with_recs[1] == ("2611.00002", "Paper 2", ["agents"])
    plain = build_payload("generic", "s", [DigestEntry(_paper(9), ("q",))], DAY)
    assert version_1_0_consumer(encode_body(plain)) == [("2611.00009", "Paper 9", ["q"])]
    assert plain["papers"][0]["votes"] is None and plain["papers"][0]["recommendation"] is None


def test_unsafe_vote_urls_are_left_out_of_every_payload():
    bad = replace(_recommended(3), votes=VoteLinks("javascript:alert(1)", "https://x.org/l"))
    digest = _digest([bad])
    for target in ("generic", "slack", "discord"):
        assert "javascript:" not in json.dumps(_payload(target, digest))


def test_slack_gives_each_voted_paper_its_links_and_escapes_the_liked_title():
    digest = _digest([_recommended(3, liked="<!channel> & <https://evil.example|x>")])
    slack = _payload("slack", digest)
    headings = [b["text"]["text"] for b in slack["blocks"] if b["type"] == "section"]
    assert "*Recommended for you · 1 paper*" in headings
    contexts = [b for b in slack["blocks"] if b["type"] == "context"]
    votes = [e["text"] for b in contexts for e in b["elements"] if "More like this" in e["text"]]
    assert len(votes) == 2  # the matched and the recommended paper
    assert votes[-1] == (f"<https://x.org/more?token={TOKEN}2611.00003|More like this>  ·  "
                         f"<https://x.org/less?token={TOKEN}2611.00003|Less like this>")
    reason = next(e["text"] for b in contexts for e in b["elements"] if "similar to" in e["text"])
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|x&gt;" in reason
    assert "*scaling*" in reason
    many = _digest([_recommended(n) for n in range(10, 40)])
    assert len(_payload("slack", many)["blocks"]) <= 50


def test_discord_adds_whole_vote_links_only_where_they_fit():
    few = _payload("discord", _digest())
    teach = [f for e in few["embeds"] for f in e.get("fields", ())
             if f["name"] == "Teach paperbell"]
    assert len(teach) == 2  # matched + recommended, with plenty of room
    why = [f["value"] for e in few["embeds"] for f in e.get("fields", ()) if f["name"] == "Why"]
    assert why == ["similar to *Scaling laws*; shared terms: **scaling**"]

    crowded = _payload("discord", _digest([_recommended(n) for n in range(10, 40)]))
    total = sum(discord_len(e.get("title", "")) + discord_len(e.get("description", ""))
                + sum(discord_len(f["name"]) + discord_len(f["value"]) for f in e.get("fields", ()))
                + discord_len(e.get("footer", {}).get("text", ""))
                for e in crowded["embeds"])
    assert total <= DISCORD_TOTAL_LIMIT
    link = re.compile(r"\[More like this\]\(https://x\.org/more\?token=\S+?2611\.\d{5}\) · "
                      r"\[Less like this\]\(https://x\.org/less\?token=\S+?2611\.\d{5}\)")
    voted = [f["value"] for e in crowded["embeds"] for f in e.get("fields", ())
             if f["name"] == "Teach paperbell"]
    assert voted  # some carry them, as many as the shared cap allows
    assert all(link.fullmatch(v) for v in voted)  # and never a cut link
