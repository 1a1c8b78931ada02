"""Powertools' catalogue packages, loaded name by name instead of all at once.

Why: two Powertools packages import every one of their modules in their ``__init__``:
``utilities.data_classes`` (about 40 event classes) and ``event_handler`` (every
resolver: AppSync, Bedrock, VPC Lattice, ...). Python runs a package's ``__init__``
before any of its submodules, so Powertools' own ``BatchProcessor`` (which needs only
the DynamoDB-stream and SQS record classes) and ``APIGatewayHttpResolver`` pay for the
whole catalogue at every cold start: 20-40 ms in the match, mail and API functions,
measured with ``python -X importtime`` (BENCHMARKS.md, "Cold start").

:func:`defer_package_init` registers such a package without running its ``__init__``.
Its submodules import as usual; a name the ``__init__`` would have imported
(``from aws_lambda_powertools.event_handler import Response``) is looked up in the
``__init__``'s own ``from .x import Name`` lines and loaded from that one submodule on
first use (PEP 562 module ``__getattr__``), so every public name still works and is
the very same object. Nothing is moved into the first invoke: the modules paperbell
uses are imported at import time as before, the ones it never uses are never loaded.

:func:`defer_module` does the same for a whole module that a typical invocation never
uses although Powertools imports it (``asyncio``, for the async batch processor): it
is registered, and its code runs when a name is first looked up on it.

Applied by ``paperbell/__init__.py``, so it takes effect for whatever imports paperbell
before Powertools' batch or event-handler utilities (the handlers import ``paperbell``
first). Imports only the standard library.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

#: Standard-library modules Powertools imports for a code path paperbell never takes:
#: ``utilities.batch.base`` imports ``asyncio`` (~25 ms, the largest single import of
#: the match and mail functions) for ``AsyncBatchProcessor``; the handlers use the
#: synchronous ``BatchProcessor``, which never touches it.
UNUSED_AT_RUN_TIME = ("asyncio",)
#: Powertools packages whose ``__init__`` imports all their modules.
POWERTOOLS_CATALOGUES = (
    "aws_lambda_powertools.utilities.data_classes",
    "aws_lambda_powertools.event_handler",
)


def _public_names(name: str, source: bytes) -> dict[str, str]:
    """``{public name: submodule}`` from a package ``__init__``'s import lines."""
    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ImportFrom) or node.module is None:
            continue
        module = node.module if node.level == 0 else f"{name}.{node.module}"
        if node.level in (0, 1) and module.startswith(name + "."):
            for alias in node.names:
                found[alias.asname or alias.name] = module
    return found


def lazy_attributes(
    package: str, where: dict[str, str], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """A PEP 562 ``__getattr__`` for ``package``: ``where`` maps a public name to the
    submodule defining it (absolute, or relative to ``package``), which is imported on
    first use of the name; the value is then kept in ``namespace`` (the package's
    globals), so later lookups never come back here.

    :mod:`paperbell.sources` uses it too: a function that only keeps a source's state
    does not load the HTTP and XML stacks.
    """

    def __getattr__(attr: str) -> Any:  # PEP 562: the module falls back to this
        if attr == "__all__":
            return sorted(where)
        if attr not in where:
            raise AttributeError(f"module {package!r} has no attribute {attr!r}")
        module = where[attr]
        if not module.startswith(package + "."):
            module = f"{package}.{module}"
        value = getattr(importlib.import_module(module), attr)
        namespace[attr] = value
        return value

    return __getattr__


def defer_package_init(name: str) -> ModuleType | None:
    """Register package ``name`` with its names resolved lazily; None if it is already
    imported (nothing to save then) or not installed."""
    if name in sys.modules:
        return None
    try:
        spec = importlib.util.find_spec(name)  # imports the parent packages
    except ModuleNotFoundError:
        return None
    if name in sys.modules:
        return None  # a parent's __init__ imported it already
    if spec is None or spec.origin is None or spec.submodule_search_locations is None:
        return None
    loader: Any = spec.loader
    names = _public_names(name, loader.get_data(spec.origin))
    package = importlib.util.module_from_spec(spec)
    package.__getattr__ = lazy_attributes(name, names, vars(package))  # type: ignore[method-assign]
    sys.modules[name] = package
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, package)
    return package


class _DeferredModule(ModuleType):
    """A registered module whose code has not run yet: the first name looked up on it
    runs the module's code into this very object (which then is the real module)."""

    def __getattr__(self, attr: str) -> Any:  # only for names not set yet
        _run_deferred(self)
        return getattr(self, attr)


def _run_deferred(module: ModuleType) -> None:
    module.__class__ = ModuleType
    spec: Any = module.__spec__
    if spec.submodule_search_locations is not None:
        module.__path__ = spec.submodule_search_locations
    spec.loader.exec_module(module)


def defer_module(name: str) -> ModuleType | None:
    """Register module ``name`` without running its code: ``import name`` finds it (its
    ``__spec__`` is set, so the import system asks nothing else), and the first other
    name looked up on it - ``name.run``, ``from name import X``, ``import name.sub`` -
    runs the module's code, once, into the same object. None if it is already imported
    (nothing to save) or not found. (:class:`importlib.util.LazyLoader` cannot do this on
    Python 3.11: an ``import`` statement reads ``__spec__``, which makes it load.)

    Only for modules a typical invocation never uses (:data:`UNUSED_AT_RUN_TIME`): a
    module that is used still loads, on its first use, so nothing breaks, but the cost
    would only move into the first invoke."""
    if name in sys.modules or "." in name:
        return None
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    # Without __path__, importing a submodule first (``import name.sub``) looks it up,
    # which runs the package's own code first, in the usual order.
    vars(module).pop("__path__", None)
    module.__class__ = _DeferredModule
    sys.modules[name] = module
    return module
