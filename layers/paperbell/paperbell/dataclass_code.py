"""The methods ``@dataclass`` generates, compiled when the layer is built, not at cold start.

Why: for every class it decorates, ``dataclasses`` writes the source text of
``__init__``, ``__repr__``, ``__eq__``, ``__hash__`` (and ``__setattr__``/``__delattr__``
for a frozen class) and compiles each one with ``exec`` when the class is created, that
is, at import, at every cold start. Compiling is ~0.15 ms per method, ~1 ms per frozen
class; a handler creates 50-60 such classes (the API function 61), so it was the largest
single cost of the cold imports (BENCHMARKS.md, "Cold start"). The layer already ships
``.pyc`` files so that no module is compiled at cold start; this does the same for the
generated methods.

How: at build time ``layers/paperbell/compile_dataclasses.py`` imports every runtime
module, records each source text ``dataclasses`` compiles meanwhile (for this package's
classes and for those of the dependencies it imports: Powertools' ``OpenAPIConfig``,
botocore's two), and writes ``{source text: marshalled code}`` (:func:`write`) to
:data:`FILE_NAME` next to this module. :func:`install` (called by ``paperbell/__init__.py``
before any of its modules loads) makes ``dataclasses`` look the text up there before
compiling it. The key is the exact text,
so a hit runs the very code object ``compile`` would have produced, with the class's own
globals and locals: the classes are the same, with the same methods. A text that is not
there (a class edited after the build, another module, another Python) is compiled as
before. Without the file (a source checkout: tests, the CLI, ``make demo``) nothing is
installed. The file starts with the interpreter's bytecode magic number; a file written
by another Python version is ignored, as its ``.pyc`` files would be.
"""

from __future__ import annotations

import builtins
import dataclasses
import marshal
import os
from importlib.util import MAGIC_NUMBER
from types import CodeType
from typing import Any

FILE_NAME = "dataclass_code.bin"
DEFAULT_PATH = os.path.join(os.path.dirname(__file__), FILE_NAME)

_code: dict[str, bytes] = {}
#: Generated methods whose code came from the file, and the modules of those compiled
#: here instead (the build's checks: none of the layer's should be).
counts = {"hits": 0}
missed: list[str] = []


def _exec(source: Any, globals: Any = None, locals: Any = None, /, **kwargs: Any) -> None:
    """``exec`` for the ``dataclasses`` module: the shipped code for a known text."""
    blob = _code.get(source) if type(source) is str else None
    if blob is None:
        missed.append((globals or {}).get("__name__", ""))
        return builtins.exec(source, globals, locals, **kwargs)
    counts["hits"] += 1
    return builtins.exec(marshal.loads(blob), globals, locals, **kwargs)


def install(path: str = DEFAULT_PATH) -> bool:
    """Use the code in ``path`` for the methods ``dataclasses`` generates; False if none."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError:
        return False
    if not data.startswith(MAGIC_NUMBER):
        return False
    # loads(bytes), not load(file): marshal.load reads a file object piece by piece,
    # ~10x the cost of reading it whole.
    _code.update(marshal.loads(data[len(MAGIC_NUMBER):]))
    dataclasses.exec = _exec  # type: ignore[attr-defined]  # what _create_fn calls
    return True


def uninstall() -> None:
    """Back to the built-in ``exec`` (tests)."""
    if getattr(dataclasses, "exec", None) is _exec:
        delattr(dataclasses, "exec")
    _code.clear()


def write(path: str, code: dict[str, CodeType]) -> None:
    """Write ``{source text: code}`` in the format :func:`install` reads."""
    blobs = {source: marshal.dumps(obj) for source, obj in sorted(code.items())}
    with open(path, "wb") as file:
        file.write(MAGIC_NUMBER + marshal.dumps(blobs))
