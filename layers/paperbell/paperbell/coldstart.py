"""A Lambda cold start loads its modules with the cyclic garbage collector paused.

Why: importing a handler creates some 100,000 objects (classes, functions, code objects,
dicts). CPython runs a young-generation collection every 700 new container objects
and an older one every tenth of those, and each traverses the objects allocated since:
about 45 million instructions of the API function's cold import (5 %; boto3's own load
is half of it), measured with the cold-start benchmark's ``--instructions`` count
(BENCHMARKS.md, "Cold start"). Almost none of it is garbage: what a module creates at
import lives as long as the process (after the API function's import a full collection
finds ~600 unreachable objects among ~43,000 tracked ones).

How: ``paperbell/__init__.py`` calls :func:`pause` first thing, which disables the
collector only in Lambda (``LAMBDA_TASK_ROOT`` is set there and under ``sam local``, never
in tests or the CLI); every handler module imports paperbell before anything else, and its
last statement, the ``handler`` function, is decorated with :func:`loaded`, which moves
everything loaded so far into the permanent generation (:func:`gc.freeze`: never
traversed again, so every later collection of an invocation is cheaper too) and enables
the collector again. It does not collect first:
a full collection there would cost more than the pause saves, and the few hundred
unreachable objects of the import are kept, once, as Python's documentation of
:func:`gc.freeze` suggests for a process that loads everything and then serves.
tests/unit/core/test_coldstart.py imports every handler of template.yaml this way and
checks that the collector runs again afterwards.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
_paused = False


def pause() -> bool:
    """Disable the collector for the cold start (only in Lambda); True if it did."""
    global _paused
    if "LAMBDA_TASK_ROOT" in os.environ and gc.isenabled() and not _paused:
        gc.disable()
        _paused = True
    return _paused


def loaded(handler: F) -> F:
    """Decorates a handler module's ``handler``, outermost: as the module's last statement
    it runs when everything is loaded; freezes what exists and resumes the collector.
    Returns ``handler`` itself (nothing wraps an invocation)."""
    global _paused
    if _paused:
        gc.freeze()
        gc.enable()
        _paused = False
    return handler
