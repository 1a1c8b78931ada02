"""Benchmark helpers: the embedded sample corpus, the naive reference evaluator and the
stored-query benchmark runner.

Developer package only (never shipped in the Lambda layer). May import :mod:`paperbell`;
nothing in :mod:`paperbell` may import it.
"""
