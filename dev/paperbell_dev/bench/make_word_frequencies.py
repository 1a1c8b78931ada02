"""Regenerate ``paperbell/matching/word_df.json`` from the embedded sample corpus.

Run ``python -m paperbell_dev.bench.make_word_frequencies`` after changing the corpus or
the normalization; a unit test fails while the shipped table is out of date.
"""

from __future__ import annotations

import json
import sys

from paperbell.matching.normalize import tokenize
from paperbell.matching.word_frequencies import DATA_FILE

from .corpus import PAPERS


def document_counts() -> dict[str, int]:
    """Key -> number of corpus papers whose title or abstract holds it (words + compounds)."""
    counts: dict[str, int] = {}
    for title, abstract, *_ in PAPERS:
        seen: set[str] = set()
        for text in (title, abstract):
            ft = tokenize(text)
            seen.update(ft.keys)
            seen.update(ft.comp_keys)
        for k in seen:
            counts[k] = counts.get(k, 0) + 1
    return counts


def table_text() -> str:
    data = {"papers": len(PAPERS), "counts": dict(sorted(document_counts().items()))}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


def main() -> int:
    DATA_FILE.write_text(table_text(), encoding="utf-8")
    print(f"wrote {DATA_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
