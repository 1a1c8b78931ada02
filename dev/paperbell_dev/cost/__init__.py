"""What a paperbell deployment costs a month, from measured AWS call counts.

``paperbell cost --subscribers N`` prints the bill (see :mod:`paperbell_dev.cost.model`);
``make bench`` re-measures ``measured_counts.json`` (benchmarks/bench_pipeline.py).
"""

from paperbell_dev.cost.model import Estimate, Model, Workload, estimate, load_counts, load_prices

__all__ = ["Estimate", "Model", "Workload", "estimate", "load_counts", "load_prices"]
