"""Benchmark: paperbell's feed parser against feedparser on the same bytes.

Run: ``.venv/bin/python benchmarks/bench_parsers.py [--items 2000] [--repeat 7]``

It builds a 2,000-item arXiv RSS feed and a 2,000-entry arXiv API (Atom) feed from the
fixtures in tests/fixtures/feeds (new ids, rotated titles/authors/abstracts), parses
each with ``paperbell.sources.parse_feed`` and with ``feedparser.parse`` in the same
process, checks that both agree on ids, titles and authors, and prints the median
time of each and the speed ratio. A script, not a test: timings depend on the machine
and never gate CI.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from paperbell.sources import parse_feed

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "feeds"
ID_RE = re.compile(r"(\d{4}\.\d{4,5})(?:v\d+)?")


def build_arxiv_rss(items: int) -> bytes:
    """Repeat the fixture's items with fresh ids (2601.00000 ...)."""
    root = etree.fromstring((FIXTURES / "arxiv_rss_cs.LG.xml").read_bytes())
    channel = root.find("channel")
    assert channel is not None
    templates = channel.findall("item")
    for item in templates:
        channel.remove(item)
    for n in range(items):
        template = templates[n % len(templates)]
        old_id = ID_RE.search(template.findtext("guid") or "")
        assert old_id is not None
        text = etree.tostring(template).decode().replace(old_id.group(1), f"2601.{n:05d}")
        text = text.replace("<title>", f"<title>[{n}] ", 1)
        channel.append(etree.fromstring(text))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def build_arxiv_atom(entries: int) -> bytes:
    root = etree.fromstring((FIXTURES / "arxiv_export_api.xml").read_bytes())
    ns = "{http://www.w3.org/2005/Atom}"
    templates = root.findall(f"{ns}entry")
    for entry in templates:
        root.remove(entry)
    for n in range(entries):
        template = templates[n % len(templates)]
        old_id = ID_RE.search(template.findtext(f"{ns}id") or "")
        assert old_id is not None
        text = etree.tostring(template).decode().replace(old_id.group(1), f"2602.{n:05d}")
        text = text.replace("<title>", f"<title>[{n}] ", 1)
        root.append(etree.fromstring(text))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def ours(body: bytes) -> list[tuple[str, str, tuple[str, ...]]]:
    result = parse_feed(body)
    return [(p.id, p.title, p.authors) for p in result.papers]


def theirs(body: bytes) -> list[tuple[str, str, tuple[str, ...]]]:
    import feedparser

    parsed: Any = feedparser.parse(body)
    rows = []
    for entry in parsed.entries:
        found = ID_RE.search(entry.get("id", ""))
        canonical = found.group(1) if found else entry.get("id", "")
        names = [a.get("name", "") for a in entry.get("authors", [])]
        if len(names) == 1 and "," in names[0]:  # arXiv RSS: one comma-joined dc:creator
            names = [n.strip() for n in names[0].split(",")]
        title = " ".join(entry.get("title", "").split())
        rows.append((canonical, title, tuple(n for n in names if n)))
    return rows


def timings(func: Callable[[bytes], object], body: bytes, repeat: int) -> tuple[float, float]:
    """(best, median) wall time of ``repeat`` runs; best is the least noisy estimate."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        func(body)
        runs.append(time.perf_counter() - started)
    return min(runs), statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import feedparser

    print(f"feedparser {feedparser.__version__}, lxml {'.'.join(map(str, etree.LXML_VERSION))}")
    for label, body in (
        (f"arXiv RSS, {args.items} items", build_arxiv_rss(args.items)),
        (f"arXiv API Atom, {args.items} entries", build_arxiv_atom(args.items)),
    ):
        mine, reference = ours(body), theirs(body)
        assert len(mine) == len(reference) == args.items, (len(mine), len(reference))
        mismatches = [(a, b) for a, b in zip(mine, reference, strict=True) if a != b]
        assert not mismatches, mismatches[:3]
        ours_best, ours_median = timings(ours, body, args.repeat)
        theirs_best, theirs_median = timings(theirs, body, args.repeat)
        print(
            f"{label} ({len(body) / 1e6:.1f} MB), ids/titles/authors agree\n"
            f"  paperbell  best {ours_best * 1e3:7.1f} ms  median {ours_median * 1e3:7.1f} ms"
            f"  ({ours_best / args.items * 1e6:.1f} us/item)\n"
            f"  feedparser best {theirs_best * 1e3:7.1f} ms  median {theirs_median * 1e3:7.1f} ms\n"
            f"  ratio: {theirs_best / ours_best:.1f}x (best), "
            f"{theirs_median / ours_median:.1f}x (median)"
        )


if __name__ == "__main__":
    main()
