"""MatchIndex: build/add/remove, presearch plans, snapshots, agreement with the naive matcher."""

from __future__ import annotations

import pytest
from matching_support import make_paper, seed_papers

from paperbell.errors import QueryError
from paperbell.matching import MatchIndex, QueryHit, parse_query, presearcher
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


def _as_old(index: MatchIndex, version: int) -> bytes:
    """``index`` written in a format before check groups: PBMIDX02 (one check spec per
    query) or PBMIDX01 (no specs), the way those versions wrote it."""
    import struct
    import sys
    from array import array

    from paperbell.matching import presearcher as ps

    index.compact()
    n = len(index._flags)
    members = index._group_members()
    slot_spec = {s: spec.encode() for s, spec in index._slot_specs().items()}
    post, off, split = index._postings, index._post_off, index._post_split
    postings = array("I")
    post_off, post_split = array("I", [0]), array("I")
    for ti in range(len(index._terms)):
        postings.extend(post[off[ti] : split[ti]])
        post_split.append(len(postings))
        postings.extend(sorted(s for g in post[split[ti] : off[ti + 1]] for s in members[g]))
        post_off.append(len(postings))
    always = array("I", sorted(s for g in index._always for s in members[g]))
    specs, specs_off = bytearray(), array("I", [0])
    for s in range(n):  # a fallback (query text) was "" before
        spec = slot_spec.get(s, b"")
        specs += b"" if spec.startswith(b"\x1cQ") else spec
        specs_off.append(len(specs))
    terms_blob = "\n".join(index._terms).encode()
    counts = [n, len(index._terms), len(postings), len(always), len(index._ids)]
    counts += [len(index._texts), len(terms_blob)]
    order = 0 if sys.byteorder == "little" else 1
    head = [index._ids_off.tobytes(), bytes(index._ids), index._texts_off.tobytes()]
    head.append(bytes(index._texts))
    tail = [bytes(index._flags), terms_blob, post_off.tobytes(), post_split.tobytes()]
    tail += [postings.tobytes(), always.tobytes()]
    if version == 1:
        return b"".join([ps._HEADER_V1.pack(ps._MAGIC_V1, order, *counts), *head, *tail])
    header = struct.Struct("<8sB3xQQQQQQQQ").pack(b"PBMIDX02", order, *counts, len(specs))
    return b"".join([header, *head, specs_off.tobytes(), bytes(specs), *tail])


@pytest.mark.parametrize("version", [1, 2])
def test_snapshots_of_the_previous_formats_still_load_and_match(version: int) -> None:
    queries = [*QUERIES, ("and", "lottery tickets"), ("not", "rope -survey")]
    queries += [("dup", "sparse lottery"), ("long", '"fine tuning lottery"')]
    index = MatchIndex.build(queries)
    old = MatchIndex.from_snapshot(_as_old(index, version))
    assert old.match(PAPER) == index.match(PAPER)
    assert old.match_ids(PAPER) == index.match_ids(PAPER)
    old.add("late", "lottery -quantum")
    old.remove("single")
    again = MatchIndex.from_snapshot(old.to_snapshot())
    assert again.match_ids(PAPER) == old.match_ids(PAPER)
    assert "late" in again.match_ids(PAPER) and "single" not in again.match_ids(PAPER)


def test_verification_specs_need_no_parsing() -> None:
    index = MatchIndex.from_snapshot(
        MatchIndex.build([("and", "lottery tickets"), ("not", "rope -survey")]).to_snapshot()
    )
    assert set(index.match_ids(PAPER)) == {"and", "not"}
    assert index._parsed == {}  # both were verified from their stored specs


def test_field_phrase_prefix_and_upvotes_checks_need_no_parsing() -> None:
    queries = [
        ("title", "title:rope sparse"),
        ("title-or", "abstract:(quantum OR sparse) rope"),
        ("phrase3", '"fine tuning lottery" -quantum'),
        ("long-prefix", "transforme* lottery"),
        ("field-prefix", "title:reson* rope"),
        ("upvotes", "rope upvotes:>=10"),
        ("author3", 'author:"geoffrey e hinton" rope'),
        ("fallback", "rope (title:quantum OR sparse)"),
    ]
    index = MatchIndex.from_snapshot(MatchIndex.build(queries).to_snapshot())
    want = NaiveMatcher(queries).match_ids(PAPER)
    assert index.match_ids(PAPER) == want
    assert want == [qid for qid, _ in queries if qid != "author3"]  # no middle initial
    assert index._parsed == {}  # only the fallback's check parsed its text


