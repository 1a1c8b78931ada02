"""The layer's compiled modules, read from one file instead of one file each.

Why: a cold start imports ~200 of the layer's modules (paperbell, Powertools, the X-Ray
SDK, wrapt, ...) beyond what ``import boto3`` loads. For each, the import system looks
for it along ``sys.path``, checks the directory, builds a spec, finds and stats the
source, opens and reads its ``.pyc`` and checks its header, in Python code
(importlib's bootstrap): ~0.1 ms a module before any of the module's own code runs,
about a fifth of what the API function's import costs beyond boto3's. Loading a
module's code from memory instead takes a quarter of that (BENCHMARKS.md, "Cold
start").

How: the layer build (``layers/paperbell/archive_modules.py``) moves the compiled code
of every pure-Python module of the layer - the very bytes ``compileall`` wrote into its
unchecked-hash ``.pyc`` - into :data:`FILE_NAME` next to this module, and deletes those
``.pyc`` files. :func:`install` (called by ``paperbell/__init__.py`` before any other
module of the layer loads) maps that file (``mmap``: only the pages of the modules a
handler loads are read, nothing is copied but each module's code) and puts a finder
first on ``sys.meta_path`` that answers for those modules with a spec whose loader is an
ordinary :class:`~importlib.machinery.SourceFileLoader` for the module's own source
file, except that its code comes from the archive. So every module still has its
``__file__``, ``__path__``, ``__spec__`` and source (tracebacks, ``inspect``,
``importlib.resources`` work as before) and runs the code the ``.pyc`` would have held.
A name not in the archive (the standard library, boto3, C extensions such as
``lxml.etree``) is looked up as usual. A top-level package that a ``sys.path`` entry
before the layer also holds (a function directory's own copy) is left to the usual
lookup, which finds that copy first. Without the file (a source checkout: tests, the
CLI) or with a file of another Python version nothing is installed.

The bootstrap modules, imported before :func:`install` runs (``paperbell/__init__``,
:mod:`paperbell.coldstart` and this one), keep their ``.pyc`` and are not archived.
"""

from __future__ import annotations

import marshal
import mmap
import os
import sys
from importlib.machinery import ModuleSpec, SourceFileLoader
from importlib.util import MAGIC_NUMBER
from typing import Any

FILE_NAME = "modules.bin"
#: Imported before install() runs: never archived (their .pyc stay).
BOOTSTRAP = ("paperbell", "paperbell.coldstart", "paperbell.module_archive")

#: module name -> (path relative to the layer, is a package, offset and length of its
#: marshalled code in the archive)
_modules: dict[str, tuple[str, bool, int, int]] = {}
_root = ""
#: The archive, mapped: only the pages of the modules that are loaded are read, and
#: nothing is copied but each module's code object (reading the 3.9 MB file whole and
#: unmarshalling it cost ~3,000 page faults, more than the lookups it saves).
_code = memoryview(b"")
_base = 0
#: Modules loaded from the archive (the build's and the tests' check).
loaded: list[str] = []


class _ArchivedLoader(SourceFileLoader):
    """A source file's loader whose code comes from the archive, not from its .pyc."""

    def get_code(self, fullname: str) -> Any:
        entry = _modules.pop(fullname, None)
        if entry is None:  # loaded before (a reload): as without the archive
            return super().get_code(fullname)
        loaded.append(fullname)
        start = _base + entry[2]
        return marshal.loads(_code[start:start + entry[3]])


