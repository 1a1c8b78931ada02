"""The house rules of the two packages: the runtime package (the Lambda layer) never
imports the developer package or developer-only libraries, and every folder says what
lives there and who may import it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "layers" / "paperbell" / "paperbell"
DEV = ROOT / "dev" / "paperbell_dev"
#: Libraries the layer does not install (dev extras) or that only local tooling uses.
DEV_ONLY = {"paperbell_dev", "moto", "yaml", "pytest", "hypothesis", "feedparser",
            "selenium", "samcli", "tantivy", "werkzeug", "flask"}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


RUNTIME_MODULES = sorted(RUNTIME.rglob("*.py"))


@pytest.mark.parametrize("path", RUNTIME_MODULES, ids=lambda p: str(p.relative_to(RUNTIME)))
def test_runtime_module_imports_nothing_developer_only(path: Path) -> None:
    bad = _imported_roots(path) & DEV_ONLY
    assert not bad, f"{path.relative_to(ROOT)} imports developer-only {sorted(bad)}"


def test_the_boundary_check_sees_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    from paperbell_dev.local import stack\n", encoding="utf-8")
    assert _imported_roots(sample) & DEV_ONLY == {"paperbell_dev"}


def test_runtime_package_holds_no_dev_folders() -> None:
    for name in ("local", "cost", "demo_data", "cli.py", "operator_cli.py", "ops_cli.py",
                 "__main__.py", "matching/benchmark.py", "matching/corpus.py",
                 "matching/naive.py"):
        assert not (RUNTIME / name).exists(), f"{name} belongs in dev/paperbell_dev"


@pytest.mark.parametrize(
    "folder",
    sorted({p.parent for p in (*RUNTIME.rglob("__init__.py"), *DEV.rglob("__init__.py"))}),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_every_folder_says_what_lives_there_and_what_may_import_it(folder: Path) -> None:
    doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
    assert doc and len(doc) > 40, f"{folder.relative_to(ROOT)}/__init__.py needs a docstring"
    assert "import" in doc.lower(), (
        f"{folder.relative_to(ROOT)}/__init__.py: say what may import this folder (and what it "
        "imports)"
    )


def test_handlers_import_only_the_runtime_package_and_powertools() -> None:
    allowed = {"paperbell", "aws_lambda_powertools", "typing", "__future__", "os", "json"}
    for handler in sorted((ROOT / "functions").glob("*/*_handler.py")):
        extra = _imported_roots(handler) - allowed
        assert not extra, f"{handler.relative_to(ROOT)} imports {sorted(extra)}"


def test_shipped_word_frequencies_are_current() -> None:
    from paperbell.matching.word_frequencies import DATA_FILE
    from paperbell_dev.bench.make_word_frequencies import table_text

    assert DATA_FILE.read_text(encoding="utf-8") == table_text(), (
        "word_df.json is stale: run .venv/bin/python -m paperbell_dev.bench.make_word_frequencies"
    )
