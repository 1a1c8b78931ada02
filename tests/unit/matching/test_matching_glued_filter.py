"""The glued-compound filter (issue 13): a paper makes only those compounds of two
space-separated words ("downstream model" -> ``downstreammodel``) that its index can
ask for, as an index term, a check's key, a plan key or a field check's word. These
tests hold every way a query can need such a compound, in a built and a loaded index,
and the vocabularies of older snapshots (no filter)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matching_support import make_paper, seed_papers
from test_matching_text_terms import VOCABS, WORDS, texts

from paperbell.matching import MatchIndex, presearcher
from paperbell.matching.matcher import AnalyzedPaper, evaluate
from paperbell.matching.query_parser import parse_query
from paperbell.matching.text_terms import GLUED, GLUED_REVERSED, FieldVocab, text_terms

#: other queries, so that the filter has something to hold and rarer terms exist
FILLER = ["transformer", "robot", '"vision model"', "graph*", "title:survey"]


class _Rare(dict[str, float]):
    """Document frequencies: the words given are rare, every other word common (so an
    AND is filed under a given word and the compound is only in its check)."""

    def get(self, key: str, default: float | None = None) -> float:  # type: ignore[override]
        return super().get(key, 0.5)


def _index(queries: list[str], rare: str | None = None) -> MatchIndex:
    items = [(f"q{i}", q) for i, q in enumerate([*queries, *FILLER])]
    return MatchIndex.build(items, df=None if rare is None else _Rare({rare: 1e-6}))


def _both(index: MatchIndex) -> list[MatchIndex]:
    return [index, MatchIndex.from_snapshot(index.to_snapshot())]


def _ids(index: MatchIndex, title: str, abstract: str = "") -> set[str]:
    paper = make_paper(title=title, abstract=abstract)
    return set(index.match_ids(AnalyzedPaper(paper)))


def _filtered(index: MatchIndex) -> bool:
    index.paper_terms(AnalyzedPaper(make_paper(title="x")))
    filters = index._vocab_filters
    return filters is not None and filters[0].glued is not None


CASES = [
    # (query, rare word, title, abstract): the query's answer hangs on the glued compound (it
    # matches through it, or, under a NOT, fails through it)
    ("downstreammodel", None, "A downstream model", ""),
    # a compound whose key stem() decides by the whole word ("ana lyses" -> analysis)
    ("analysis", None, "Ana lyses of data", ""),
    # an AND filed under its rarer word: the compound is a key of its term plan
    ("transformer downstreammodel", "transformer",
     "A transformer", "for the downstream model"),
    # ... or a key of a negated group
    ("transformer -downstreammodel", "transformer",
     "A transformer", "with a downstream model"),
    # a title: word: looked up in the field's keys
    ("transformer title:downstreammodel", "transformer",
     "Downstream model transformers", ""),
    ("abstract:downstreammodel robot", "robot",
     "Robots", "for a downstream model"),
    # a title: phrase matched through its compound (the paper writes its words otherwise)
    ('title:"downstream model" robot', "robot", "Robot down streammodel", ""),
    # a two-word phrase filed under its rarer word: its bigram is a plan key
    ('robot "downstream model"', "robot", "Robot", "for the downstream model"),
    ('robot "rl agents"', "robot", "Robot", "with rl agents"),  # no compound: the bigram
    # a phrase of three words, two of them glued in its compound
    ('"downstream model zoo" robot', "robot", "Robot", "a downstreammodel zoo"),
    # an OR mixing a field word and a phrase: the full evaluator (a fallback check)
    ('robot (title:downstreammodel OR "vision model zoo")', "robot",
     "Robot downstream model", ""),
]  # fmt: skip


@pytest.mark.parametrize(("query", "rare", "title", "abstract"), CASES)
def test_a_compound_the_index_needs_is_made(
    query: str, rare: str | None, title: str, abstract: str
) -> None:
    paper = make_paper(title=title, abstract=abstract)
    expected = evaluate(parse_query(query).root, AnalyzedPaper(paper)) is not None
    assert expected == ("-" not in query)  # the truth (the evaluator reads the tokens)
    index = _index([query], rare)
    if rare:  # filed under the rare word alone: the compound is no index term
        assert "downstreammodel" not in index._terms
    for loaded in _both(index):
        assert _filtered(loaded)  # the filter is on: it must keep this compound
        assert ("q0" in _ids(loaded, title, abstract)) == expected, query


def test_compounds_no_query_needs_are_not_made() -> None:
    index = _index(["downstreammodel"])
    for loaded in _both(index):
        ap = AnalyzedPaper(make_paper(title="A downstream model", abstract="the vision robot"))
        terms = loaded.paper_terms(ap)
        assert "downstreammodel" in terms
        assert "visionrobot" not in terms  # no index term starts with "vision" and is longer
        # without an index a paper still has every term
        assert "visionrobot" in presearcher.paper_terms(AnalyzedPaper(ap.paper))


def test_an_old_vocabulary_makes_every_compound() -> None:
    """A snapshot written before the filter has no glued entries: papers then make every
    glued compound, also after it learned new queries (whose entries carry the mark)."""
    index = _index(["downstreammodel"])
    assert index._vocab is not None
    index._vocab = {e for e in index._vocab if not e.startswith((GLUED, GLUED_REVERSED))}
    index._vocab_filters = None
    assert not _filtered(index)
    assert "q0" in _ids(index, "A downstream model")
    index.add("new", "robotarm")
    for loaded in _both(index):
        assert not _filtered(loaded)
        assert {"q0", "new"} <= _ids(loaded, "A downstream model for a robot arm")


def test_text_vocabulary_without_the_mark_has_no_filter() -> None:
    vocab, _ = presearcher._text_vocabs("*pre\nlottery ")
    assert vocab.glued is None
    vocab, _ = presearcher._text_vocabs(f"{GLUED}\n{GLUED}model\n{GLUED_REVERSED}ledom\n*pre")
    assert vocab.glued == ["model"]
    assert vocab.prefixes == {"*pre"}


GLUED_WORDS = ["finetuning", "inform", "therapist", "lotteryticket", "analysis", "trainingseries"]


def _assert_only_compounds_dropped(
    text: str, every: set[str], some: set[str], held: list[str], seconds: set[str] | None = None
) -> None:
    ft = presearcher.tokenize(text)
    assert some <= every
    assert every & set(held) <= some  # no held term lost
    dropped = every - some
    assert not dropped & set(ft.keys)  # never a word, and only compounds ...
    bigrams = {t for t in dropped if " " in t}
    assert dropped - bigrams <= set(ft.comp_keys)
    # ... or bigrams whose second key ends no bigram held
    assert not {t for t in bigrams if seconds is None or t.split(" ")[1] in seconds}


@settings(max_examples=300, deadline=None)
@given(
    text=texts(),
    held=st.lists(st.sampled_from(GLUED_WORDS + WORDS), max_size=5),
    seconds=st.none() | st.sets(st.sampled_from(WORDS), max_size=6),
)
def test_the_filter_drops_only_compounds_not_held(
    text: str, held: list[str], seconds: set[str] | None
) -> None:
    """Against the unfiltered terms: nothing added, no held term lost, and what is left
    out are compounds and bigrams not held (never a word or beginning)."""
    for base in VOCABS.values():
        every = text_terms(text, base)
        some = text_terms(text, FieldVocab(base.firsts, base.prefixes, held, seconds))
        _assert_only_compounds_dropped(text, every, some, held, seconds)


def test_real_papers_lose_only_compounds_not_held() -> None:
    held = ["finetuning", "datasets", "benchmark", "reinforcementlearning", "opensource"]
    for paper in seed_papers():
        for text in (paper.title, paper.abstract):
            if text.isascii():
                every = text_terms(text, VOCABS["all"])
                some = text_terms(text, FieldVocab(None, None, held))
                _assert_only_compounds_dropped(text, every, some, held)


def test_a_vocabulary_of_too_many_glued_terms_is_stored_without_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above _GLUED_MAX glued terms the filter is off, so a snapshot leaves their entries
    out (at 1M stored queries they were 10 MB of it) and its papers make every compound."""
    index = _index(["downstreammodel"])
    full = index.to_snapshot()
    monkeypatch.setattr(presearcher, "_GLUED_MAX", 2)  # FILLER and the query hold more
    lean = index.to_snapshot()
    assert len(lean) < len(full)
    loaded = MatchIndex.from_snapshot(lean)
    entries = (loaded._vocab_text or "").split("\n")
    assert [e for e in entries if e[:1] in (GLUED, GLUED_REVERSED)] == [GLUED_REVERSED]
    assert not _filtered(loaded)
    assert loaded._vocab_filters is not None  # the bigrams' second keys still filter
    assert loaded._vocab_filters[0].seconds is not None
    ap = AnalyzedPaper(make_paper(title="A downstream model", abstract="the vision robot"))
    assert "visionrobot" in loaded.paper_terms(ap)  # every compound again
    assert "q0" in _ids(loaded, "A downstream model")
