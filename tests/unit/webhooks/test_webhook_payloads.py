"""Slack / Discord / generic payloads: escaping, platform limits, the generic schema."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from paperbell.models import Paper
from paperbell.webhooks import detect_target
from paperbell.webhooks.payloads import (
    DISCORD_TOTAL_LIMIT,
    build_payload,
    discord_len,
    discord_payload,
    encode_body,
    generic_payload,
    normalize_spans,
    slack_escape,
    slack_payload,
)

DAY = date(2025, 2, 14)


def paper(i: int = 1, **kw: Any) -> Paper:
    base: dict[str, Any] = {
        "id": f"2502.{i:05d}",
        "title": f"Sparse attention number {i}",
        "abstract": "We study sparse attention for long contexts. " * 3,
        "authors": ("Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"),
        "url": f"https://arxiv.org/abs/2502.{i:05d}",
        "published": datetime(2025, 2, 13, 12, tzinfo=UTC),
        "source": "arxiv",
        "categories": ("cs.LG", "cs.CL"),
        "upvotes": 42,
    }
    base.update(kw)
    return Paper(**base)


def entry(p: Paper, queries: tuple[str, ...] = ("sparse attention",), hl: Any = None) -> Any:
    return SimpleNamespace(paper=p, queries=queries, highlights=hl or {})


EVIL = "<!channel> & <@U123|x> @here @everyone <https://evil.example|click> > done"


# ------------------------------------------------------------------------- Slack


def _slack_texts(payload: dict[str, Any]) -> list[str]:
    texts = [payload["text"]]
    for block in payload["blocks"]:
        if "text" in block:
            texts.append(block["text"]["text"])
        for element in block.get("elements", ()):
            texts.append(element["text"])
    return texts


def test_slack_escape() -> None:
    assert slack_escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"
    assert slack_escape("&lt;") == "&amp;lt;"
    escaped = slack_escape("hi @channel @Here @everyone @group @channels2")
    assert "@channel" not in escaped.lower().replace("@channels2", "")
    assert "@\u200bchannel" in escaped and "@\u200bHere" in escaped


def test_slack_untrusted_text_cannot_inject() -> None:
    evil = paper(
        title=EVIL,
        abstract=EVIL,
        authors=("<@U999>", "@channel"),
        categories=("<!here>",),
        url="https://arxiv.org/abs/1?a=1&b=x|y",  # "<" or ">" in a URL: not linked at all
    )
    payload = slack_payload("sub-1", [entry(evil, queries=(EVIL,))], DAY)
    for text in _slack_texts(payload):
        # The only raw '<' in any text is our own link syntax <https://...|...>.
        assert "<!" not in text and "<@" not in text
        assert not re.search(r"(?<!\w)@(channel|here|everyone)\b", text, re.IGNORECASE)
        assert re.sub(r"&(amp|lt|gt);", "", text).count("&") == 0
    section = payload["blocks"][3]["text"]["text"]
    link = re.match(r"\*<([^|>]*)\|([^>]*)>\*", section)
    assert link, section
    assert link.group(1) == "https://arxiv.org/abs/1?a=1&amp;b=x%7Cy"
    assert "<" not in link.group(2) and ">" not in link.group(2)
    for block in payload["blocks"]:
        for obj in [block.get("text"), *block.get("elements", ())]:
            if obj and obj["type"] == "mrkdwn":
                assert obj["verbatim"] is True


def test_slack_non_http_link_is_not_linked() -> None:
    payload = slack_payload("s", [entry(paper(url="javascript:alert(1)"))], DAY)
    assert "javascript" not in json.dumps(payload)


def test_slack_limits() -> None:
    huge = paper(title="T" * 5000, abstract="word " * 5000, authors=("A",) * 500)
    entries = [entry(huge, queries=tuple(f"q{i}" for i in range(100)))] + [
        entry(paper(i)) for i in range(60)
    ]
    payload = slack_payload("s", entries, DAY)
    assert len(payload["blocks"]) <= 50
    for text in _slack_texts(payload):
        assert len(text) <= 3000
    assert payload["blocks"][0]["type"] == "header"
    assert len(payload["blocks"][0]["text"]["text"]) <= 150
    assert "41 more" in payload["blocks"][-1]["elements"][0]["text"]
    assert payload["unfurl_links"] is False


def test_slack_truncation_keeps_entities_whole() -> None:
    payload = slack_payload("s", [entry(paper(title="&" * 2000))], DAY)
    section = payload["blocks"][3]["text"]["text"]
    title = section.split("|", 1)[1].split(">*", 1)[0]
    assert title.endswith("…")
    assert re.fullmatch(r"(&amp;)+…", title)


def test_slack_highlights_bold() -> None:
    p = paper(abstract="We study sparse attention for long contexts.")
    hl = {"abstract": [(9, 25)], "title": [(0, 6)]}
    payload = slack_payload("s", [entry(p, hl=hl)], DAY)
    assert "We study *sparse attention* for long contexts." in payload["blocks"][3]["text"]["text"]
    context = payload["blocks"][4]["elements"][0]["text"]
    assert "Ada Lovelace, Alan Turing, Grace Hopper et al." in context
    assert "▲ 42" in context and "`sparse attention`" in context


def test_slack_empty_digest() -> None:
    payload = slack_payload("s", [], "2025-02-14")
    assert "0 new papers" in payload["text"]
    assert len(payload["blocks"]) == 3


# ------------------------------------------------------------------------- Discord


def _embed_total(payload: dict[str, Any]) -> int:
    total = 0
    for embed in payload["embeds"]:
        total += discord_len(embed.get("title", "")) + discord_len(embed.get("description", ""))
        total += discord_len(embed.get("footer", {}).get("text", ""))
        for f in embed.get("fields", ()):
            total += discord_len(f["name"]) + discord_len(f["value"])
    return total


def _check_discord_limits(payload: dict[str, Any]) -> None:
    assert len(payload["embeds"]) <= 10
    assert _embed_total(payload) <= DISCORD_TOTAL_LIMIT
    assert discord_len(payload["content"]) <= 2000
    for embed in payload["embeds"]:
        assert discord_len(embed.get("title", "")) <= 256
        assert discord_len(embed.get("description", "")) <= 4096
        assert discord_len(embed.get("footer", {}).get("text", "")) <= 2048
        assert len(embed.get("fields", ())) <= 25
        for f in embed.get("fields", ()):
            assert discord_len(f["name"]) <= 256 and 0 < discord_len(f["value"]) <= 1024


def test_discord_limits_many_papers() -> None:
    entries = [
        entry(
            paper(i, title="Long title " * 40, abstract="Abstract words " * 600),
            queries=tuple(f"query {j}" for j in range(40)),
        )
        for i in range(25)
    ]
    payload = discord_payload("s", entries, DAY)
    assert len(payload["embeds"]) == 10
    assert "25 new papers" in payload["content"] and "showing 10" in payload["content"]
    _check_discord_limits(payload)


def test_discord_single_huge_paper() -> None:
    p = paper(title="x" * 1000, abstract="y " * 10000, authors=("Z" * 3000,))
    payload = discord_payload("s", [entry(p)], DAY)
    _check_discord_limits(payload)
    embed = payload["embeds"][0]
    assert discord_len(embed["title"]) == 256 and embed["title"].endswith("…")
    assert discord_len(embed["description"]) > 1000  # a lone paper gets a long excerpt


def test_discord_counts_utf16() -> None:
    p = paper(title="🧪" * 300, abstract="🧪 " * 5000)
    payload = discord_payload("s", [entry(p)] * 10, DAY)
    _check_discord_limits(payload)
    for embed in payload["embeds"]:
        embed["title"].encode("utf-8")  # no lone surrogates


def test_discord_no_mentions_and_markdown_escaped() -> None:
    p = paper(title=EVIL, abstract="**bold** [link](https://evil.example) @everyone `code`")
    payload = discord_payload("s", [entry(p)], DAY)
    assert payload["allowed_mentions"] == {"parse": []}
    description = payload["embeds"][0]["description"]
    assert "\\*\\*bold\\*\\*" in description
    assert "\\[link\\]\\(https" in description
    assert "@everyone" not in description


def test_discord_highlights_bold_and_fields() -> None:
    p = paper(abstract="We study sparse attention for long contexts.")
    payload = discord_payload("s", [entry(p, hl={"abstract": [(9, 25)]})], DAY)
    embed = payload["embeds"][0]
    assert embed["description"] == "We study **sparse attention** for long contexts."
    assert embed["url"] == p.url
    assert {f["name"] for f in embed["fields"]} == {"Matched", "Upvotes"}
    assert "cs.LG" in embed["footer"]["text"]


# ------------------------------------------------------------------------- generic


def test_generic_schema() -> None:
    p = paper(7)
    tuple_entry = (paper(8, upvotes=None), ["q2"], {"title": [[0, 6]]})
    payload = generic_payload(
        "sub-9", [entry(p, ("a", "b"), {"abstract": [(3, 9), (0, 2)]}), tuple_entry], DAY
    )
    assert payload["type"] == "paperbell.digest"
    assert payload["version"] == 1
    assert payload["subscriber_id"] == "sub-9"
    assert payload["digest_date"] == "2025-02-14"
    assert payload["paper_count"] == 2
    first, second = payload["papers"]
    assert {
        "id",
        "title",
        "url",
        "authors",
        "categories",
        "upvotes",
        "queries",
        "highlights",
    } <= set(first)
    assert first["id"] == "2502.00007"
    assert first["authors"] == list(p.authors)
    assert first["categories"] == ["cs.LG", "cs.CL"]
    assert first["upvotes"] == 42
    assert first["queries"] == ["a", "b"]
    assert first["highlights"] == {"title": [], "abstract": [[0, 2], [3, 9]]}
    assert first["published"] == "2025-02-13T12:00:00+00:00"
    assert second["upvotes"] is None and second["highlights"]["title"] == [[0, 6]]
    assert json.loads(encode_body(payload)) == payload


def test_generic_with_digest_entry_if_available() -> None:
    model = pytest.importorskip("paperbell.delivery.digest_model")
    e = model.DigestEntry(paper=paper(), queries=("q",), highlights={"title": [(0, 6)]})
    assert generic_payload("s", [e], DAY)["papers"][0]["highlights"]["title"] == [[0, 6]]


def test_normalize_spans() -> None:
    assert normalize_spans([(5, 3), (-2, 2), (1, 4), (8, 100), ("x", 1), (9,)], "abcdefghij") == [
        (0, 4),
        (8, 10),
    ]


def test_encode_body_is_compact_utf8() -> None:
    assert encode_body({"a": "é", "b": [1]}) == '{"a":"é","b":[1]}'.encode()


def test_build_payload_dispatch() -> None:
    assert build_payload("generic", "s", [], DAY)["type"] == "paperbell.digest"
    assert "blocks" in build_payload("slack", "s", [], DAY)
    assert "embeds" in build_payload("discord", "s", [], DAY)


# ------------------------------------------------------------------------- detect_target


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("https://hooks.slack.com/services/T000/B000/XXXX", "slack"),
        ("https://HOOKS.SLACK.COM/services/T/B/X", "slack"),
        ("https://discord.com/api/webhooks/123/abc", "discord"),
        ("https://discordapp.com/api/webhooks/123/abc", "discord"),
        ("https://canary.discord.com/api/webhooks/1/a", "discord"),
        ("https://discord.com/channels/1/2", "generic"),
        ("https://hooks.slack.com.evil.example/services/x", "generic"),
        ("https://evil.example/hooks.slack.com/services/x", "generic"),
        ("https://hooks.slack.com@evil.example/services/x", "generic"),
        ("http://hooks.slack.com/services/x", "generic"),
        ("https://example.com/webhook", "generic"),
        ("not a url", "generic"),
    ],
)
def test_detect_target(url: str, target: str) -> None:
    assert detect_target(url) == target
