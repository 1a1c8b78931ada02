"""Cold-start benchmark: each Lambda handler's import time next to a bare ``import boto3``.

Run: ``.venv/bin/python benchmarks/bench_cold_start.py [--repeat 9] [--build-dir DIR]``

Method: for every function in template.yaml (its CodeUri and Handler module), a fresh
interpreter imports the handler module with the function's directory first on
``sys.path`` and prints how long the ``import`` statement took (interpreter start-up is
not included). The same is done for ``import boto3``. Targets are run round-robin in a
new random order each round, so machine load hits them alike; the median of the rounds
is reported, and the ratio handler / boto3 (goal: <= 1.5 for every handler). Two clocks:
wall time, and the CPU time of the importing process (``time.process_time``), which
other processes on a busy machine disturb far less; the goal is judged on CPU time,
the wall-time ratio is printed next to it.

Two environments:
- ``dev``: the project's .venv (paperbell installed editable). Note that the venv also
  holds awscrt and pyOpenSSL (pulled by moto / the SAM CLI), which make even a bare
  ``import boto3`` slower than in Lambda.
- ``lambda-like`` (when a ``sam build`` output exists, see bench_package_size.py):
  ``python -S -B`` with sys.path = [built function dir, built layer ``python/``, a
  directory holding only boto3 and its dependencies, as the python3.11 runtime ships
  them], and the environment Lambda gives the function (its template variables,
  ``LAMBDA_TASK_ROOT``, ``AWS_LAMBDA_FUNCTION_NAME``: Powertools' Tracer is on, as in
  Lambda). ``-B``: a layer is read-only, so only the .pyc files the build shipped are
  used and none is written. This is what a cold Lambda container imports, minus the
  runtime bootstrap. The bare ``import boto3`` runs with the same environment.

``--instructions`` also counts, once per target, the instructions of each lambda-like
import under valgrind's callgrind (slow: ~20 s a target; the interpreter's start-up
included, its shutdown not): a count that other jobs on a
shared machine do not change, where the CPU-time ratios move by +-0.15 between runs.
It leaves out what CPU time includes (cache misses, the kernel's page faults), so it
reads a little lower than the CPU ratio; it is for comparing two builds.

Then ``python -X importtime`` of each handler (dev) gives the packages that the handler
imports beyond what ``import boto3`` already loads, largest first: the candidates to
make lazy. Timings are never asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_DIR = Path("/tmp/pb-bench-runtime")
GOAL = 1.5
_TIMER = (
    "import os, sys, time\n"
    "sys.path[:0] = {paths!r}\n"
    "os.environ.update({env!r})\n"
    "t, c = time.perf_counter(), time.process_time()\n"
    "import {module}\n"
    "print(time.perf_counter() - t, time.process_time() - c)\n"
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


Target = tuple[list[str], list[str], str, dict[str, str]]  # python argv, paths, module, env


def _time_import(
    python: list[str], paths: list[str], module: str, env: dict[str, str]
) -> tuple[float, float]:
    """(wall, CPU) seconds of one cold ``import module`` in a fresh interpreter."""
    code = _TIMER.format(paths=paths, module=module, env=env)
    done = subprocess.run(
        [*python, "-c", code], capture_output=True, text=True, check=False, cwd="/"
    )
    if done.returncode != 0:
        raise RuntimeError(f"import {module} failed: {done.stderr.strip().splitlines()[-1:]}")
    wall, cpu = done.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def measure(
    targets: dict[str, Target], repeat: int, seed: int = 1
) -> dict[str, list[tuple[float, float]]]:
    """name -> (wall, CPU) import seconds per round."""
    rng = random.Random(seed)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in targets}
    for target in targets.values():  # warm the page cache (and the dev venv's .pyc)
        _time_import(*target)
    for _ in range(repeat):
        order = list(targets)
        rng.shuffle(order)
        for name in order:
            times[name].append(_time_import(*targets[name]))
    return times


def count_instructions(python: list[str], paths: list[str], module: str,
                       env: dict[str, str]) -> int:
    """User-space instructions of a fresh interpreter that imports ``module`` (start-up
    included, shutdown not), counted by valgrind's callgrind: the same on a busy machine as
    on an idle one, unlike CPU time, which other processes' use of the shared caches
    inflates by 10-40 % on this box. Memory stalls and the kernel's page faults are not counted."""
    # os._exit: the interpreter's shutdown (a last collection, freeing every module) is
    # not part of a cold start, and gc.freeze() (paperbell/coldstart.py) skips most of it.
    code = (f"import os, sys\nsys.path[:0] = {paths!r}\nos.environ.update({env!r})\n"
            f"import {module}\nos._exit(0)\n")
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *python, "-c", code],
        capture_output=True, text=True, check=False, cwd="/",
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"callgrind of import {module} failed: {done.stderr[-300:]}")
    return int(found.group(1))


