"""MatchIndex: build/add/remove, presearch plans, snapshots, agreement with the naive matcher."""

from __future__ import annotations

import pytest
from matching_support import make_paper, seed_papers

from paperbell.errors import QueryError
from paperbell.matching import MatchIndex, QueryHit, parse_query
from paperbell.matching.matcher import AnalyzedPaper
from paperbell.matching.query_analyzer import analyze, builtin_df
from paperbell_dev.bench.match_benchmark import QueryGenerator, main, sample_papers
from paperbell_dev.bench.naive import NaiveMatcher

PAPER = make_paper(
    "Resonance RoPE for long context",
    "Fine-tuning lottery tickets with sparse transformers.",
    authors=("Geoffrey Hinton",),
    categories=("cs.LG",),
    source="hf",
    upvotes=30,
)

QUERIES = [
    ("single", "rope"),
    ("phrase", '"lottery ticket"'),
    ("and", "sparse lottery"),
    ("or", "quantum OR transformer"),
    ("not", "rope -quantum"),
    ("not-fails", "rope -sparse"),
    ("filter-only", "upvotes:>=10"),
    ("category", "category:cs.lg"),
    ("author", "author:hinton"),
    ("prefix", "transf*"),
    ("miss", "quantum"),
    ("compound", "finetuning"),
    ("title", "title:lottery"),
]


def ids(hits: list[QueryHit]) -> list[str]:
    return [h.query_id for h in hits]


def test_match_finds_the_right_queries_in_storage_order() -> None:
    index = MatchIndex.build(QUERIES)
    assert ids(index.match(PAPER)) == [
        "single",
        "phrase",
        "and",
        "or",
        "not",
        "filter-only",
        "category",
        "author",
        "prefix",
        "compound",
    ]
    naive = NaiveMatcher(QUERIES)
    assert index.match(PAPER) == naive.match(PAPER)


def test_hit_highlights() -> None:
    hits = {h.query_id: h.highlights for h in MatchIndex.build(QUERIES).match(PAPER)}
    assert hits["single"]["title"] == [(10, 14)]
    assert hits["phrase"]["abstract"] == [(12, 27)]
    assert not hits["filter-only"]


def test_plans() -> None:
    df = {"spars": 0.5, "lottery": 0.01}  # keys are plural-folded
    plan = analyze(parse_query("sparse lottery").root, df)
    # the rarer word, or the compound the two words form ("sparselottery")
    assert plan.terms == ("lottery", "sparselottery") and not plan.exact
    assert analyze(parse_query("sparse AND lottery").root, df).terms == ("lottery",)
    assert analyze(parse_query("rope").root, df).exact
    p = analyze(parse_query('"fine tuning"').root, df)
    assert set(p.terms or ()) == {"fine tuning", "finetuning"} and p.exact
    assert analyze(parse_query("a OR b").root, df).terms == ("a", "b")
    assert analyze(parse_query("upvotes:>=3").root, df).terms is None
    assert analyze(parse_query("rope OR -x").root, df).terms is None
    assert analyze(parse_query("category:cs.LG upvotes:>1").root, df).terms == ("#cs.lg",)
    assert analyze(parse_query("author:hinton").root, df).terms == ("@hinton",)
    prefix = analyze(parse_query("transf*").root, df)  # the whole prefix: exact
    assert prefix.terms == ("*transf",) and prefix.exact
    long_prefix = analyze(parse_query("transforme*").root, df)  # cut to 8: verified
    assert long_prefix.terms == ("*transfor",) and not long_prefix.exact
    assert not analyze(parse_query("title:transf*").root, df).exact
    assert "model" in builtin_df()


def test_add_replace_remove() -> None:
    index = MatchIndex.build([("a", "rope")])
    index.add("b", "lottery")
    assert ids(index.match(PAPER)) == ["a", "b"]
    index.add("a", "quantum")  # replace
    assert ids(index.match(PAPER)) == ["b"]
    assert index.query_text("a") == "quantum"
    assert index.remove("b") is True
    assert index.remove("b") is False
    assert ids(index.match(PAPER)) == []
    assert len(index) == 1 and "a" in index and "b" not in index
    index.add("c", "upvotes:>5")
    assert ids(index.match(PAPER)) == ["c"]
    index.compact()
    assert ids(index.match(PAPER)) == ["c"]
    assert dict(index.items()) == {"a": "quantum", "c": "upvotes:>5"}


def test_build_invalid_query_names_the_id() -> None:
    with pytest.raises(QueryError) as info:
        MatchIndex.build([("ok", "rope"), ("bad-1", "titel:x")])
    assert "'bad-1'" in info.value.message and "titel" in info.value.message
    assert info.value.position == 0
    index = MatchIndex.build([("ok", "rope"), ("bad-1", "titel:x")], on_error="skip")
    assert [qid for qid, _ in index.errors] == ["bad-1"]
    assert len(index) == 1


def test_add_invalid_leaves_index_unchanged() -> None:
    index = MatchIndex.build([("a", "rope")])
    with pytest.raises(QueryError):
        index.add("a", "(")
    assert index.query_text("a") == "rope"


