"""The shipped document-frequency table: what fraction of papers contain each word key.

Why shipped as data: choosing the rarest word of an AND (and, later, tf-idf weights)
needs *some* frequency estimate. Computing it from a corpus at cold start cost every
container the corpus' import and a tokenize pass; the table is generated once, offline,
by ``python -m paperbell_dev.bench.make_word_frequencies`` and read here as JSON. Keys
not in the table count as rare (0.0), the right bias for topical query words.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

__all__ = ["DATA_FILE", "builtin_df"]

DATA_FILE = Path(__file__).resolve().parent / "word_df.json"


@lru_cache(maxsize=1)
def builtin_df() -> dict[str, float]:
    """Word key -> document frequency (0..1), loaded once per container."""
    with DATA_FILE.open(encoding="utf-8") as fh:
        data = json.load(fh)
    n = max(1, int(data["papers"]))
    return {k: c / n for k, c in data["counts"].items()}
