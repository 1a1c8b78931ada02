"""The CLI contract that outside checks rely on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperbell_dev.cli import main

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "pipeline" / "arxiv_rss_cs.LG.xml"
KEYS = {"id", "title", "abstract", "authors", "url", "published", "source", "categories", "upvotes"}


def test_fetch_json_prints_one_object_per_paper(capsys):
    assert main(["fetch", str(FIXTURE), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == ["2502.08441", "2403.00071", "2306.05292"]
    for row in rows:
        assert set(row) == KEYS
        assert isinstance(row["authors"], list) and row["authors"]
        assert row["upvotes"] is None
    assert rows[0]["authors"] == ["Felix Stollenwerk", "Tobias Stollenwerk"]
    assert rows[0]["categories"] == ["cs.LG", "cs.CL"]


def test_match_json_lists_matching_papers_with_queries_and_highlights(capsys):
    code = main(
        ["match", str(FIXTURE), "--query", "RoPE", "--query", "collaborative filtering", "--json"]
    )
    assert code == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["id"], r["queries"]) for r in rows] == [
        ("2403.00071", ["RoPE"]),
        ("2306.05292", ["collaborative filtering"]),
    ]
    start, end = rows[0]["highlights"]["title"][0]
    assert rows[0]["title"][start:end] == "RoPE"


def test_match_human_output_says_why(capsys):
    assert main(["match", str(FIXTURE), "-q", "RoPE"]) == 0
    out = capsys.readouterr().out
    assert "matched: RoPE" in out and "**RoPE**" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["fetch", "/no/such/file.xml"], "paperbell: "),
        (["match", str(FIXTURE), "--query", "titel:rope"], "did you mean 'title'"),
        (["demo", "--subscribers", "/no/such/subs.json"], "cannot read subscribers file"),
    ],
)
def test_errors_are_one_clear_line_without_traceback(argv, message, capsys):
    assert main(argv) != 0
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_every_command_has_help(capsys):
    for command in ("fetch", "match", "demo"):
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--help"])
        assert exit_info.value.code == 0
    assert "usage: paperbell" in capsys.readouterr().out


def test_trending_ranks_a_source_and_narrows_it(capsys):
    from paperbell_dev.cli import main

    assert main(["trending", "bundled:hf-daily", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert [r["upvotes"] for r in rows] == sorted((r["upvotes"] for r in rows), reverse=True)
    assert {"id", "title", "abstract", "authors", "url", "published", "source", "categories",
            "upvotes", "rank", "comments"} <= set(rows[0])
    assert main(["trending", "bundled:hf-daily", "--top", "1", "--filter", "diffusion"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("#1 ") and "Diffusion" in captured.out
    assert "1 trending paper(s) matching 'diffusion'" in captured.err


def test_trending_refuses_a_source_without_upvotes(capsys):
    from paperbell_dev.cli import main

    assert main(["trending", "bundled:arxiv-cs.LG"]) == 1
    assert "carries no popularity signal" in capsys.readouterr().err
