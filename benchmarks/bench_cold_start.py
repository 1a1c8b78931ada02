"""Cold-start benchmark: each Lambda handler's import time next to a bare ``import boto3``.

Run: ``.venv/bin/python benchmarks/bench_cold_start.py [--repeat 9] [--build-dir DIR]``

Method: for every function in template.yaml (its CodeUri and Handler module), a fresh
interpreter imports the handler module with the function's directory first on
``sys.path`` and prints how long the ``import`` statement took (interpreter start-up is
not included). The same is done for ``import boto3``. Targets are run round-robin in a
new random order each round, so machine load hits them alike; the median of the rounds
is reported, and the ratio handler / boto3 (goal: <= 1.5 for every handler).

Two environments:
- ``dev``: the project's .venv (paperbell installed editable). Note that the venv also
  holds awscrt and pyOpenSSL (pulled by moto / the SAM CLI), which make even a bare
  ``import boto3`` slower than in Lambda.
- ``lambda-like`` (when a ``sam build`` output exists, see bench_package_size.py):
  ``python -S`` with sys.path = [built function dir, built layer ``python/``, a
  directory holding only boto3 and its dependencies, as the python3.11 runtime ships
  them]. This is what a cold Lambda container imports, minus the runtime bootstrap.

Then ``python -X importtime`` of each handler (dev) gives the packages that the handler
imports beyond what ``import boto3`` already loads, largest first: the candidates to
make lazy. Timings are never asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_DIR = Path("/tmp/pb-bench-runtime")
GOAL = 1.5
_TIMER = (
    "import sys, time\n"
    "sys.path[:0] = {paths!r}\n"
    "t = time.perf_counter()\n"
    "import {module}\n"
    "print(time.perf_counter() - t)\n"
)


def handlers() -> dict[str, tuple[Path, str]]:
    """Logical id -> (code dir, handler module) for every function in template.yaml."""
    from paperbell_dev.local.template import load_template

    template = load_template(ROOT / "template.yaml")
    out = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties", {})
        module = str(props["Handler"]).rpartition(".")[0]
        out[logical_id] = (ROOT / str(props["CodeUri"]), module)
    return dict(sorted(out.items()))


def _time_import(python: list[str], paths: list[str], module: str) -> float:
    code = _TIMER.format(paths=paths, module=module)
    done = subprocess.run(
        [*python, "-c", code], capture_output=True, text=True, check=False, cwd="/"
    )
    if done.returncode != 0:
        raise RuntimeError(f"import {module} failed: {done.stderr.strip().splitlines()[-1:]}")
    return float(done.stdout.strip().splitlines()[-1])


def measure(
    targets: dict[str, tuple[list[str], list[str], str]], repeat: int, seed: int = 1
) -> dict[str, list[float]]:
    """name -> import seconds per round; targets: name -> (python argv, paths, module)."""
    rng = random.Random(seed)
    times: dict[str, list[float]] = {name: [] for name in targets}
    for python, paths, module in targets.values():  # warm the page cache / .pyc
        _time_import(python, paths, module)
    for _ in range(repeat):
        order = list(targets)
        rng.shuffle(order)
        for name in order:
            python, paths, module = targets[name]
            times[name].append(_time_import(python, paths, module))
    return times


def ensure_runtime_dir(python: str) -> Path | None:
    """boto3 + deps, as the Lambda python3.11 runtime ships them (urllib3 1.26)."""
    if (RUNTIME_DIR / "boto3").is_dir():
        return RUNTIME_DIR
    done = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--target",
            str(RUNTIME_DIR),
            "boto3",
            "urllib3<2",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return RUNTIME_DIR if done.returncode == 0 else None


def environments(build_dir: Path | None) -> dict[str, dict[str, tuple[list[str], list[str], str]]]:
    python = sys.executable
    envs: dict[str, dict[str, tuple[list[str], list[str], str]]] = {}
    dev: dict[str, tuple[list[str], list[str], str]] = {"boto3": ([python], [], "boto3")}
    for logical_id, (code_dir, module) in handlers().items():
        dev[logical_id] = ([python], [str(code_dir)], module)
    envs["dev"] = dev
    layer = build_dir / "PaperbellLayer" / "python" if build_dir else None
    if layer and layer.is_dir():
        runtime = ensure_runtime_dir(python)
        if runtime is not None:
            like: dict[str, tuple[list[str], list[str], str]] = {
                "boto3": ([python, "-S"], [str(runtime)], "boto3")
            }
            for logical_id, (_, module) in handlers().items():
                fn_dir = build_dir / logical_id
                if fn_dir.is_dir():
                    like[logical_id] = (
                        [python, "-S"],
                        [str(fn_dir), str(layer), str(runtime)],
                        module,
                    )
            envs["lambda-like"] = like
    return envs


def importtime_extra(code_dir: Path, module: str, top: int = 6) -> list[tuple[str, float]]:
    """Packages a handler imports beyond ``import boto3``: (package, self ms), largest first."""

    def tree(paths: list[str], name: str) -> dict[str, float]:
        code = f"import sys; sys.path[:0] = {paths!r}; import {name}"
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code],
            capture_output=True,
            text=True,
            check=False,
            cwd="/",
        )
        selfs: dict[str, float] = {}
        for line in done.stderr.splitlines():
            if not line.startswith("import time:") or "|" not in line:
                continue
            parts = line.split("|")
            try:
                self_us = float(parts[0].split(":")[1])
            except ValueError:
                continue
            selfs[parts[2].strip()] = self_us / 1000
        return selfs

    base = tree([], "boto3")
    mine = tree([str(code_dir)], module)
    by_package: dict[str, float] = {}
    for name, ms in mine.items():
        if name in base:
            continue
        package = name.split(".")[0]
        if package == "paperbell":
            package = ".".join(name.split(".")[:2])
        by_package[package] = by_package.get(package, 0.0) + ms
    return sorted(by_package.items(), key=lambda kv: -kv[1])[:top]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--build-dir", type=Path, default=Path("/tmp/pb-bench-build"))
    ap.add_argument("--no-breakdown", action="store_true")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args(argv)
    results: dict[str, Any] = {}
    for env_name, targets in environments(args.build_dir).items():
        times = measure(targets, args.repeat)
        base = statistics.median(times["boto3"])
        rows = {}
        print(f"cold start ({env_name}): median of {args.repeat} fresh interpreters")
        print(f"  {'import':<18} {'median ms':>10} {'x boto3':>8}")
        for name, series in times.items():
            med = statistics.median(series)
            ratio = med / base
            rows[name] = {"median_ms": round(med * 1000, 1), "ratio": round(ratio, 2)}
            flag = "" if name == "boto3" else ("  ok" if ratio <= GOAL else f"  > {GOAL} goal")
            print(f"  {name:<18} {med * 1000:10.1f} {ratio:8.2f}{flag}")
        results[env_name] = rows
    if not args.no_breakdown:
        print("imports beyond `import boto3` (dev, -X importtime, self ms by package):")
        breakdown = {}
        for logical_id, (code_dir, module) in handlers().items():
            extra = importtime_extra(code_dir, module)
            breakdown[logical_id] = extra
            print(f"  {logical_id}: " + ", ".join(f"{p} {ms:.0f}" for p, ms in extra))
        results["breakdown"] = breakdown
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
