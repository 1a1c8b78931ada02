"""What a paperbell deployment costs a month, from measured AWS call counts.

``paperbell cost --subscribers N`` prints the bill (see :mod:`paperbell_dev.cost.model`);
``make bench`` re-measures ``measured_counts.json`` (benchmarks/bench_pipeline.py).

Developer package only (never in the Lambda layer). May import :mod:`paperbell` and
:mod:`paperbell_dev.local`; imported by the ``paperbell cost`` command and the benchmarks.
"""

from paperbell_dev.cost.model import Estimate, Model, Workload, estimate, load_counts, load_prices

__all__ = ["Estimate", "Model", "Workload", "estimate", "load_counts", "load_prices"]
