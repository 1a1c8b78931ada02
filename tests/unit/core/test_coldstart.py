"""A cold start in Lambda loads with the garbage collector paused (paperbell/coldstart.py).

Every handler of template.yaml is imported in a fresh interpreter with Lambda's
``LAMBDA_TASK_ROOT`` set: the collector must be running again afterwards (the handler
module's handler is decorated with ``@coldstart.loaded``) with what was loaded frozen; without the
variable (tests, the CLI) paperbell must leave the collector alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from paperbell_dev.local.template import load_template

ROOT = Path(__file__).resolve().parents[3]
TABLES = {"PAPERS_TABLE": "p", "SUBSCRIBERS_TABLE": "s", "DELIVERIES_TABLE": "d",
          "IDEMPOTENCY_TABLE": "i", "AWS_DEFAULT_REGION": "us-east-1"}


def _handlers() -> list[tuple[str, str]]:
    resources = load_template(ROOT / "template.yaml")["Resources"]
    return sorted(
        (str(ROOT / props["CodeUri"]), str(props["Handler"]).rpartition(".")[0])
        for props in (r["Properties"] for r in resources.values()
                      if r["Type"] == "AWS::Serverless::Function")
    )


def _import(code_dir: str, module: str, env: dict[str, str], before: str = "") -> dict:
    code = (
        "import gc, json, os, sys\n"
        f"sys.path.insert(0, {code_dir!r})\nos.environ.update({env!r})\n{before}\n"
        "paused = []  # collections that ran while paperbell had paused the collector\n"
        "def seen(phase, info):\n"
        "    coldstart = sys.modules.get('paperbell.coldstart')\n"
        "    paused.append(phase) if getattr(coldstart, '_paused', False) else None\n"
        "gc.callbacks.append(seen)\n"
        f"import {module}\n"
        "gc.callbacks.clear()\n"
        "print(json.dumps({'enabled': gc.isenabled(), 'frozen': gc.get_freeze_count(),\n"
        "                  'collections_while_paused': len(paused)}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, cwd="/")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_there_is_a_handler_per_function() -> None:
    assert len(_handlers()) >= 7


@pytest.mark.parametrize(("code_dir", "module"), _handlers(), ids=lambda v: Path(v).name)
def test_in_lambda_the_import_runs_paused_and_the_collector_resumes(code_dir: str,
                                                                     module: str) -> None:
    seen = _import(code_dir, module, {**TABLES, "LAMBDA_TASK_ROOT": "/var/task"})
    assert seen["enabled"], f"{module}.handler is not decorated with @coldstart.loaded"
    assert seen["frozen"] > 10_000
    # No collection ran from paperbell's pause to the end of the handler module.
    assert seen["collections_while_paused"] == 0


def test_outside_lambda_the_collector_is_left_alone() -> None:
    code_dir, module = _handlers()[0]
    seen = _import(code_dir, module, TABLES)
    assert seen["enabled"] and seen["frozen"] == 0


def test_a_collector_disabled_by_someone_else_stays_disabled() -> None:
    code_dir, module = _handlers()[0]
    seen = _import(code_dir, module, {**TABLES, "LAMBDA_TASK_ROOT": "/var/task"},
                   before="gc.disable()")
    assert not seen["enabled"] and seen["frozen"] == 0
