"""The realistic workload, the tantivy peer and its disagreement classes (small sizes)."""

from __future__ import annotations

import statistics

import pytest

from paperbell.matching import MatchIndex, parse_query
from paperbell_dev.bench.workload import DayModel, realistic_queries

tantivy_peer = pytest.importorskip("paperbell_dev.bench.tantivy_peer")


@pytest.fixture(scope="module")
def day():
    model = DayModel(topics=300)
    return model, model.papers(120)


def test_the_workload_is_deterministic_and_follows_the_mix(day):
    model, papers = day
    again = DayModel(topics=300)
    assert [p.title for p in again.papers(120)] == [p.title for p in papers]
    queries = [q for _, q in realistic_queries(model, 2000)]
    assert queries == [q for _, q in realistic_queries(DayModel(topics=300), 2000)]
    share = {
        "phrase": sum(q.startswith('"') for q in queries) / len(queries),
        "or": sum(" OR " in q for q in queries) / len(queries),
        "not": sum(" -" in q for q in queries) / len(queries),
        "prefix": sum("*" in q for q in queries) / len(queries),
    }
    assert 0.1 < share["phrase"] < 0.2 and 0.05 < share["or"] < 0.15
    assert 0.05 < share["not"] < 0.15 and 0.02 < share["prefix"] < 0.1
    for q in queries:
        parse_query(q)  # every generated query is valid


def test_queries_match_a_few_papers_and_some_match_dozens(day):
    model, papers = day
    queries = realistic_queries(model, 2000)
    index = MatchIndex.build(queries)
    per_query = dict.fromkeys((qid for qid, _ in queries), 0)
    for p in papers:
        for qid in index.match_ids(p):
            per_query[qid] += 1
    counts = sorted(per_query.values())
    assert 0 < statistics.mean(counts) < 20
    assert counts[-1] >= 12  # the heaviest queries match many papers


def test_tantivy_agrees_except_for_explained_classes(day):
    model, papers = day
    queries = realistic_queries(model, 800)
    peer = tantivy_peer.TantivyPeer(papers)
    parsed = [parse_query(t) for _, t in queries]
    docs = peer.match_all([peer.translate(q) for q in parsed])
    index = MatchIndex.build(queries)
    slot = {qid: i for i, (qid, _) in enumerate(queries)}
    ours: list[set[int]] = [set() for _ in queries]
    for d, p in enumerate(papers):
        for qid in index.match_ids(p):
            ours[slot[qid]].add(d)
    result = tantivy_peer.explain_disagreements(peer, papers, parsed, ours, docs)
    assert result.compared_pairs > 0
    assert "unexplained" not in result.classes
    assert set(result.classes) <= set(tantivy_peer.REASONS)
    same = sum(1 for a, b in zip(ours, docs, strict=True) if a == set(b))
    assert same / len(queries) > 0.8


def test_tantivy_translation_of_each_construct(day):
    _, papers = day
    peer = tantivy_peer.TantivyPeer(papers)
    word = papers[0].title.split()[0].strip(":,").lower()
    for text in (word, f'"{word}"', f"title:{word}", f"{word[:4]}*", f"{word} -zzzq",
                 f"zzzq OR {word}", "category:cs.LG", "source:hf", "upvotes:>=3",
                 f"-zzzq OR {word}"):
        docs = peer.docs(peer.translate(parse_query(text)))
        assert all(0 <= d < len(papers) for d in docs), text
    assert 0 in peer.docs(peer.translate(parse_query(f"title:{word}")))


def test_peer_benchmark_main_smoke(capsys, tmp_path):
    from paperbell_dev.bench.peer_benchmark import main

    out = tmp_path / "peer.json"
    code = main(["--queries", "200", "--papers", "40", "--rounds", "1", "--workload",
                 "realistic", "--no-preview", "--json", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "paperbell ÷ tantivy" in text and "Paper analysis" in text
    assert out.exists()
