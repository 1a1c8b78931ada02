"""Package size: each function and the layer as ``sam build`` builds them.

Run: ``.venv/bin/python benchmarks/bench_package_size.py [--build-dir DIR] [--no-build]``

Method: ``sam build --template template.yaml --build-dir DIR`` (no container; the SAM
CLI downloads the layer's wheels for the template's architecture from PyPI), then the
unzipped size of every built artifact, the layer's size by top-level package, and the
zipped size (deflate, as ``sam deploy`` uploads). Packages the python3.11 Lambda
runtime already ships are flagged, and a few measured options to shrink the layer are
listed (nothing is changed: they are numbers for a decision). Goal: layer <= 15 MB
unzipped and nothing in it that the runtime already provides.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOAL_MB = 15.0
#: What the python3.11 Lambda runtime ships next to the standard library
#: (boto3 and its dependencies; urllib3 is 1.26.x there).
RUNTIME_SHIPS = {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3"}
#: Which requirement pulls each top-level package of the layer into it.
PULLED_BY = {
    "aws_lambda_powertools": "aws-lambda-powertools",
    "jmespath": "aws-lambda-powertools",
    "typing_extensions": "aws-lambda-powertools",
    "requests": "requests",
    "urllib3": "requests",
    "idna": "requests, email-validator",
    "certifi": "requests",
    "charset_normalizer": "requests",
    "lxml": "lxml",
    "email_validator": "email-validator",
    "dns": "email-validator (dnspython)",
    "paperbell": "(the project)",
}
MB = 1024 * 1024


def human(size: int) -> str:
    return f"{size / MB:7.2f} MiB" if size >= MB / 10 else f"{size / 1024:7.1f} KiB"


def build(build_dir: Path) -> float:
    env = dict(os.environ, SAM_CLI_TELEMETRY="0")
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    import time

    started = time.perf_counter()
    done = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "sam"),
            "build",
            "--template",
            "template.yaml",
            "--build-dir",
            str(build_dir),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError("sam build failed:\n" + (done.stderr or done.stdout)[-2000:])
    return time.perf_counter() - started


def tree_size(path: Path, *, skip: tuple[str, ...] = ()) -> int:
    if path.is_file():
        return path.stat().st_size
    total = 0
    for item in path.rglob("*"):
        if item.is_file() and not any(part in skip for part in item.parts):
            total += item.stat().st_size
    return total


def zipped_size(path: Path, keep: Any = None) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in sorted(path.rglob("*")):
            if item.is_file() and (keep is None or keep(item)):
                archive.write(item, item.relative_to(path))
    return len(buffer.getvalue())


def top_level(python_dir: Path) -> dict[str, int]:
    """Layer size by top-level package (its .dist-info counted with it)."""
    sizes: dict[str, int] = {}
    for entry in python_dir.iterdir():
        name = entry.name
        if name == "requirements.txt":
            continue
        if name.endswith((".dist-info", ".data")):
            name = name.split("-")[0].lower()
            name = {
                "aws_lambda_powertools": "aws_lambda_powertools",
                "dnspython": "dns",
                "email_validator": "email_validator",
            }.get(name, name)
        elif name.endswith(".py"):
            name = name[:-3]
        sizes[name] = sizes.get(name, 0) + tree_size(entry)
    return dict(sorted(sizes.items(), key=lambda kv: -kv[1]))


def _lxml_unused(path: Path) -> bool:
    """lxml files paperbell never loads: C sources/headers, objectify, isoschematron."""
    parts = path.parts
    if "lxml" not in parts:
        return False
    name = path.name
    return (
        "includes" in parts
        or "isoschematron" in parts
        or name.endswith((".pyx", ".pxd", ".pxi", ".h", ".c"))
        or name.startswith("objectify.")
    )


def options(python_dir: Path) -> list[tuple[str, int]]:
    """Measured unzipped layer sizes for ways to shrink it (none applied)."""
    total = tree_size(python_dir)
    packages = top_level(python_dir)
    lxml_unused = sum(
        p.stat().st_size for p in python_dir.rglob("*") if p.is_file() and _lxml_unused(p)
    )
    ships = sum(v for k, v in packages.items() if k in RUNTIME_SHIPS)
    powertools = python_dir / "aws_lambda_powertools"
    unused_pt = sum(
        tree_size(powertools / sub) for sub in ("event_handler",) if (powertools / sub).exists()
    )
    return [
        ("as built", total),
        ("- runtime-shipped packages (jmespath, urllib3)", total - ships),
        ("- lxml C sources/headers, objectify, isoschematron", total - lxml_unused),
        ("- both of the above", total - ships - lxml_unused),
        (
            "- both, and Powertools event_handler outside the API function's layer",
            total - ships - lxml_unused - unused_pt,
        ),
    ]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", type=Path, default=Path("/tmp/pb-bench-build"))
    ap.add_argument("--no-build", action="store_true", help="measure an existing build")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args(argv)
    result: dict[str, Any] = {}
    if not args.no_build:
        print(f"sam build --build-dir {args.build_dir} ...", flush=True)
        result["build_s"] = round(build(args.build_dir), 1)
    layer = args.build_dir / "PaperbellLayer"
    python_dir = layer / "python"
    if not python_dir.is_dir():
        print(f"no built layer in {args.build_dir}", file=sys.stderr)
        return result
    artifacts = sorted(p for p in args.build_dir.iterdir() if p.is_dir())
    print("package sizes (sam build):")
    print(f"  {'artifact':<18} {'unzipped':>10} {'zipped':>10}")
    sizes = {}
    for artifact in artifacts:
        raw, packed = tree_size(artifact), zipped_size(artifact)
        sizes[artifact.name] = {"unzipped": raw, "zipped": packed}
        print(f"  {artifact.name:<18} {human(raw):>10} {human(packed):>10}")
    result["artifacts"] = sizes
    layer_mb = sizes["PaperbellLayer"]["unzipped"] / MB
    verdict = "meets" if layer_mb <= GOAL_MB else "misses"
    print(f"  layer {layer_mb:.1f} MiB unzipped: {verdict} the <= {GOAL_MB:.0f} MiB goal")
    packages = top_level(python_dir)
    result["layer_packages"] = packages
    print("layer by package (unzipped):")
    for name, size in packages.items():
        note = "  <- the Lambda runtime ships this" if name in RUNTIME_SHIPS else ""
        print(f"  {name:<24} {human(size)}  via {PULLED_BY.get(name, '?')}{note}")
    print("options (measured, not applied):")
    result["options"] = {}
    for label, size in options(python_dir):
        result["options"][label] = size
        print(f"  {human(size)}  {label}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