def test_equal_queries_share_one_check_group() -> None:
    queries = [(f"s{i}", "sparse lottery") for i in range(5)] + [("r", "rope -quantum")]
    queries += [(f"t{i}", "title:(rope OR quantum)") for i in range(3)]
    index = MatchIndex.build(queries)
    assert index.stats()["check_groups"] == 3
    loaded = MatchIndex.from_snapshot(index.to_snapshot())
    assert loaded.match_ids(PAPER) == [qid for qid, _ in queries]
    loaded.remove("s2")
    loaded.add("s9", "sparse lottery")
    assert "s2" not in loaded.match_ids(PAPER) and "s9" in loaded.match_ids(PAPER)
    loaded.compact()
    assert loaded.stats()["check_groups"] == 3
    assert loaded.match_ids(PAPER) == [qid for qid, _ in queries if qid != "s2"] + ["s9"]


def test_index_paper_terms_hold_only_its_bigrams_and_beginnings() -> None:
    from paperbell.matching.presearcher import paper_terms

    index = MatchIndex.build([("p", '"lottery ticket"'), ("x", "spars*"), ("a", "rope")])
    ap = AnalyzedPaper(PAPER)
    mine = index.paper_terms(ap)
    assert {"lottery ticket", "*spars", "rope", "finetuning", "#cs.lg", "!hf"} <= mine
    assert "*lott" not in mine and "sparse transformer" not in mine
    assert "@hinton" not in mine  # no author: query, so authors are not even tokenized
    assert mine < paper_terms(ap)
    index.add("later", "lott* author:hinton")  # the vocabulary grows; the paper's terms too
    assert {"*lott", "@hinton"} <= index.paper_terms(ap)
    assert "later" in index.match_ids(ap)


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


@pytest.mark.parametrize("dict_terms", [0, 100_000])
def test_generated_queries_agree_with_naive_on_real_papers(
    monkeypatch: pytest.MonkeyPatch, dict_terms: int
) -> None:
    # 0: the loaded index finds its terms by bisection, as a large one does
    monkeypatch.setattr(presearcher, "_DICT_TERMS", dict_terms)
    papers = seed_papers() + sample_papers()
    gen = QueryGenerator(papers, seed=3, real_rate=0.6, long_tail=500)
    queries = gen.queries(1500)
    index = MatchIndex.from_snapshot(MatchIndex.build(queries).to_snapshot())
    assert (index._term_dict is None) == (dict_terms == 0)
    naive = NaiveMatcher(queries)
    total = 0
    for p in papers:
        ap = AnalyzedPaper(p)
        got, want = index.match(ap), naive.match(ap)
        assert got == want
        found = index.match_slot_array(ap)
        assert index.query_ids(sorted(found)) == [h.query_id for h in want]
        assert len(found) == len(want)  # each once
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


def test_match_slots_and_query_ids() -> None:
    index = MatchIndex.from_snapshot(MatchIndex.build(QUERIES).to_snapshot())
    slots = index.match_slots(PAPER)
    assert slots == sorted(slots) and len(slots) == 10
    assert index.query_ids(slots) == index.match_ids(PAPER) == ids(index.match(PAPER))
    assert index.query_ids(slots[:1]) == ["single"] and index.query_ids([]) == []
    index.add("late", "rope")  # ids decoded before the change are not reused stale
    assert index.query_ids(index.match_slots(PAPER))[-1] == "late"


def test_checks_are_compiled_once_per_spec() -> None:
    first = MatchIndex.from_snapshot(MatchIndex.build([("x", "sparse lottery")]).to_snapshot())
    again = MatchIndex.from_snapshot(MatchIndex.build([("y", "sparse lottery")]).to_snapshot())
    assert first.match_ids(PAPER) == ["x"] and again.match_ids(PAPER) == ["y"]
    assert first._gchecks[0] is again._gchecks[0]  # one compiled check for both indexes


