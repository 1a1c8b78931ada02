"""paperbell vs tantivy matching benchmark (a thin wrapper of paperbell_dev.bench.peer_benchmark).

.venv/bin/python benchmarks/bench_match_peer.py --queries 1k,10k,100k,1M --json /tmp/peer.json
"""

from __future__ import annotations

import sys

from paperbell_dev.bench.peer_benchmark import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
