"""Layer build step: compile the methods ``@dataclass`` generates for the runtime package.

Run by the Makefile, after the runtime package is copied into the layer:

    python3.11 -S -B compile_dataclasses.py LAYER_PYTHON_DIR HOST_DEPS_DIR

It imports every module of ``LAYER_PYTHON_DIR/paperbell``, with its dependencies from
``HOST_DEPS_DIR`` (requirements.txt plus boto3, installed for the machine that builds:
the layer's own wheels may be for another architecture, and it holds no boto3, which
the Lambda runtime provides), records each source text ``dataclasses`` compiles while they
load (for paperbell's classes and for those of the dependencies they import: Powertools'
``OpenAPIConfig``, botocore's two), and writes it with its code object to
``paperbell/dataclass_code.bin`` (the format of :mod:`paperbell.dataclass_code`, which
explains why). It fails if a runtime module cannot be imported.
"""

from __future__ import annotations

import builtins
import dataclasses
import importlib
import os
import pkgutil
import sys
from types import CodeType
from typing import Any


def main(layer: str, deps: str) -> int:
    # deps first (lxml etc. for this machine's architecture), and not this script's own
    # folder, which holds the package's sources, not the copy in the layer.
    sys.path[:1] = [deps, layer]
    recorded: dict[str, CodeType] = {}

    def recording_exec(source: Any, globals: Any = None, locals: Any = None, /) -> None:
        if type(source) is str:  # any class the import creates: Powertools' and
            recorded.setdefault(source, compile(source, "<string>", "exec"))  # botocore's too
        return builtins.exec(source, globals, locals)

    package_dir = os.path.join(layer, "paperbell")
    dataclasses.exec = recording_exec  # type: ignore[attr-defined]
    from paperbell import dataclass_code  # its install() finds no file yet: keeps ours

    target = os.path.join(package_dir, dataclass_code.FILE_NAME)
    if os.path.exists(target):
        raise SystemExit(f"{target} exists already: build into a fresh directory")
    names = ["paperbell"] + [
        info.name for info in pkgutil.walk_packages([package_dir], prefix="paperbell.")
    ]
    for name in names:
        importlib.import_module(name)
    dataclass_code.write(target, recorded)
    print(f"dataclass_code.bin: {len(recorded)} generated methods of {len(names)} modules")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