def test_ands_of_term_groups_are_decided_by_term_plans() -> None:
    """ANDs of (negated) groups of index terms (``a b``, ``a -b``, ``a b c``, ``a b -c``,
    with categories, ``title:``/``abstract:`` words and ``upvotes:`` too) are decided by
    the facts of the terms' plans, written at build time (set operations, no check call);
    every other group calls its check. Both must give the naive answer, including a veto
    beside a missing positive group."""
    queries = [
        ("and", "sparse lottery"),
        ("and-miss", "sparse quantum"),
        ("and-join", "fine tuning lottery"),
        ("not", "rope -quantum"),
        ("not-fails", "rope -sparse"),
        ("not-any", "rope -(quantum OR sparse)"),
        ("three", "sparse lottery rope"),
        ("three-miss", "sparse lottery quantum"),
        ("and-not", "sparse lottery -quantum"),
        ("and-not-fails", "sparse lottery -rope"),
        ("veto-and-miss", "rope -sparse category:cs.ir"),
        ("not-category", "rope -quantum category:cs.lg"),
        ("mixed", "sparse title:rope"),
        ("title-only", "title:rope"),
        ("abstract-pair", "abstract:(sparse lottery)"),
        ("title-not", "lottery -title:quantum"),
        ("upvotes", "rope upvotes:>=5"),
        ("same-twice", "rope rope"),
        ("long-prefix", "sparse transforme*"),
    ]
    index = MatchIndex.from_snapshot(MatchIndex.build(queries).to_snapshot())
    papers = [
        PAPER,
        make_paper("Quantum rope", "sparse lottery"),
        make_paper("rope", ""),
        make_paper("Sparse rope", "lottery tickets", categories=("cs.LG",), upvotes=7),
        make_paper("Quantum", "rope lottery sparse transformers", upvotes=2),
    ]
    naive = NaiveMatcher(queries)
    for paper in papers:
        assert index.match_ids(paper) == naive.match_ids(paper)
        assert sorted(index.query_ids(list(index.match_slot_set(paper)))) == sorted(
            naive.match_ids(paper)
        )
    slot_of = {qid: i for i, (qid, _) in enumerate(index.items())}
    goff, gslots = index._group_off, index._group_slots
    group_of = {s: g for g in range(len(goff) - 1) for s in gslots[goff[g] : goff[g + 1]]}
    planned = {qid for qid, s in slot_of.items() if s in group_of and index._arity[group_of[s]]}
    assert planned == {
        "and", "and-miss", "and-join", "not", "not-fails", "not-any", "three", "three-miss",
        "and-not", "and-not-fails", "veto-and-miss", "not-category", "same-twice",
        "mixed", "title-only", "abstract-pair", "title-not", "upvotes",
    }  # fmt: skip
    decided = {group_of[slot_of[q]] for q in planned}
    assert not set(index._gchecks) & decided  # no check was compiled for those
    assert set(index._gchecks) == {group_of[slot_of["long-prefix"]]}


def test_groups_of_several_queries_come_last_and_the_old_order_matches_alike() -> None:
    """compact() numbers the check groups of one query first, so that matching tells
    the groups of several queries by their number; an index whose groups are mixed (a
    snapshot written before that order) reads each group's size and finds the same."""
    texts = ["transformer attention", "graph -neural", '"language models" -survey',
             "diffusion upvotes:>=2", "reinforcement AND learning"]  # fmt: skip
    queries = [(f"q{i}-{k}", text) for i, text in enumerate(texts) for k in range(i % 3 + 1)]
    index = MatchIndex.from_snapshot(MatchIndex.build(queries).to_snapshot())
    goff = index._group_off
    sizes = [goff[g + 1] - goff[g] for g in range(len(goff) - 1)]
    assert sizes == sorted(sizes, key=lambda size: size > 1) and max(sizes) > 1
    assert index._multi_from == next(g for g, size in enumerate(sizes) if size > 1)
    papers = [*seed_papers(), make_paper("Graph transformers with attention", "graph")]
    expected = [index.match_ids(p) for p in papers]
    assert any(len(ids) > 1 for ids in expected)
    index._multi_from = -1  # the order of an older snapshot: by each group's size
    assert [index.match_ids(p) for p in papers] == expected
    naive = NaiveMatcher(queries)
    assert [naive.match_ids(p) for p in papers] == expected
