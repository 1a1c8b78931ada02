"""Package size: each function and the layer as ``sam build`` builds them.

Run: ``.venv/bin/python benchmarks/bench_package_size.py [--build-dir DIR] [--no-build]``

Method: ``sam build --template template.yaml --build-dir DIR --no-cached`` for this
machine's architecture (no container; the layer's makefile, layers/paperbell/Makefile,
downloads the wheels for that architecture), then the unzipped size of every built
artifact, the layer's size by top-level package, and the zipped size (deflate, as
``sam deploy`` uploads). Then the layer's contents are checked: .pyc files for every
module, none of the developer package (moto emulation, cost model, benchmark helpers),
no C sources/headers or lxml parts paperbell never imports, nothing the python3.11
runtime already ships. Goal: layer <= 15 MiB unzipped, and every check passes.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
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
    "aws_xray_sdk": "aws-xray-sdk",
    "wrapt": "aws-xray-sdk",
    "__pycache__": "typing_extensions (its .pyc)",
    "paperbell": "(the project)",
}
MB = 1024 * 1024


def human(size: int) -> str:
    return f"{size / MB:7.2f} MiB" if size >= MB / 10 else f"{size / 1024:7.1f} KiB"


def lambda_arch() -> str:
    """This machine's Lambda architecture: the build must run here (cold-start bench)."""
    return "arm64" if platform.machine().lower() in ("aarch64", "arm64") else "x86_64"


def build(build_dir: Path) -> float:
    env = dict(os.environ, SAM_CLI_TELEMETRY="0", PAPERBELL_ARCH=lambda_arch())
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
            "--no-cached",
            "--parameter-overrides",
            f"Architecture={lambda_arch()}",
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


#: Never in the layer: the developer package and what only it uses.
DEV_ONLY = ("paperbell_dev", "moto", "yaml", "paperbell/local", "paperbell/cost",
            "paperbell/cli.py", "paperbell/matching/benchmark.py", "paperbell/matching/corpus.py")
#: Left out by the layer's makefile (paperbell never imports them).
LEFT_OUT = ("lxml/includes", "lxml/isoschematron", "lxml/html", "dns")
LEFT_OUT_SUFFIXES = (".pyx", ".pxd", ".pxi", ".h", ".c")


def checks(python_dir: Path) -> list[tuple[str, bool, str]]:
    """(what, ok, detail) for each property the layer must have."""
    files = [p for p in python_dir.rglob("*") if p.is_file()]
    rel = [p.relative_to(python_dir).as_posix() for p in files]
    sources = [p for p in files if p.suffix == ".py"]
    tag = "cpython-311"  # the layer's runtime, whatever runs this script
    archived = _archived_modules(python_dir / "paperbell" / "modules.bin")
    missing = [
        p for p in sources if not (p.parent / "__pycache__" / f"{p.stem}.{tag}.pyc").exists()
        and p.relative_to(python_dir).as_posix() not in archived
    ]
    unchecked = sum(
        1
        for p in files
        if p.suffix == ".pyc" and int.from_bytes(p.read_bytes()[4:8], "little") == 0b01
    )
    pycs = sum(1 for p in files if p.suffix == ".pyc")
    dev = sorted({r for r in rel for d in DEV_ONLY if r == d or r.startswith(d.rstrip("/") + "/")})
    left = sorted({r.split("/")[0] + "/" + r.split("/")[1] for r in rel
                   if any(r.startswith(x + "/") for x in LEFT_OUT)})
    c_files = [r for r in rel if r.endswith(LEFT_OUT_SUFFIXES)]
    ships = sorted({r.split("/")[0] for r in rel if r.split("/")[0] in RUNTIME_SHIPS})
    methods = _dataclass_methods(python_dir / "paperbell" / "dataclass_code.bin")
    return [
        (".pyc or archived code for every module (3.11)", not missing,
         f"{len(sources) - len(missing)}/{len(sources)} modules" +
         (f"; missing e.g. {missing[0].relative_to(python_dir)}" if missing else "")),
        ("unchecked-hash .pyc (read-only layer)", pycs > 0 and unchecked == pycs,
         f"{unchecked}/{pycs}"),
        ("no developer code (moto, local, cost, bench)", not dev, ", ".join(dev[:3]) or "none"),
        ("no C sources/headers/Cython files", not c_files, ", ".join(c_files[:3]) or "none"),
        ("no unused lxml parts / dnspython", not left, ", ".join(left[:3]) or "none"),
        ("nothing the runtime ships", not ships, ", ".join(ships) or "none"),
        ("compiled dataclass methods (paperbell/dataclass_code.bin)", methods > 0,
         f"{methods} methods"),
        ("modules in one archive (paperbell/modules.bin)", len(archived) > 0,
         f"{len(archived)} modules, {pycs} bootstrap .pyc left"),
    ]


def _archived_modules(path: Path) -> set[str]:
    """The source files whose code paperbell/modules.bin holds (empty: no archive)."""
    import marshal
    from importlib.util import MAGIC_NUMBER

    if not path.is_file() or not (data := path.read_bytes()).startswith(MAGIC_NUMBER):
        return set()
    head = len(MAGIC_NUMBER) + 8  # then the index: {name: (relpath, is_package, ...)}
    index = marshal.loads(data[head:head + int.from_bytes(data[len(MAGIC_NUMBER):head], "little")])
    return {entry[0] for entry in index.values()}


def _dataclass_methods(path: Path) -> int:
    """How many generated dataclass methods the layer ships compiled (0: no file)."""
    import marshal
    from importlib.util import MAGIC_NUMBER

    if not path.is_file() or not (data := path.read_bytes()).startswith(MAGIC_NUMBER):
        return 0
    return len(marshal.loads(data[len(MAGIC_NUMBER):]))


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
    print("layer checks:")
    result["checks"] = {}
    for what, ok, detail in checks(python_dir):
        result["checks"][what] = ok
        print(f"  {'ok  ' if ok else 'FAIL'} {what}: {detail}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
