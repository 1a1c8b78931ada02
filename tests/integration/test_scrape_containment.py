"""Issue 16: one bad item, or one bad source, never stops the daily scrape (on moto).

A 500 KB title (over DynamoDB's 400 KB item limit) and a lone surrogate (which boto3
cannot encode) used to escape the scrape, so later items and sources were never read.
Now the paper is stored as far as it can be, what cannot be saved is skipped and
counted, and an unexpected error is that source's failure alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import paperbell.sources
import paperbell.storage.papers as papers_module
from paperbell.fitting import TITLE_BYTES, TRUNCATED
from paperbell.models import Paper
from paperbell.storage.papers import PaperRepository
from paperbell.storage.sources import SourceStateRepository
from paperbell_dev.local.api_calls import ApiCallCounter

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"


def _hostile_feed(tmp_path: Path) -> Path:
    items = [
        {"id": "big-title", "title": "T" * 500_000, "content_text": "huge title"},
        {"id": "surrogate", "title": "Lone \ud800 surrogate", "content_text": "bad \udfff"},
        {"id": "fine", "title": "A fine paper", "content_text": "nothing odd"},
    ]
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}))
    return path


def test_oversized_and_surrogate_items_are_stored_and_later_sources_read(pipeline, tmp_path):
    report = pipeline.scrape([str(_hostile_feed(tmp_path)), str(FEEDS / "arxiv_rss_cs.LG.xml")])

    hostile, arxiv = report["sources"]
    assert hostile["status"] == "ok" and hostile["new_papers"] == 3 and hostile["skipped"] == 0
    assert arxiv["status"] == "ok" and arxiv["new_papers"] == 3  # the next source was read
    stored = PaperRepository(pipeline.table_name("PapersTable")).get_many(
        ["big-title", "surrogate", "fine"]
    )
    big = stored["big-title"]
    assert len(big.title.encode("utf-8")) <= TITLE_BYTES and big.title.startswith("TTT")
    assert big.extra[TRUNCATED] == ["title"]  # the paper says what was cut
    assert stored["surrogate"].title == "Lone \ufffd surrogate"
    assert TRUNCATED not in stored["fine"].extra


def test_a_paper_the_table_refuses_is_counted_and_the_others_are_saved(pipeline, monkeypatch):
    # Bypass fitting, as a caller that builds Papers itself could: the table then refuses
    # the 500 KB item (ValidationException) and boto3 cannot encode the surrogate.
    monkeypatch.setattr(papers_module, "fit_paper", lambda paper: paper)
    repo = PaperRepository(pipeline.table_name("PapersTable"))
    report = repo.save_new([
        Paper(id="too-big", title="T" * 500_000),
        Paper(id="surrogate", title="\ud800"),
        Paper(id="fine", title="Fine"),
    ])
    assert report.new == ["fine"]
    assert len(report.failed) == 2
    assert report.failed[0].startswith("too-big: ValidationException")
    assert report.failed[1].startswith("surrogate: UnicodeEncodeError")
    assert set(repo.get_many(["too-big", "surrogate", "fine"])) == {"fine"}


def test_an_unexpected_error_in_one_source_is_only_that_sources_failure(pipeline, monkeypatch):
    real_read = paperbell.sources.read_source

    def flaky(spec: Any, **kwargs: Any) -> Any:
        if "rss2_messy" in str(spec):
            raise RuntimeError("boom inside a parser")
        return real_read(spec, **kwargs)

    monkeypatch.setattr(paperbell.sources, "read_source", flaky)
    broken, good = str(FEEDS / "rss2_messy.xml"), str(FEEDS / "arxiv_rss_cs.LG.xml")
    report = pipeline.scrape([broken, good])

    first, second = report["sources"]
    assert first["status"] == "failed"
    assert first["error"] == "unexpected RuntimeError: boom inside a parser"
    assert second["status"] == "ok" and second["new_papers"] == 3
    health = SourceStateRepository(pipeline.table_name("SourcesTable"))
    assert health.load(first["source"]).consecutive_failures == 1


def test_an_arxiv_sighting_fills_the_authors_the_seed_page_lacked(pipeline):
    repo = PaperRepository(pipeline.table_name("PapersTable"))
    repo.save_new([Paper(id="2502.08441", title="Better Embeddings with Coupled Adam",
                         source="hf")])
    arxiv = Paper(id="2502.08441", title="Better Embeddings with Coupled Adam", source="arxiv",
                  authors=("Felix Stollenwerk", "Tobias Stollenwerk"), abstract="Despite ...",
                  url="https://arxiv.org/abs/2502.08441", categories=("cs.LG",),
                  extra={"license": "http://creativecommons.org/licenses/by/4.0/"})
    with ApiCallCounter() as calls:
        report = repo.save_new([arxiv])
    assert report.enriched == ["2502.08441"] and calls.count("dynamodb", "UpdateItem") == 1
    stored = repo.get_many(["2502.08441"])["2502.08441"]
    assert stored.authors == ("Felix Stollenwerk", "Tobias Stollenwerk")
    assert stored.abstract == "Despite ..." and stored.url == "https://arxiv.org/abs/2502.08441"
    assert stored.extra["license"].startswith("http://creativecommons.org")
    with ApiCallCounter() as calls:
        again = repo.save_new([arxiv])
    assert again.unchanged == 1 and calls.dynamodb_writes() == 0  # filled once, then quiet


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException"])
def test_a_table_wide_error_is_not_swallowed_per_item(pipeline, monkeypatch, code):
    from botocore.exceptions import ClientError

    def refuse(*args: Any, **kwargs: Any) -> bool:
        raise ClientError({"Error": {"Code": code, "Message": "slow down"}}, "PutItem")

    repo = PaperRepository(pipeline.table_name("PapersTable"))
    monkeypatch.setattr(repo, "_put_if_absent", refuse)
    with pytest.raises(ClientError):
        repo.save_new([Paper(id="x", title="X")])