def _as_v1(data: bytes) -> bytes:
    """The same index in the format before check specs (PBMIDX01)."""
    from paperbell.matching import presearcher as ps

    h = ps._HEADER.unpack_from(data)
    _, order, n, _t, _p, _a, n_ids, n_texts, _tb, n_specs = h
    specs_at = ps._HEADER.size + 4 * (n + 1) + n_ids + 4 * (n + 1) + n_texts
    head = ps._HEADER_V1.pack(ps._MAGIC_V1, order, *h[2:9])
    body = data[ps._HEADER.size : specs_at] + data[specs_at + 4 * (n + 1) + n_specs :]
    return head + body


def test_snapshots_of_the_previous_format_still_load_and_match() -> None:
    index = MatchIndex.build([*QUERIES, ("and", "lottery tickets"), ("not", "rope -survey")])
    old = MatchIndex.from_snapshot(_as_v1(index.to_snapshot()))
    assert old.match(PAPER) == index.match(PAPER)
    assert old.match_ids(PAPER) == index.match_ids(PAPER)


def test_verification_specs_need_no_parsing() -> None:
    index = MatchIndex.from_snapshot(
        MatchIndex.build([("and", "lottery tickets"), ("not", "rope -survey")]).to_snapshot()
    )
    assert set(index.match_ids(PAPER)) == {"and", "not"}
    assert index._parsed == {}  # both were verified from their stored specs


def test_snapshot_roundtrip_with_pending_changes() -> None:
    index = MatchIndex.build(QUERIES)
    index.add("late", "resonance")
    index.remove("single")
    data = index.to_snapshot()
    assert isinstance(data, bytes) and not data.startswith(b"\x80")  # not a pickle
    loaded = MatchIndex.from_snapshot(data)
    assert loaded.match(PAPER) == index.match(PAPER)
    assert "single" not in loaded and "late" in loaded
    loaded.add("x", "hinton OR rope")
    assert "x" in ids(loaded.match(PAPER))
    assert MatchIndex.from_snapshot(MatchIndex().to_snapshot()).match(PAPER) == []


@pytest.mark.parametrize("data", [b"", b"garbage" * 20])
def test_snapshot_rejects_garbage(data: bytes) -> None:
    with pytest.raises(ValueError):
        MatchIndex.from_snapshot(data)


def test_snapshot_rejects_truncated() -> None:
    data = MatchIndex.build(QUERIES).to_snapshot()
    with pytest.raises(ValueError):
        MatchIndex.from_snapshot(data[:-3])


def test_generated_queries_agree_with_naive_on_real_papers() -> None:
    papers = seed_papers() + sample_papers()
    gen = QueryGenerator(papers, seed=3, real_rate=0.6, long_tail=500)
    queries = gen.queries(1500)
    index = MatchIndex.from_snapshot(MatchIndex.build(queries).to_snapshot())
    naive = NaiveMatcher(queries)
    total = 0
    for p in papers:
        ap = AnalyzedPaper(p)
        got, want = index.match(ap), naive.match(ap)
        assert got == want
        total += len(got)
    assert total > 100  # the workload really matches things


def test_benchmark_main_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["--queries", "300", "--naive-papers", "1", "--passes", "1", "--long-tail", "500"])
        == 0
    )
    out = capsys.readouterr().out
    assert "| stored queries | 300 |" in out
    assert "| index == naive on measured papers | True |" in out
    assert "| match ids only / tokenize |" in out


def test_match_ids_and_lazy_highlights() -> None:
    index = MatchIndex.build(QUERIES)
    hits = index.match(PAPER)
    assert index.match_ids(PAPER) == ids(hits)
    assert "not computed" in repr(hits[0])  # nothing computed until read
    want = {h.query_id: h.highlights for h in NaiveMatcher(QUERIES).match(PAPER)}
    for h in hits:
        assert h.highlights == want[h.query_id]
        assert index.highlight(h.query_id, PAPER) == want[h.query_id]
    assert index.highlight("miss", PAPER) is None
    assert index.highlight("unknown", PAPER) is None


def test_lazy_highlights_survive_changes_after_the_match() -> None:
    index = MatchIndex.build(QUERIES)
    hits = index.match(PAPER)
    want = [(h.query_id, h.highlights) for h in NaiveMatcher(QUERIES).match(PAPER)]
    index.remove("single")
    index.add("phrase", "quantum")  # replaced after the match
    index.compact()  # renumbers the slots
    assert [(h.query_id, h.highlights) for h in hits] == want


def test_query_hit_eager_and_equality() -> None:
    from paperbell.matching.matcher import EMPTY_HIGHLIGHTS

    hit = QueryHit("q", EMPTY_HIGHLIGHTS)
    assert hit == QueryHit("q", EMPTY_HIGHLIGHTS) and hit != QueryHit("r", EMPTY_HIGHLIGHTS)
    assert hash(hit) == hash("q") and hit != "q"
    with pytest.raises(TypeError):
        QueryHit("q")
