"""Fuzz the query language: ``parse_query`` raises only QueryError (with a position
inside the text and a message), and ``match_query`` never raises on any paper."""

from __future__ import annotations

from datetime import UTC, datetime

from fuzz_support import FUZZ, count, wild_text
from hypothesis import given
from hypothesis import strategies as st

from paperbell.errors import QueryError
from paperbell.matching import Query, match_query, parse_query
from paperbell.models import Paper

TOKENS = [
    "lottery", "tickets", "RoPE", "AND", "OR", "NOT", "and", "or", "-", "--", "(", ")", '"',
    "'", "*", "distill*", "ab*", "title:", "titel:", "abstract:", "author:", "category:",
    "source:", "source:hf", "source:nope", "upvotes:", "upvotes:>=50", "upvotes:>", "upvotes:<x",
    "upvotes:=-1", "upvotes:>99999999999999999999", "category:cs.LG", ":", "::", "fine-tuning",
    "$\\alpha$", "naïve", "Ǆ", "ß", "ﬁ", "İ", "\u0301", "\u200b", "\t", "\n", " ", "  ",
    "👍", "中文", "a" * 60, "1e10", "2502.08441", "x:y", "\\", "+", "~", "^2", "[", "]",
]

token_soup = st.lists(st.sampled_from(TOKENS), max_size=30).map("".join)
spaced_soup = st.lists(st.sampled_from(TOKENS), max_size=30).map(" ".join)
queries = st.one_of(token_soup, spaced_soup, wild_text(120),
                    st.text(alphabet='()"-*: ORANDNOT abc', max_size=60),
                    st.text(min_size=480, max_size=530))


def parse_or_error(text: str) -> Query | None:
    try:
        query = parse_query(text)
    except QueryError as exc:
        assert isinstance(exc.message, str) and exc.message.strip(), repr(exc.message)
        assert isinstance(exc.position, int), (text, exc.message, exc.position)
        assert 0 <= exc.position <= len(text), (text, exc.message, exc.position)
        assert exc.render()  # the caret line renders for any text
        return None
    assert isinstance(query, Query)
    return query


@FUZZ
@given(text=queries)
def test_parse_query_raises_only_query_errors_with_a_position(text: str) -> None:
    count("query: parse_query")
    parse_or_error(text)


words = st.one_of(st.sampled_from(["lottery", "tickets", "ticket", "RoPE", "Europe",
                                   "fine-tuning", "finetuning", "distillation", "$\\alpha$",
                                   "naïve", "NAIVE", "\u0301", "", " ", "-", "*", "\x00"]),
                  wild_text(12))
texts = st.lists(words, max_size=25).map(" ".join)
papers = st.builds(
    Paper,
    id=st.text(min_size=1, max_size=20),
    title=texts,
    abstract=st.one_of(texts, wild_text(300)),
    authors=st.lists(st.text(max_size=20), max_size=4).map(tuple),
    url=st.text(max_size=30),
    published=st.one_of(st.none(), st.datetimes(timezones=st.just(UTC)),
                        st.just(datetime(1, 1, 1))),
    source=st.sampled_from(["hf", "arxiv", "feed", "", "HF", "weird source"]),
    categories=st.lists(st.sampled_from(["cs.LG", "cs.CL", "", "CS.lg", "math.*"])
                        | st.text(max_size=8), max_size=3).map(tuple),
    upvotes=st.one_of(st.none(), st.integers(min_value=-(2**63), max_value=2**63)),
    version=st.one_of(st.none(), st.integers(0, 99)),
)


@FUZZ
@given(text=st.one_of(queries, texts), paper=papers)
def test_match_query_never_raises_on_any_paper(text: str, paper: Paper) -> None:
    count("query: match_query")
    query = parse_or_error(text)
    if query is None:
        return
    hit = match_query(query, paper)
    if hit is None:
        return
    # Highlights are spans inside the field they point at.
    for name, source in (("title", paper.title), ("abstract", paper.abstract)):
        for start, end in getattr(hit, name, ()) or ():
            assert 0 <= start <= end <= len(source), (name, start, end, len(source))
