"""Run paperbell on an embedded AWS (moto): the template's own resources, the real
handlers, the papers stream read from moto and SES mails written to an outbox.

Nothing here is shipped to Lambda's hot path; it is what ``paperbell demo``, the
end-to-end tests and ``paperbell serve`` use to run the same code locally.

Developer package only: imports moto, yaml and :mod:`paperbell` freely; imported by the
CLI, the tests, the benchmarks and scripts/sam_local, never by :mod:`paperbell`.
"""
