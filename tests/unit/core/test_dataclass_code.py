"""The layer ships the code of the methods ``@dataclass`` generates (paperbell/dataclass_code.py).

The build step (layers/paperbell/compile_dataclasses.py) is run here on a copy of the
runtime package; a fresh interpreter then imports the package from that copy and must
compile none of paperbell's dataclass methods itself, and the classes must behave as
compiled ones do. A text that is not in the file is compiled as before, and a file from
another Python version is ignored.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LAYER_SOURCE = ROOT / "layers" / "paperbell"

#: What the models do with their generated methods, printed by the child interpreter.
_BEHAVIOUR = """
import dataclasses, json
from paperbell.models import Paper, PaperText, Subscriber, DigestJob
a = Subscriber(id="s1", email="a@example.org", queries=("x",), webhook_secret="k",
               likes=(PaperText("2501.00001", "T"),))
b = dataclasses.replace(a)
try:
    a.email = "b@example.org"
    frozen = False
except dataclasses.FrozenInstanceError:
    frozen = True
paper = Paper(id="2501.00001", title="T", extra={"stars": 3})
out = {
    "eq": a == b, "hash": hash(a) == hash(b), "frozen": frozen, "repr": repr(a),
    "paper_repr": repr(paper), "paper_eq_ignores_extra": paper == Paper(id="2501.00001", title="T"),
    "job": [DigestJob("s", "2026-01-01T08") == DigestJob("s", "2026-01-01T08", 1),
            len({DigestJob("s", "t"), DigestJob("s", "t")})],
    "fields": [f.name for f in dataclasses.fields(Subscriber)][:3],
}
"""


def _python(code: str, *path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path[:0] = {[str(p) for p in path]!r}\n" + code],
        capture_output=True, text=True, check=False, cwd="/",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def built_layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the runtime package with dataclass_code.bin, as the makefile builds it."""
    layer = tmp_path_factory.mktemp("layer")
    shutil.copytree(LAYER_SOURCE / "paperbell", layer / "paperbell",
                    ignore=shutil.ignore_patterns("__pycache__"))
    deps = tmp_path_factory.mktemp("deps")  # empty: this venv provides the dependencies
    done = subprocess.run(
        [sys.executable, "-B", str(LAYER_SOURCE / "compile_dataclasses.py"), str(layer), str(deps)],
        capture_output=True, text=True, check=False, cwd="/",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (layer / "paperbell" / "dataclass_code.bin").is_file()
    return layer


def test_the_makefile_runs_the_build_step() -> None:
    makefile = (LAYER_SOURCE / "Makefile").read_text(encoding="utf-8")
    assert "compile_dataclasses.py \"$(LAYER)\"" in makefile


def test_no_dataclass_method_of_the_package_is_compiled_at_import(built_layer: Path) -> None:
    seen = _python(
        "import dataclasses, importlib, json, pkgutil\n"
        "import paperbell\n"
        "from paperbell import dataclass_code\n"
        "assert dataclasses.exec is dataclass_code._exec\n"
        "for info in pkgutil.walk_packages(paperbell.__path__, 'paperbell.'):\n"
        "    importlib.import_module(info.name)\n"
        "print(json.dumps({'hits': dataclass_code.counts['hits'],\n"
        "                  'missed': sorted(set(dataclass_code.missed))}))",
        built_layer,
    )
    assert seen["hits"] > 300  # 60+ classes, 3-6 methods each
    assert not [name for name in seen["missed"] if name.split(".")[0] == "paperbell"]
    # The dependencies' classes the package loads are in the file too (Powertools').
    assert "aws_lambda_powertools.event_handler.openapi.config" not in seen["missed"]


def test_the_classes_behave_as_without_the_file(built_layer: Path) -> None:
    with_file = _python(_BEHAVIOUR + "print(json.dumps(out))", built_layer)
    without = _python(_BEHAVIOUR + "print(json.dumps(out))", LAYER_SOURCE)
    assert with_file == without
    assert with_file["frozen"] and with_file["eq"] and with_file["hash"]
    assert "k" not in with_file["repr"].split("webhook_url=")[1].split("notify_empty")[0]


def test_a_text_not_in_the_file_is_compiled_and_another_python_s_file_ignored(
    built_layer: Path, tmp_path: Path
) -> None:
    result = _python(
        "import dataclasses, json\n"
        "from paperbell import dataclass_code\n"
        "misses = len(dataclass_code.missed)\n"
        "@dataclasses.dataclass(frozen=True)\n"
        "class New:\n"
        "    never_seen_at_build: int = 1\n"
        "print(json.dumps({'new': repr(New()), 'misses': len(dataclass_code.missed) - misses}))",
        built_layer,
    )
    # compiled here: __init__, __repr__, __eq__, __hash__, __setattr__, __delattr__
    assert result == {"new": "New(never_seen_at_build=1)", "misses": 6}
    stale = tmp_path / "dataclass_code.bin"
    stale.write_bytes(b"\x00\x00\r\n" + (built_layer / "paperbell" / "dataclass_code.bin")
                      .read_bytes()[4:])
    ignored = _python(
        "import dataclasses, json\n"
        "from paperbell import dataclass_code\n"
        "dataclass_code.uninstall()\n"
        f"ok = dataclass_code.install({str(stale)!r})\n"
        "print(json.dumps({'installed': ok, 'exec': hasattr(dataclasses, 'exec')}))",
        built_layer,
    )
    assert ignored == {"installed": False, "exec": False}


def test_every_dataclass_of_the_package_has_a_docstring() -> None:
    """Without one, ``@dataclass`` builds ``__doc__`` from ``inspect.signature`` of the
    class at import (~0.1 ms a class at every cold start)."""
    import ast

    undocumented = []
    for path in sorted((LAYER_SOURCE / "paperbell").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef) or ast.get_docstring(node) is not None:
                continue
            for deco in node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                name = getattr(target, "attr", None) or getattr(target, "id", "")
                if name == "dataclass":
                    undocumented.append(f"{path.relative_to(LAYER_SOURCE)}:{node.name}")
    assert undocumented == []
