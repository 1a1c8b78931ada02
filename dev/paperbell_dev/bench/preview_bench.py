"""``GET /preview`` handler time over 2,000 recent papers, cold and warm (issue 13).

Why through the real handler: the goal is the time a subscriber waits while typing, so the
request goes through ApiFunction on the embedded AWS (:class:`LocalPipeline`, moto) the way
``paperbell serve`` and the integration tests drive it. The papers table holds 2,000
papers of the benchmark day (:mod:`.workload`), first seen today. *Cold* is the first
request of a fresh container (it scans the table and analyzes every paper); *warm* is
the best of the following requests with other queries, as typing produces them.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from .workload import DayModel

__all__ = ["preview_timing"]

QUERIES = ("diffusion", "fine tuning", '"lottery ticket"', "transf* -survey", "title:agent*")


def preview_timing(papers: int = 2000, warm_requests: int = 5) -> dict[str, Any]:
    """ms of handler time for the first and the best warm ``/preview`` request."""
    from paperbell.storage.papers import PaperRepository
    from paperbell_dev.local.pipeline import LocalPipeline
    from paperbell_dev.local.server import http_event

    day = DayModel(seed=29).papers(papers)
    with LocalPipeline() as pipeline:
        repo = PaperRepository(pipeline.table_name("PapersTable"))
        repo.save_new(day, now=datetime.now(UTC))

        def request(q: str) -> float:
            event = http_event("GET", "/preview", query=f"q={q}", headers={}, body=b"")
            t0 = time.perf_counter()
            result = pipeline.invoker.invoke("ApiFunction", event)
            elapsed = (time.perf_counter() - t0) * 1e3
            assert int(result.get("statusCode", 0)) == 200, result
            return elapsed

        cold = request(QUERIES[0])
        warm = min(request(QUERIES[1 + i % (len(QUERIES) - 1)]) for i in range(warm_requests))
    return {"papers": papers, "cold_ms": round(cold, 1), "warm_ms": round(warm, 1)}