class _ArchiveFinder:
    """First on ``sys.meta_path``: specs for the archived modules, None for the rest."""

    @staticmethod
    def find_spec(name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        entry = _modules.get(name)
        if entry is None:
            return None
        relpath, is_package = entry[:2]
        origin = os.path.join(_root, relpath)
        spec = ModuleSpec(name, _ArchivedLoader(name, origin), origin=origin,
                          is_package=is_package)
        if is_package:
            spec.submodule_search_locations = [os.path.dirname(origin)]
        spec.has_location = True
        return spec

    @staticmethod
    def invalidate_caches() -> None:
        pass


def install(path: str | None = None) -> bool:
    """Serve the archived modules from ``path`` (default: next to this module); False if
    there is no archive for this Python, or the layer is not on ``sys.path``."""
    global _root, _code, _base
    path = path or os.path.join(os.path.dirname(__file__), FILE_NAME)
    root = os.path.dirname(os.path.dirname(os.path.abspath(path)))
    if root not in sys.path:
        return False
    try:
        with open(path, "rb") as file:
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # ValueError: an empty file
        return False
    head = len(MAGIC_NUMBER) + 8
    if mapped[:len(MAGIC_NUMBER)] != MAGIC_NUMBER:
        mapped.close()
        return False
    index_length = int.from_bytes(mapped[len(MAGIC_NUMBER):head], "little")
    modules: dict[str, tuple[str, bool, int, int]] = marshal.loads(
        mapped[head:head + index_length])
    _code, _base = memoryview(mapped), head + index_length
    shadowed = _shadowed(root, {name.partition(".")[0] for name in modules})
    _modules.update((name, entry) for name, entry in modules.items()
                    if name.partition(".")[0] not in shadowed and name not in sys.modules)
    _root = root
    if _ArchiveFinder not in sys.meta_path:
        sys.meta_path.insert(0, _ArchiveFinder)
    return True


def _shadowed(root: str, top_level: set[str]) -> set[str]:
    """The archive's top-level names that a ``sys.path`` entry before ``root`` holds."""
    found: set[str] = set()
    for entry in sys.path[:sys.path.index(root)]:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        found.update(top for top in top_level
                     if top in names or f"{top}.py" in names or
                     any(n.startswith(f"{top}.") and n.endswith((".so", ".pyc")) for n in names))
    return found


def uninstall() -> None:
    """Back to the usual lookup (tests)."""
    if _ArchiveFinder in sys.meta_path:
        sys.meta_path.remove(_ArchiveFinder)
    _modules.clear()


def write(layer: str, archive: str) -> list[str]:
    """Move the compiled code of every pure-Python module under ``layer`` (its
    unchecked-hash ``.pyc``) into ``archive``; return the archived module names."""
    index: dict[str, tuple[str, bool, int, int]] = {}
    blob = bytearray()
    for directory, subdirs, files in os.walk(layer):
        subdirs[:] = sorted(d for d in subdirs if d != "__pycache__" and "." not in d
                            and os.path.isfile(os.path.join(directory, d, "__init__.py")))
        rel_dir = os.path.relpath(directory, layer)
        parts = [] if rel_dir == "." else rel_dir.split(os.sep)
        for file_name in sorted(files):
            if not file_name.endswith(".py"):
                continue
            stem = file_name[:-3]
            is_package = stem == "__init__"
            name = ".".join(parts if is_package else [*parts, stem])
            if not name or name in BOOTSTRAP or "." in stem or "-" in name:
                continue
            pyc = os.path.join(directory, "__pycache__",
                               f"{stem}.{sys.implementation.cache_tag}.pyc")
            try:
                with open(pyc, "rb") as file:
                    data = file.read()
            except OSError:
                continue  # not compiled (a script, a file compileall skipped)
            flags = int.from_bytes(data[4:8], "little")
            if data[:4] != MAGIC_NUMBER or flags != 0b01:  # unchecked hash-based only
                continue
            index[name] = (os.path.relpath(os.path.join(directory, file_name), layer),
                           is_package, len(blob), len(data) - 16)
            blob += data[16:]
            os.remove(pyc)
        cache = os.path.join(directory, "__pycache__")
        if os.path.isdir(cache) and not os.listdir(cache):
            os.rmdir(cache)
    # MAGIC, the index's length (8 bytes), the index {name: (relpath, is_package, offset,
    # length)}, then every module's code (offsets counted from the end of the index).
    packed = marshal.dumps(index)
    with open(archive, "wb") as file:
        file.write(MAGIC_NUMBER + len(packed).to_bytes(8, "little") + packed + blob)
    return sorted(index)
