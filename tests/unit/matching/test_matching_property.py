"""Property: the index (presearch + exact shortcuts + verification, before and after a
snapshot round trip) returns exactly what the naive evaluator returns — same query ids,
same highlights — on generated queries and papers."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matching_support import make_paper

from paperbell.matching import MatchIndex
from paperbell.matching.matcher import AnalyzedPaper
from paperbell_dev.bench.naive import NaiveMatcher

WORDS = [
    "lottery",
    "ticket",
    "tickets",
    "fine",
    "tuning",
    "finetuning",
    "rope",
    "europe",
    "sparse",
    "model",
    "models",
    "class",
    "classes",
    "bias",
    "pre",
    "train",
    "café",
    "cafe",
    "alpha",
    "state",
    "art",
    "of",
    "the",
    "a",
    "new",
]
SEPS = [" ", " ", " ", "-", ", ", " $\\", "$-", ". "]
AUTHORS = ["Geoffrey Hinton", "Yann LeCun", "Ada Lovelace"]


@st.composite
def texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), max_size=12))
    out = ""
    for w in words:
        w = w.upper() if draw(st.booleans()) and len(w) < 5 else w
        out += w + draw(st.sampled_from(SEPS))
    return out.strip()


@st.composite
def papers(draw: st.DrawFn) -> object:
    return make_paper(
        draw(texts()),
        draw(texts()),
        authors=tuple(draw(st.lists(st.sampled_from(AUTHORS), max_size=2))),
        categories=tuple(draw(st.lists(st.sampled_from(["cs.LG", "cs.CL"]), max_size=2))),
        source=draw(st.sampled_from(["hf", "arxiv", "feed"])),
        upvotes=draw(st.one_of(st.none(), st.integers(0, 20))),
    )


def leaf() -> st.SearchStrategy[str]:
    word = st.sampled_from(WORDS)
    return st.one_of(
        word,
        word.map(lambda w: w + "s"),
        st.tuples(word, word).map(lambda t: f'"{t[0]} {t[1]}"'),
        st.tuples(word, word).map(lambda t: f"{t[0]}-{t[1]}"),
        st.tuples(word, word, word).map(lambda t: f'"{t[0]} {t[1]} {t[2]}"'),
        st.sampled_from(["lot*", "fin*", "tra*", "cla*", "pretrain*"]),
        st.tuples(st.sampled_from(["title:", "abstract:"]), word).map("".join),
        st.sampled_from(
            [
                "author:hinton",
                'author:"yann lecun"',
                "author:lec*",
                "category:cs.LG",
                "source:hf",
                "upvotes:>=10",
                "upvotes:<5",
            ]
        ),
    )


queries = st.recursive(
    leaf(),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda t: f"{t[0]} {t[1]}"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]} AND {t[1]}"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]}) OR ({t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]} OR {t[1]}"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]} -({t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]} AND NOT {t[1]}"),
    ),
    max_leaves=5,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(qs=st.lists(queries, min_size=1, max_size=25), ps=st.lists(papers(), min_size=1, max_size=4))
def test_index_agrees_with_naive(qs: list[str], ps: list[object]) -> None:
    # repeated queries share one check group; a copy makes groups of several slots
    pairs = [(f"q{i}", q) for i, q in enumerate([*qs, *qs[: len(qs) // 3]])]
    naive = NaiveMatcher(pairs)
    index = MatchIndex.build(pairs)
    loaded = MatchIndex.from_snapshot(index.to_snapshot())
    # an index that was changed after building or loading (overlay path, and a
    # vocabulary that grows: new bigrams and prefixes) must agree too
    half = len(pairs) // 2
    mutated = MatchIndex.build(pairs[:half])
    reloaded = MatchIndex.from_snapshot(mutated.to_snapshot())
    for qid, q in pairs[half:]:
        mutated.add(qid, q)
        reloaded.add(qid, q)
    for p in ps:
        want = naive.match(AnalyzedPaper(p))  # type: ignore[arg-type]
        shared = AnalyzedPaper(p)  # type: ignore[arg-type]
        # one analyzed paper matched by several indexes, each with its own vocabulary
        assert reloaded.match(shared) == want
        assert index.match(shared) == want
        assert loaded.match(p) == want  # type: ignore[arg-type]
        assert mutated.match(shared) == want
        want_ids = [h.query_id for h in want]
        assert naive.match_ids(p) == want_ids  # type: ignore[arg-type]
        assert index.match_ids(p) == want_ids  # type: ignore[arg-type]
        assert mutated.match_ids(shared) == want_ids
        assert reloaded.match_ids(p) == want_ids  # type: ignore[arg-type]
        # the unordered slots are the same matches
        assert index.query_ids(sorted(index.match_slot_set(shared))) == want_ids
        for each in (loaded, mutated):  # each slot once (no set made them distinct)
            found = each.match_slot_array(shared)
            assert each.query_ids(sorted(found)) == want_ids and len(found) == len(want_ids)
        assert loaded.query_texts(loaded.match_slots(p)) == [  # type: ignore[arg-type]
            loaded.query_text(qid) for qid in want_ids
        ]
