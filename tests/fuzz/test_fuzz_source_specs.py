"""Fuzz source specs: every string is a SourceSpec or a SourceSpecError."""

from __future__ import annotations

from fuzz_support import FUZZ, count, wild_text
from hypothesis import given
from hypothesis import strategies as st

from paperbell.errors import SourceSpecError
from paperbell.sources import SourceSpec, parse_source_spec

PARTS = ["hf", "hf-page", "arxiv", "arxiv-api", "rss", "atom", "jsonfeed", "feed", "bundled",
         "file", ":", "://", "/", "+", ".", "daily", "week", "month", "trending", "2026",
         "-W19", "-W53", "-W00", "-05", "-13", "-10", "cs.LG", "cs.AI", "math.XX", "seed",
         "https", "http", "javascript", "example.org", "[::1]", "@", "?", "#", "%00", "%",
         " ", "\t", "~", "..", "C:\\", "\\\\", "é", "\x00", "9999", "-", "W", "Z", "ti:x"]

specs = st.one_of(st.lists(st.sampled_from(PARTS), max_size=12).map("".join),
                  wild_text(80))


@FUZZ
@given(text=specs)
def test_source_specs_raise_only_source_spec_errors(text: str) -> None:
    count("source specs: parse_source_spec")
    try:
        spec = parse_source_spec(text)
    except SourceSpecError as exc:
        assert str(exc).strip()
        return
    assert isinstance(spec, SourceSpec)
    assert spec.name
