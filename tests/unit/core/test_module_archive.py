"""The layer's modules load from one archive file (paperbell/module_archive.py).

The build steps (compileall with unchecked hashes, then layers/paperbell/archive_modules.py)
run here on a copy of the runtime package; a fresh interpreter then imports every
module of the package from that copy: all but the bootstrap modules must come from the
archive, with their source files as ``__file__`` (so tracebacks and ``inspect`` still
show the source), and behave as the source checkout's do.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_dataclass_code import _python  # same folder: a fresh interpreter's JSON

ROOT = Path(__file__).resolve().parents[3]
LAYER_SOURCE = ROOT / "layers" / "paperbell"

_IMPORT_ALL = """
import importlib, inspect, json, pkgutil, sys
import paperbell
from paperbell import module_archive
for info in pkgutil.walk_packages(paperbell.__path__, 'paperbell.'):
    importlib.import_module(info.name)
from paperbell.models import Paper
import paperbell.models as models
out = {
    "archived": sorted(module_archive.loaded),
    "models_file": models.__file__,
    "source_line": inspect.getsource(Paper).splitlines()[0],
    "package_path": list(paperbell.web.__path__),
    "repr": repr(Paper(id="2501.00001", title="T")),
}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def built_layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the runtime package compiled and archived as the makefile does."""
    layer = tmp_path_factory.mktemp("layer")
    shutil.copytree(LAYER_SOURCE / "paperbell", layer / "paperbell",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for step in (
        [sys.executable, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash",
         str(layer)],
        [sys.executable, "-S", "-B", str(LAYER_SOURCE / "archive_modules.py"), str(layer)],
    ):
        done = subprocess.run(step, capture_output=True, text=True, check=False, cwd="/")
        assert done.returncode == 0, done.stderr[-2000:]
    return layer


def test_the_makefile_runs_the_archive_step_after_compileall() -> None:
    makefile = (LAYER_SOURCE / "Makefile").read_text(encoding="utf-8")
    assert makefile.index("compileall") < makefile.index('archive_modules.py "$(LAYER)"')


def test_only_the_bootstrap_modules_keep_a_pyc(built_layer: Path) -> None:
    left = sorted(p.relative_to(built_layer).as_posix() for p in built_layer.rglob("*.pyc"))
    assert [p.split("/")[-1].split(".")[0] for p in left] == ["__init__", "coldstart",
                                                               "module_archive"]
    assert (built_layer / "paperbell" / "modules.bin").is_file()


def test_every_other_module_loads_from_the_archive_with_its_source(built_layer: Path) -> None:
    seen = _python(_IMPORT_ALL, built_layer)
    modules = sorted(
        ".".join(p.relative_to(built_layer).with_suffix("").parts).removesuffix(".__init__")
        for p in (built_layer / "paperbell").rglob("*.py")
    )
    bootstrap = {"paperbell", "paperbell.coldstart", "paperbell.module_archive"}
    assert seen["archived"] == sorted(set(modules) - bootstrap)
    assert seen["models_file"] == str(built_layer / "paperbell" / "models.py")
    assert seen["source_line"].startswith("@dataclass")
    assert seen["package_path"] == [str(built_layer / "paperbell" / "web")]
    without = _python(_IMPORT_ALL, LAYER_SOURCE)  # the source checkout: no archive
    assert without["archived"] == []
    assert seen["repr"] == without["repr"]


def test_a_copy_earlier_on_sys_path_wins_over_the_archive(built_layer: Path,
                                                         tmp_path: Path) -> None:
    shadowing = tmp_path / "shadowing"  # a function directory with its own paperbell
    shutil.copytree(LAYER_SOURCE / "paperbell", shadowing / "paperbell",
                    ignore=shutil.ignore_patterns("__pycache__"))
    archive = built_layer / "paperbell" / "modules.bin"
    seen = _python(
        "import json\n"
        "from paperbell import module_archive\n"
        f"installed = module_archive.install({str(archive)!r})\n"
        "print(json.dumps({'installed': installed, 'archived': len(module_archive._modules)}))",
        shadowing, built_layer,
    )
    # The archive's paperbell modules are left to the copy that comes first.
    assert seen == {"installed": True, "archived": 0}


def test_an_archive_of_another_python_is_ignored(built_layer: Path, tmp_path: Path) -> None:
    stale = tmp_path / "layer" / "paperbell"
    shutil.copytree(built_layer / "paperbell", stale)
    archive = stale / "modules.bin"
    archive.write_bytes(b"\x00\x00\r\n" + archive.read_bytes()[4:])
    seen = _python(
        "import json\n"
        "from paperbell import module_archive\n"
        "print(json.dumps({'archived': len(module_archive._modules)}))",
        tmp_path / "layer",
    )
    assert seen == {"archived": 0}