def instruction_ratios(targets: dict[str, Target], jobs: int = 2) -> dict[str, Any]:
    """name -> (instructions, ratio to ``boto3``), ``jobs`` valgrind runs at a time."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(jobs) as pool:
        found = pool.map(lambda target: count_instructions(*target), targets.values())
        counts = dict(zip(targets, found, strict=True))
    base = counts["boto3"]
    return {name: {"instructions": n, "ratio": round(n / base, 2)} for name, n in counts.items()}


def lambda_environments() -> dict[str, dict[str, str]]:
    """Per function: the variables Lambda sets (template + runtime), sam-local style."""
    from paperbell_dev.local.pipeline import LOCAL_SENDER, LOCAL_SITE
    from paperbell_dev.local.sam_env import sam_env_vars
    from paperbell_dev.local.stack import LocalStack

    stack = LocalStack(ROOT / "template.yaml",
                       parameters={"SenderAddress": LOCAL_SENDER, "SiteUrl": LOCAL_SITE})
    env_vars = sam_env_vars(stack)
    shared = {k: v for k, v in env_vars["Parameters"].items() if k != "AWS_ENDPOINT_URL"}
    out = {}
    for logical_id in handlers():
        out[logical_id] = {
            **shared,
            **{k: str(v) for k, v in env_vars.get(logical_id, {}).items()},
            "AWS_REGION": stack.region,
            "AWS_LAMBDA_FUNCTION_NAME": f"{stack.stack_name}-{logical_id}",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "LAMBDA_TASK_ROOT": "/var/task",
            "LAMBDA_RUNTIME_DIR": "/var/runtime",
        }
    return out


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


def environments(build_dir: Path | None) -> dict[str, dict[str, Target]]:
    python = sys.executable
    envs: dict[str, dict[str, Target]] = {}
    lambda_env = lambda_environments()
    dev: dict[str, Target] = {"boto3": ([python], [], "boto3", {})}
    for logical_id, (code_dir, module) in handlers().items():
        # The template's variables (the mail handler names its idempotency table at
        # import), but no LAMBDA_TASK_ROOT: the Tracer stays off, as in tests.
        env = {k: v for k, v in lambda_env[logical_id].items() if k != "LAMBDA_TASK_ROOT"}
        dev[logical_id] = ([python], [str(code_dir)], module, env)
    envs["dev"] = dev
    layer = build_dir / "PaperbellLayer" / "python" if build_dir else None
    if layer and layer.is_dir():
        runtime = ensure_runtime_dir(python)
        if runtime is not None:
            any_env = next(iter(lambda_env.values()))
            like: dict[str, Target] = {
                "boto3": ([python, "-S", "-B"], [str(runtime)], "boto3", any_env)
            }
            for logical_id, (_, module) in handlers().items():
                fn_dir = build_dir / logical_id
                if fn_dir.is_dir():
                    like[logical_id] = (
                        [python, "-S", "-B"],
                        [str(fn_dir), str(layer), str(runtime)],
                        module,
                        lambda_env[logical_id],
                    )
            envs["lambda-like"] = like
    return envs


def importtime_extra(base: Target, handler: Target, top: int = 6) -> list[tuple[str, float]]:
    """Packages a handler imports beyond ``import boto3``: (package, self ms), largest first."""

    def tree(target: Target) -> dict[str, float]:
        python, paths, module, env = target
        code = (f"import os, sys; sys.path[:0] = {paths!r}; os.environ.update({env!r}); "
                f"import {module}")
        done = subprocess.run(
            [*python, "-X", "importtime", "-c", code],
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

    before = tree(base)
    by_package: dict[str, float] = {}
    for name, ms in tree(handler).items():
        if name in before:
            continue
        package = name.split(".")[0]
        if package in ("paperbell", "aws_lambda_powertools"):
            package = ".".join(name.split(".")[:2 if package == "paperbell" else 3])
        by_package[package] = by_package.get(package, 0.0) + ms
    return sorted(by_package.items(), key=lambda kv: -kv[1])[:top]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--build-dir", type=Path, default=Path("/tmp/pb-bench-build"))
    ap.add_argument("--no-breakdown", action="store_true")
    ap.add_argument("--json", metavar="FILE")
    ap.add_argument("--instructions", action="store_true",
                    help="also count the lambda-like imports' instructions (valgrind)")
    args = ap.parse_args(argv)
    results: dict[str, Any] = {}
    envs = environments(args.build_dir)
    for env_name, targets in envs.items():
        times = measure(targets, args.repeat)
        base_wall = statistics.median(w for w, _ in times["boto3"])
        base_cpu = statistics.median(c for _, c in times["boto3"])
        rows = {}
        print(f"cold start ({env_name}): median of {args.repeat} fresh interpreters")
        print(f"  {'import':<18} {'CPU ms':>8} {'x boto3':>8} {'wall ms':>8} {'x boto3':>8}")
        for name, series in times.items():
            wall = statistics.median(w for w, _ in series)
            cpu = statistics.median(c for _, c in series)
            ratio, wall_ratio = cpu / base_cpu, wall / base_wall
            rows[name] = {
                "median_ms": round(cpu * 1000, 1),
                "ratio": round(ratio, 2),
                "wall_ms": round(wall * 1000, 1),
                "wall_ratio": round(wall_ratio, 2),
            }
            flag = "" if name == "boto3" else ("  ok" if ratio <= GOAL else f"  > {GOAL} goal")
            print(
                f"  {name:<18} {cpu * 1000:8.1f} {ratio:8.2f} {wall * 1000:8.1f} "
                f"{wall_ratio:8.2f}{flag}"
            )
        results[env_name] = rows
    if args.instructions and "lambda-like" in envs and shutil.which("valgrind"):
        print("cold start (lambda-like), instructions (valgrind callgrind, one run each, "
              "load-independent; start-up included, shutdown not):")
        counted = instruction_ratios(envs["lambda-like"])
        for name, row in counted.items():
            flag = "" if name == "boto3" else ("  ok" if row["ratio"] <= GOAL else f"  > {GOAL}")
            print(f"  {name:<18} {row['instructions'] / 1e6:8.0f} M {row['ratio']:8.2f}{flag}")
        results["lambda-like instructions"] = counted
    if not args.no_breakdown:
        where = "lambda-like" if "lambda-like" in envs else "dev"
        print(f"imports beyond `import boto3` ({where}, -X importtime, self ms by package):")
        breakdown = {}
        targets = envs[where]
        for logical_id in handlers():
            if logical_id not in targets:
                continue
            extra = importtime_extra(targets["boto3"], targets[logical_id])
            breakdown[logical_id] = extra
            print(f"  {logical_id}: " + ", ".join(f"{p} {ms:.0f}" for p, ms in extra))
        results["breakdown"] = breakdown
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
