"""fit_paper: what cannot be stored or served is replaced or cut, and the paper says so."""

from __future__ import annotations

from paperbell.fitting import (
    ABSTRACT_BYTES,
    AUTHORS_BYTES,
    EXTRA_BYTES,
    ID_BYTES,
    TITLE_BYTES,
    TRUNCATED,
    URL_BYTES,
    clean_text,
    cut_bytes,
    fit_paper,
)
from paperbell.models import Paper


def test_clean_paper_is_returned_unchanged() -> None:
    paper = Paper(id="2502.08441", title="Coupled Adam", authors=("A",), extra={"doi": "x"})
    assert fit_paper(paper) is paper


def test_clean_text_replaces_surrogates_and_controls() -> None:
    assert clean_text("a\ud800b\udfffc") == "a\ufffdb\ufffdc"
    assert clean_text("x\x00y\x07z\ufffe") == "x y z\ufffd"
    assert clean_text("tab\tnew\nline\r") == "tab\tnew\nline\r"  # XML allows these


def test_cut_bytes_never_splits_a_character() -> None:
    cut = cut_bytes("é" * 100, 51)
    assert cut.endswith("…") and len(cut.encode("utf-8")) <= 51
    cut.encode("utf-8")  # no half character left


def test_every_oversized_field_is_cut_and_named() -> None:
    paper = Paper(
        id="i" * (ID_BYTES + 1),
        title="t" * 500_000,
        abstract="a " * ABSTRACT_BYTES,
        url="https://example.org/" + "u" * URL_BYTES,
        authors=tuple(f"Author {n}" for n in range(20_000)),
        categories=("cs.LG",),
        extra={"big": "x" * (EXTRA_BYTES + 10), "small": "kept"},
    )
    fitted = fit_paper(paper)
    assert fitted.id.startswith("sha256:") and fitted.id == fit_paper(paper).id  # stable
    assert len(fitted.title.encode()) <= TITLE_BYTES
    assert len(fitted.abstract.encode()) <= ABSTRACT_BYTES
    assert fitted.url == ""  # a cut link leads nowhere
    assert 0 < len(fitted.authors) < 20_000
    assert sum(len(a.encode()) + 4 for a in fitted.authors) <= AUTHORS_BYTES
    assert "big" not in fitted.extra and fitted.extra["small"] == "kept"
    assert fitted.extra[TRUNCATED] == [
        "abstract", "authors", "extra.big", "id", "title", "url",
    ]


def test_fitting_twice_changes_nothing_more() -> None:
    once = fit_paper(Paper(id="x", title="t\ud800" * 2000, extra={"k": "\x00"}))
    assert fit_paper(once) == once and fit_paper(once).extra == once.extra
    assert once.extra["k"] == " " and once.extra[TRUNCATED] == ["title"]
