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
    assert sorted((r["id"], r["queries"]) for r in rows) == [
        ("2306.05292", ["collaborative filtering"]),
        ("2403.00071", ["RoPE"]),
    ]
    rope = next(r for r in rows if r["id"] == "2403.00071")
    start, end = rope["highlights"]["title"][0]
    assert rope["title"][start:end] == "RoPE"


def test_match_json_shows_the_score_and_its_parts_best_first(capsys):
    argv = ["match", str(FIXTURE), "-q", "RoPE", "-q", "collaborative filtering", "--json"]
    assert main(argv) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    totals = [r["score"]["total"] for r in rows]
    assert totals == sorted(totals, reverse=True)
    for row in rows:
        parts, weights = row["score"]["parts"], row["score"]["weights"]
        assert set(parts) == {"quality", "popularity", "recency"}
        assert row["score"]["total"] == pytest.approx(
            sum(weights[k] * parts[k] for k in parts), abs=1e-3
        )
        assert row["score"]["terms"]  # the words that matched, with their rarity
    rope = next(r for r in rows if r["queries"] == ["RoPE"])
    assert {t["word"]: t["in_title"] for t in rope["score"]["terms"]}["rope"] is True


def test_match_queries_file_one_query_per_line(tmp_path, capsys):
    queries = tmp_path / "queries.txt"
    queries.write_text("# my alerts\nRoPE\n\ncollaborative filtering\n", encoding="utf-8")
    assert main(["match", str(FIXTURE), "--queries-file", str(queries), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(q for r in rows for q in r["queries"]) == ["RoPE", "collaborative filtering"]


def test_match_queries_file_reports_every_bad_line(tmp_path, capsys):
    queries = tmp_path / "queries.txt"
    queries.write_text("RoPE\ntitel:rope\n(open\n", encoding="utf-8")
    assert main(["match", str(FIXTURE), "--queries-file", str(queries)]) == 2
    err = capsys.readouterr().err
    assert f"{queries}:2: unknown field 'titel'" in err and f"{queries}:3: unclosed '('" in err
    assert len(err.strip().splitlines()) == 1


def test_match_needs_a_query(capsys):
    assert main(["match", str(FIXTURE)]) != 0
    assert "no query" in capsys.readouterr().err


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
