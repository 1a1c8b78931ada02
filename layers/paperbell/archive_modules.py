"""Layer build step: move the layer's compiled modules into one archive file.

Run by the Makefile, after compileall wrote the unchecked-hash ``.pyc`` files:

    python3.11 -S -B archive_modules.py LAYER_PYTHON_DIR

It writes ``paperbell/modules.bin`` with the code of every pure-Python module of the
layer but the bootstrap ones and deletes those ``.pyc`` files (the format and the why:
:mod:`paperbell.module_archive`). The module is loaded from its file, not imported as
part of the package: importing ``paperbell`` here would import Powertools, whose
dependencies the layer leaves to the Lambda runtime.
"""

from __future__ import annotations

import importlib.util
import os
import sys


def main(layer: str) -> int:
    path = os.path.join(layer, "paperbell", "module_archive.py")
    spec = importlib.util.spec_from_file_location("_module_archive", path)
    assert spec is not None and spec.loader is not None
    archive = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(archive)
    target = os.path.join(layer, "paperbell", archive.FILE_NAME)
    if os.path.exists(target):
        raise SystemExit(f"{target} exists already: build into a fresh directory")
    names = archive.write(layer, target)
    print(f"{archive.FILE_NAME}: {len(names)} modules, {os.path.getsize(target)} bytes")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    raise SystemExit(main(sys.argv[1]))
