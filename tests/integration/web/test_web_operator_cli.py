"""Operator commands against a local stack on a moto server (AWS_ENDPOINT_URL) and
against a "deployed" stack found through CloudFormation outputs (--stack)."""

from __future__ import annotations

import json
import socket

import pytest

from paperbell import aws
from paperbell_dev.cli import main


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def moto_endpoint(monkeypatch):
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    aws.reset_clients()
    try:
        yield endpoint
    finally:
        server.stop()
        aws.reset_clients()


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_without_a_stack_the_command_says_what_is_needed(capsys, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    code, _, err = run(capsys, "subscribers", "list")
    assert code == 1
    assert "--stack" in err and "AWS_ENDPOINT_URL" in err
    assert "Traceback" not in err


def test_subscriber_lifecycle_on_a_local_stack(capsys, moto_endpoint):
    code, out, _ = run(capsys, "subscribers", "add", "Ada@Example.org", "-q", "RoPE",
                       "-q", "lottery tickets", "--hour", "9", "--timezone", "Europe/Berlin")
    assert code == 0 and "ada@example.org" in out

    code, out, _ = run(capsys, "subscribers", "list", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["email"], r["status"], r["hour"]) for r in rows] == [
        ("ada@example.org", "active", 9)
    ]
    sid = rows[0]["id"]

    code, out, _ = run(capsys, "subscribers", "pause", "ada@example.org")
    assert code == 0 and "paused" in out
    code, out, _ = run(capsys, "subscribers", "show", sid, "--json")
    assert json.loads(out)["status"] == "paused"
    code, out, _ = run(capsys, "subscribers", "pause", sid, "--resume")
    assert "active" in out

    code, out, _ = run(capsys, "subscribers", "remove", "ada@example.org")
    assert code == 0 and "removed" in out
    code, _, err = run(capsys, "subscribers", "show", sid)
    assert code == 1 and "no subscriber" in err


def test_add_refuses_bad_input(capsys, moto_endpoint):
    code, _, err = run(capsys, "subscribers", "add", "nope", "-q", "RoPE")
    assert code == 1 and "not valid" in err
    code, _, err = run(capsys, "subscribers", "add", "a@example.org", "-q", "titel:x")
    assert code == 2 and "bad query" in err and "did you mean 'title'" in err


def test_add_with_liked_papers_reads_the_table_then_arxiv(capsys, moto_endpoint, arxiv_api,
                                                         monkeypatch, tmp_path):
    from paperbell.models import Paper
    from paperbell.sources import read_source
    from paperbell.storage.papers import PaperRepository
    from paperbell_dev.demo_data import resolve_bundled
    from paperbell_dev.local.pipeline import LOCAL_SENDER
    from paperbell_dev.local.stack import LocalStack

    stack = LocalStack(parameters={"SenderAddress": LOCAL_SENDER}).deploy()
    PaperRepository(stack.physical["PapersTable"]["Ref"]).save_new(
        read_source(resolve_bundled("bundled:hf-daily")).papers)
    arxiv_api.papers = {"2601.00042": Paper(id="2601.00042", title="Remote", abstract="Far.")}
    monkeypatch.setenv("ARXIV_API_URL", arxiv_api.url)
    library = tmp_path / "library.bib"
    library.write_text("@article{a, eprint={2601.00042}, archivePrefix={arXiv}}\n"
                       "@book{b, title={Old Book}}\n", encoding="utf-8")
    code, out, err = run(capsys, "subscribers", "add", "ada@example.org", "--like", "2605.06548",
                         "--likes-file", str(library), "--dislike", "2601.77777")
    assert code == 0 and out.rstrip().endswith("+ likes 2")  # all read; the dislike unknown
    assert "not used: liked papers: entry 'b' (Old Book)" in err
    assert "not used: 2601.77777 was not found on arXiv" in err
    assert [q["id_list"] for q in arxiv_api.requests] == [["2601.00042,2601.77777"]]
    code, out, _ = run(capsys, "subscribers", "show", "ada@example.org", "--json")
    shown = json.loads(out)
    assert shown["like"] == ["2605.06548", "2601.00042"] and shown["dislike"] == []

    code, out, err = run(capsys, "subscribers", "add", "bob@example.org", "--like", "2601.00043",
                         "--no-fetch")
    assert code == 0 and "(1 to fetch)" in out and "IndexFunction" in err
    assert len(arxiv_api.requests) == 1  # --no-fetch asked nobody


def test_preview_and_send_test_on_a_local_stack(capsys, moto_endpoint):
    from paperbell.sources import read_source
    from paperbell.storage.papers import PaperRepository
    from paperbell_dev.demo_data import resolve_bundled
    from paperbell_dev.local.pipeline import LOCAL_SENDER
    from paperbell_dev.local.stack import LocalStack

    stack = LocalStack(parameters={"SenderAddress": LOCAL_SENDER}).deploy()
    papers = read_source(resolve_bundled("bundled:seed")).papers
    PaperRepository(stack.physical["PapersTable"]["Ref"]).save_new(papers)

    code, out, err = run(capsys, "preview", "--query", "RoPE", "--json")
    assert code == 0
    assert json.loads(out)["count"] >= 1
    code, out, err = run(capsys, "preview", "-q", "RoPE")
    assert "**RoPE**" in out
    code, _, err = run(capsys, "preview", "-q", "(broken")
    assert code == 2 and "bad query" in err

    code, out, _ = run(capsys, "send-test", "ops@example.org")
    assert code == 0 and "SES message id" in out
    stats = aws.client("ses").get_send_statistics()["SendDataPoints"]
    assert sum(int(p.get("DeliveryAttempts", 0)) for p in stats) >= 1


def test_a_deployed_stack_is_found_by_its_outputs(capsys, monkeypatch):
    """--stack reads the table names from the stack's CloudFormation outputs."""
    from moto import mock_aws

    template = {
        "Resources": {
            name: {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "TableName": f"prod-{name}",
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
                },
            }
            for name, key in (("Papers", "paper_id"), ("Subscribers", "subscriber_id"),
                              ("Deliveries", "subscriber_id"))
        },
        "Outputs": {
            f"{name}TableName": {"Value": {"Ref": name}}
            for name in ("Papers", "Subscribers", "Deliveries")
        },
    }
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        aws.reset_clients()
        aws.client("cloudformation").create_stack(StackName="paperbell-prod",
                                                  TemplateBody=json.dumps(template))
        aws.table("prod-Subscribers").put_item(Item={
            "subscriber_id": "sub_1", "email": "x@example.org", "queries": ["RoPE"],
            "status": "active", "delivery_hour": 8, "timezone": "UTC", "mode": "daily"})
        code, out, err = run(capsys, "subscribers", "list", "--stack", "paperbell-prod",
                             "--region", "us-east-1")
        assert code == 0, err
        assert "x@example.org" in out and "stack paperbell-prod" in err
        code, _, err = run(capsys, "subscribers", "list", "--stack", "missing")
        assert code == 1 and "cannot read stack" in err
    aws.reset_clients()
