import json

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


def test_a_later_sighting_fills_every_empty_field():
    seed = {"paper_id": "2502.08441", "title": "Better Embeddings", "authors": [],
            "abstract": "", "url": "", "categories": [], "sources": {"hf"}, "extra": "{}"}
    arxiv = _paper(authors=("Felix Stollenwerk", "Tobias Stollenwerk"), abstract="Despite...",
                   url="https://arxiv.org/abs/2502.08441", categories=("cs.LG",),
                   extra={"pdf_url": "https://arxiv.org/pdf/2502.08441v2", "sources": ["arxiv"]})
    changes = enrichment(seed, arxiv)
    assert changes["authors"] == ["Felix Stollenwerk", "Tobias Stollenwerk"]
    assert changes["abstract"] == "Despite..."
    assert changes["url"] == "https://arxiv.org/abs/2502.08441"
    assert changes["categories"] == ["cs.LG"]
    assert json.loads(changes["extra"]) == {"pdf_url": "https://arxiv.org/pdf/2502.08441v2"}


def test_filled_fields_are_never_replaced():
    stored = {"paper_id": "2502.08441", "authors": ["A"], "abstract": "kept", "url": "u",
              "sources": {"arxiv"}, "extra": json.dumps({"pdf_url": "p"})}
    later = _paper(authors=("B",), abstract="other", url="v", extra={"pdf_url": "q"})
    assert enrichment(stored, later) == {}


def test_within_one_scrape_the_first_sighting_gets_the_later_ones_authors():
    (paper,) = merge_batch([_paper(source="hf"), _paper(authors=("Ada",), url="https://a")])
    assert paper.authors == ("Ada",) and paper.url == "https://a"
