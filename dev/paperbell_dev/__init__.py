"""paperbell's developer package: everything that helps build, run and judge paperbell but
never runs in Lambda.

* :mod:`.cli`, :mod:`.operator_cli`, :mod:`.ops_cli` — the ``paperbell`` command;
* :mod:`.local` — the embedded AWS (moto) deployment of template.yaml, stream pollers,
  the demo, ``paperbell serve`` and the sam-local env file;
* :mod:`.demo_data` — the bundled feeds and demo subscribers;
* :mod:`.cost` — the monthly cost model and the AWS call meter;
* :mod:`.bench` — the sample corpus, the naive reference matcher, benchmark helpers and
  the word-frequency table generator;
* :mod:`.openapi` — regenerates docs/openapi.json.

May import :mod:`paperbell` (the runtime package in the Lambda layer); the runtime package
must never import this one (tests/unit/test_package_boundary.py checks it).
"""
