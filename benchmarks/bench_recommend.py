"""Recommendation benchmark (thin wrapper; the logic is paperbell_dev.bench.recommend_benchmark).

.venv/bin/python benchmarks/bench_recommend.py --profiles 10k,100k,1M --quality
"""

from __future__ import annotations

import sys

from paperbell_dev.bench.recommend_benchmark import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
