"""``make sam-local``'s check that ``sam build --use-container`` ships what ``sam build``
ships (scripts/sam_local/run_sam_local.py ``compare_builds``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def sam_local() -> ModuleType:
    path = ROOT / "scripts" / "sam_local" / "run_sam_local.py"
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location("run_sam_local_under_test", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # its dataclasses look their module up there
        spec.loader.exec_module(module)
    finally:
        sys.path.pop(0)
    return module


def _build(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


BUILD = {
    "ApiFunction/api_handler.py": b"handler",
    "PaperbellLayer/python/paperbell/__init__.py": b"pkg",
    "PaperbellLayer/python/paperbell/__pycache__/__init__.cpython-311.pyc": b"host pyc",
    "PaperbellLayer/python/paperbell/dataclass_code.bin": b"host code",
    "PaperbellLayer/python/paperbell/modules.bin": b"host modules",
    "PaperbellLayer/python/idna-3.20.dist-info/RECORD": b"../../bin/idna,sha256=host,173",
}


def test_equal_builds_pass_and_pyc_and_record_bytes_may_differ(sam_local, tmp_path):
    host = _build(tmp_path / "host", BUILD)
    container = _build(tmp_path / "container", {
        **BUILD,
        "PaperbellLayer/python/paperbell/__pycache__/__init__.cpython-311.pyc": b"other",
        "PaperbellLayer/python/paperbell/dataclass_code.bin": b"other code",
        "PaperbellLayer/python/paperbell/modules.bin": b"other modules",
        "PaperbellLayer/python/idna-3.20.dist-info/RECORD": b"../../bin/idna,sha256=c,215",
    })
    sam_local.compare_builds(host, container)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ApiFunction/extra.py": b"x"}, "only in the container build"),
        ({"ApiFunction/api_handler.py": b"changed"}, "differ between the builds"),
        ({"MailFunction/mail_handler.py": b"m"}, "container build has resources"),
    ],
)
def test_a_file_more_or_different_fails(sam_local, tmp_path, change, message):
    host = _build(tmp_path / "host", BUILD)
    container = _build(tmp_path / "container", {**BUILD, **change})
    with pytest.raises(sam_local.Failure, match=message):
        sam_local.compare_builds(host, container)


def test_a_layer_without_pyc_fails(sam_local, tmp_path):
    without = {k: v for k, v in BUILD.items() if not k.endswith(".pyc")}
    host = _build(tmp_path / "host", without)
    container = _build(tmp_path / "container", without)
    with pytest.raises(sam_local.Failure, match=r"no \.pyc"):
        sam_local.compare_builds(host, container)
