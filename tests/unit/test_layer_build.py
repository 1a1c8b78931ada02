"""The layer's makefile leaves out only what paperbell never imports.

layers/paperbell/Makefile deletes parts of the installed wheels (lxml's objectify and
html, dnspython, unused Powertools utilities, X-Ray patchers, ...). Each such module
must stay unused: this imports every module of the runtime package and every handler in
a fresh interpreter and checks that none of the pruned modules got loaded.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = ROOT / "layers" / "paperbell" / "Makefile"
#: Imported only if installed (requests picks an encoding detector if it finds one).
OPTIONAL = {"charset_normalizer"}


def _make_list(name: str) -> list[str]:
    """The words of a ``NAME := ...`` variable (continuation lines, $(addprefix ...))."""
    text = MAKEFILE.read_text(encoding="utf-8")
    match = re.search(rf"^{name} := (.*?)(?<!\\)\n", text, flags=re.M | re.S)
    assert match, f"{name} not found in {MAKEFILE}"
    body = match.group(1).replace("\\\n", " ")
    words: list[str] = []
    for prefix, names in re.findall(r"\$\(addprefix ([^,]+),([^)]*)\)", body):
        words += [prefix + n for n in names.split()]
    words += re.sub(r"\$\(addprefix [^)]*\)", " ", body).split()
    return words


def _pruned_modules() -> list[str]:
    """Pruned paths that are importable module names (``lxml/html`` -> ``lxml.html``)."""
    modules = []
    for word in _make_list("PRUNE"):
        path = word.removesuffix(".py").removesuffix(".*")
        if any(ch in path for ch in "*-") or path in ("bin",):
            continue  # globs of sources/headers, dist-info folders, scripts
        modules.append(path.replace("/", "."))
    return modules


def test_the_makefile_lists_parse_into_module_names() -> None:
    modules = _pruned_modules()
    assert "lxml.objectify" in modules
    assert "lxml.html" in modules
    assert "dns" in modules
    assert "aws_xray_sdk.ext.django" in modules  # from $(addprefix ...)
    assert "botocore" in _make_list("RUNTIME_SHIPS")


def test_no_pruned_module_is_imported_by_the_runtime_package_or_a_handler() -> None:
    runtime = sorted(
        ".".join(p.relative_to(ROOT / "layers" / "paperbell").with_suffix("").parts)
        for p in (ROOT / "layers" / "paperbell" / "paperbell").rglob("*.py")
    )
    handlers = sorted(str(p) for p in (ROOT / "functions").glob("*/*_handler.py"))
    code = f"""
import importlib, importlib.util, json, os, sys
os.environ.update(PAPERS_TABLE="p", SUBSCRIBERS_TABLE="s", DELIVERIES_TABLE="d",
                  IDEMPOTENCY_TABLE="i")
for name in {[m.removesuffix(".__init__") for m in runtime]!r}:
    importlib.import_module(name)
for i, path in enumerate({handlers!r}):
    spec = importlib.util.spec_from_file_location(f"_handler_{{i}}", path)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
print(json.dumps(sorted(sys.modules)))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    used = sorted(
        name
        for name in loaded
        for pruned in set(_pruned_modules()) - OPTIONAL
        if name == pruned or name.startswith(pruned + ".")
    )
    assert not used, f"the layer's makefile prunes modules that paperbell imports: {used}"


def test_the_layer_is_built_by_its_makefile() -> None:
    from paperbell_dev.local.template import load_template

    layer = load_template(ROOT / "template.yaml")["Resources"]["PaperbellLayer"]
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert "build-PaperbellLayer:" in MAKEFILE.read_text(encoding="utf-8")
    assert "--invalidation-mode unchecked-hash" in MAKEFILE.read_text(encoding="utf-8")
