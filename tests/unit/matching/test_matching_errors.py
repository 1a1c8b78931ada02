"""Every malformed query raises QueryError with a message and a position that point at it."""

from __future__ import annotations

import pytest

from paperbell.errors import QueryError
from paperbell.matching import parse_query

# (query, expected position, substring of the message)
BAD: list[tuple[str, int, str]] = [
    ("", 0, "empty query"),
    ("   ", 0, "empty query"),
    ("(lottery sparse", 0, "unclosed '('"),
    ("lottery (sparse OR (a b)", 8, "unclosed '('"),
    ("lottery sparse)", 14, "unmatched ')'"),
    ('lottery "sparse nets', 8, "unclosed quote"),
    ("-survey", 0, "only excludes"),
    ("NOT survey -review", 0, "only excludes"),
    ("-(a OR b)", 0, "only excludes"),
    ("tr*", 0, "too short"),
    ("lottery ab*", 8, "too short"),
    ("tr*ansformer", 2, "only allowed at the end"),
    ("fine-tun*", 0, "one plain word"),
    ("titel:lottery", 0, "unknown field 'titel' — did you mean 'title'?"),
    ("lottery autor:hinton", 8, "did you mean 'author'"),
    ("zzzz:foo", 0, "unknown field 'zzzz'"),
    ("OR lottery", 0, "dangling OR"),
    ("lottery OR", 8, "dangling OR"),
    ("lottery OR OR sparse", 8, "dangling OR"),
    ("(lottery OR) sparse", 9, "dangling OR"),
    ("AND lottery", 0, "dangling AND"),
    ("lottery AND", 8, "dangling AND"),
    ("lottery NOT", 8, "dangling NOT"),
    ("lottery -", 9, "'-' has nothing after it"),
    ("lottery - sparse", 9, "'-' must be followed directly"),
    ("lottery (NOT) x", 9, "dangling NOT"),
    ("lottery ()", 8, "empty group"),
    ("lottery ( )", 8, "empty group"),
    ("upvotes:10 lottery", 8, "bad upvotes filter"),
    ("upvotes:>=x", 8, "bad upvotes filter"),
    ("upvotes:>=-3", 8, "bad upvotes filter"),
    ("upvotes:(>=3)", 8, "bad upvotes filter"),
    ("title: lottery", 6, "must be followed directly"),
    ("lottery title:", 14, "has nothing after it"),
    ("title:-lottery x", 6, "before the field"),
    ("source:hff", 7, "unknown source 'hff' — did you mean 'hf'?"),
    ("category:cs.*", 9, "exact category"),
    ('""', 0, "no searchable"),
    ("lottery +++", 8, "no searchable"),
]


@pytest.mark.parametrize(
    ("query", "position", "message"), BAD, ids=[b[0] or "<empty>" for b in BAD]
)
def test_bad_queries(query: str, position: int, message: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(query)
    err = info.value
    assert message in err.message
    assert err.position == position
    assert err.query == query


def test_too_long() -> None:
    q = "lottery " * 70
    with pytest.raises(QueryError) as info:
        parse_query(q)
    assert "too long" in info.value.message
    assert info.value.position == 500


def test_too_many_terms() -> None:
    words = [f"w{i}" for i in range(51)]
    q = " ".join(words)
    with pytest.raises(QueryError) as info:
        parse_query(q)
    assert "too many terms" in info.value.message
    assert info.value.position == q.index("w50")
    parse_query(" ".join(words[:50]))  # exactly 50 is fine


def test_limits_are_inclusive() -> None:
    q = ("abcdefghijk " * 45)[:500]
    assert len(q) == 500
    parse_query(q)


def test_render_has_caret_under_problem() -> None:
    with pytest.raises(QueryError) as info:
        parse_query("lottery titel:x")
    lines = str(info.value).splitlines()
    assert lines[1].strip() == "lottery titel:x"
    assert lines[2].index("^") == lines[1].index("titel")


@pytest.mark.parametrize(
    "query",
    [
        "a OR b",  # short plain words are fine (prefix rule only applies to *)
        "lottery -survey",
        "upvotes:>=50",
        "category:cs.LG",
        "-survey upvotes:>=1",
        "NOT NOT lottery",
        "--lottery",
        "title:(lottery -survey)",
        "tra-la-la",
        '"NOT" "OR"',
        "transf*",
    ],
)
def test_good_queries(query: str) -> None:
    assert parse_query(query).text == query
