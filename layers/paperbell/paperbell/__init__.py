"""paperbell: trending research papers, matched to your queries, in your inbox once a day.

The runtime package: the only code the Lambda layer ships (layers/paperbell/Makefile
builds it). Its folders import downwards only - ``web`` -> ``services`` -> ``delivery``
-> ``webhooks``/``matching``/``sources``/``storage`` -> the top-level modules here
(models, config, aws, observability, errors, clock, ...); ``lambda_events`` turns Lambda
events into models for the handlers in ``functions/``, which import this package and
nothing else of the project. It never imports the developer package
(:mod:`paperbell_dev`), moto, yaml or pytest (tests/unit/test_package_boundary.py).
"""

import warnings

from paperbell import coldstart

# Before anything else loads: a cold start in Lambda runs with the garbage collector
# paused until the handler module's @coldstart.loaded (paperbell/coldstart.py).
coldstart.pause()

from paperbell import module_archive  # noqa: E402 - after pause(), on purpose

# Then the layer's modules load from one archive file (paperbell/module_archive.py).
module_archive.install()

from paperbell import dataclass_code  # noqa: E402 - after install(), on purpose

# First, before any module of the package creates its dataclasses: their generated
# methods come compiled with the layer (paperbell/dataclass_code.py says why).
dataclass_code.install()

from paperbell.lazy_packages import (  # noqa: E402 - after install(), on purpose
    POWERTOOLS_CATALOGUES,
    UNUSED_AT_RUN_TIME,
    defer_module,
    defer_package_init,
)

__version__ = "0.1.0"

# The layer leaves out charset_normalizer (layers/paperbell/Makefile): paperbell reads
# HTTP bodies as bytes, never Response.text. requests warns at import that it has no
# encoding detector; that is expected here, not news for every cold start's log.
warnings.filterwarnings("ignore", message="Unable to find acceptable character detection")

for _package in POWERTOOLS_CATALOGUES:  # before any handler imports Powertools' utilities
    defer_package_init(_package)
for _module in UNUSED_AT_RUN_TIME:
    defer_module(_module)
