"""``paperbell recommend SOURCE --like ... --json``."""

from __future__ import annotations

import json
from pathlib import Path

from paperbell_dev.cli import main


def _feed(tmp_path: Path, papers) -> Path:
    items = [{"id": p.id, "title": p.title, "content_text": p.abstract,
              "url": f"https://arxiv.org/abs/{p.id}"} for p in papers]
    path = tmp_path / "feed.json"
    path.write_text(json.dumps({"version": "https://jsonfeed.org/version/1.1",
                                "title": "t", "items": items}))
    return path


def test_json_lines_best_first_without_the_liked_papers(tmp_path, capsys, topics):
    pool = [p for ps in topics.values() for p in ps]
    feed = _feed(tmp_path, pool)
    liked = topics["speech"][:2]
    code = main(["recommend", str(feed), "--like", liked[0].id, "--like",
                 f"https://huggingface.co/papers/{liked[1].id}", "--top", "3", "--json",
                 "--no-fetch"])
    assert code == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 3
    assert set(rows[0]) == {"id", "title", "score", "similar_to", "terms"}
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    speech = {p.id for p in topics["speech"][2:]}
    assert {r["id"] for r in rows} <= speech
    assert rows[0]["similar_to"]["id"] in {p.id for p in liked}
    assert rows[0]["terms"]


def test_liked_papers_missing_from_the_source_are_fetched(tmp_path, capsys, arxiv_api, topics):
    liked = topics["graphs"][:2]
    arxiv_api.papers = {p.id: p for p in liked}
    feed = _feed(tmp_path, [p for t, ps in topics.items() if t != "graphs" for p in ps]
                 + topics["graphs"][2:])
    code = main(["recommend", str(feed), "--like", liked[0].id, "--like", liked[1].id,
                 "--top", "2", "--json", "--arxiv-api", arxiv_api.url])
    assert code == 0
    assert len(arxiv_api.requests) == 1
    assert arxiv_api.requests[0]["id_list"] == [f"{liked[0].id},{liked[1].id}"]
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["id"] for r in rows} <= {p.id for p in topics["graphs"][2:]}


def test_a_bibtex_file_of_likes_and_its_unusable_entries(tmp_path, capsys, topics):
    feed = _feed(tmp_path, [p for ps in topics.values() for p in ps])
    a, b = topics["rlhf"][:2]
    bib = tmp_path / "likes.bib"
    bib.write_text(f"@misc{{a, eprint={{{a.id}}}, archivePrefix={{arXiv}}}}\n"
                   f"@article{{b, journal={{arXiv preprint arXiv:{b.id}}}}}\n"
                   "@book{c, title={A book}}\n")
    code = main(["recommend", str(feed), "--likes-file", str(bib), "--top", "3", "--no-fetch"])
    captured = capsys.readouterr()
    assert code == 0
    assert "entry 'c' (A book): no arXiv id, eprint or DOI" in captured.err
    assert "similar to:" in captured.out


def test_no_usable_liked_paper_is_one_clear_error(tmp_path, capsys, topics):
    feed = _feed(tmp_path, topics["rag"])
    code = main(["recommend", str(feed), "--like", "2699.00001", "--no-fetch"])
    err = capsys.readouterr().err
    assert code == 1
    assert "2699.00001 not among the papers" in err
    assert "none of the liked papers could be found" in err
