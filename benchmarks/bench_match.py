"""Stored-query matching benchmark (thin wrapper; the logic is paperbell_dev.bench.match_benchmark).

.venv/bin/python benchmarks/bench_match.py --queries 10000,100000,1000000
"""

from __future__ import annotations

import sys

from paperbell_dev.bench.match_benchmark import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
