"""Each paper is written once; an unchanged re-scrape costs zero DynamoDB writes."""

from __future__ import annotations

from dataclasses import replace

from paperbell import aws
from paperbell.models import Paper
from paperbell.storage.papers import PaperRepository
from paperbell_dev.local.api_calls import ApiCallCounter


def _papers() -> list[Paper]:
    return [
        Paper(
            id="2502.08441",
            title="Better Embeddings with Coupled Adam",
            source="arxiv",
            categories=("cs.LG",),
            version=2,
        ),
        Paper(id="2403.00071", title="Resonance RoPE", source="arxiv", categories=("cs.CL",)),
    ]


def test_unchanged_papers_cost_no_writes_and_new_facts_one_update(pipeline):
    repo = PaperRepository(pipeline.table_name("PapersTable"))
    first = repo.save_new(_papers())
    assert sorted(first.new) == ["2403.00071", "2502.08441"]

    with ApiCallCounter() as calls:
        again = repo.save_new(_papers())
    assert again.new == [] and again.unchanged == 2
    assert calls.dynamodb_writes() == 0
    assert calls.count("dynamodb", "BatchGetItem") == 1

    hf_sighting = replace(_papers()[0], source="hf", upvotes=42, categories=("cs.LG", "cs.CL"))
    with ApiCallCounter() as calls:
        enriched = repo.save_new([hf_sighting])
    assert enriched.enriched == ["2502.08441"] and enriched.new == []
    assert calls.count("dynamodb", "UpdateItem") == 1 and calls.dynamodb_writes() == 1
    stored = repo.get_many(["2502.08441"])["2502.08441"]
    assert stored.upvotes == 42 and stored.categories == ("cs.LG", "cs.CL")


def test_enrichment_is_a_modify_that_does_not_reach_the_matcher(pipeline):
    repo = PaperRepository(pipeline.table_name("PapersTable"))
    repo.save_new(_papers())
    repo.save_new([replace(_papers()[0], upvotes=7)])

    delivered = pipeline.match()

    assert delivered == 2  # two INSERTs; the MODIFY is filtered out by FilterCriteria
    assert pipeline.stream.stats.records_filtered_out == 1


def test_tables_are_created_from_the_template(pipeline):
    ddb = aws.client("dynamodb")
    papers = ddb.describe_table(TableName=pipeline.table_name("PapersTable"))["Table"]
    assert papers["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    deliveries = ddb.describe_table(TableName=pipeline.table_name("DeliveriesTable"))["Table"]
    assert [i["IndexName"] for i in deliveries["GlobalSecondaryIndexes"]] == ["by-due-slot"]
    ttl = ddb.describe_time_to_live(TableName=pipeline.table_name("PapersTable"))
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
