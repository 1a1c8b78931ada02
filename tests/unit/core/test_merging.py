from paperbell.merging import enrichment, merge_batch
from paperbell.models import Paper


def _paper(**kw):
    base = {"id": "2502.08441", "title": "Better Embeddings with Coupled Adam", "source": "arxiv"}
    return Paper(**{**base, **kw})


def test_sightings_of_one_paper_collapse_to_the_richest():
    merged = merge_batch(
        [
            _paper(categories=("cs.LG",), version=1),
            _paper(source="hf", upvotes=12, abstract="longer abstract text"),
            _paper(categories=("cs.CL",), version=2),
        ]
    )
    assert len(merged) == 1
    (paper,) = merged
    assert paper.categories == ("cs.LG", "cs.CL")
    assert paper.version == 2 and paper.upvotes == 12
    assert paper.abstract == "longer abstract text"
    assert paper.extra["sources"] == ["arxiv", "hf"]


def test_unchanged_sighting_needs_no_write():
    stored = {"paper_id": "2502.08441", "categories": ["cs.LG"], "version": 2, "sources": {"arxiv"}}
    assert enrichment(stored, _paper(categories=("cs.LG",), version=2)) == {}


def test_new_facts_are_enrichments():
    stored = {"paper_id": "2502.08441", "categories": ["cs.LG"], "version": 1, "sources": {"arxiv"}}
    changes = enrichment(
        stored, _paper(source="hf", categories=("cs.LG", "cs.CL"), version=2, upvotes=5)
    )
    assert changes == {
        "upvotes": 5,
        "version": 2,
        "categories": ["cs.LG", "cs.CL"],
        "sources": {"arxiv", "hf"},
    }


def test_an_older_version_is_not_an_enrichment():
    stored = {"paper_id": "x", "version": 3, "sources": {"arxiv"}}
    assert enrichment(stored, _paper(version=2)) == {}
