"""Prepare a ``sam build`` output for ``sam local invoke --env-vars events/env.json``.

1. Declare the ``--env-vars`` file's shared variables in the *built* template copy.

``sam local invoke --env-vars FILE`` only overrides variables that the function already
declares in the template: entries the template does not declare are dropped silently.
events/env.json's shared "Parameters" (AWS_ENDPOINT_URL, the fake credentials,
PAPERBELL_TOKEN_KEY) are not in template.yaml - they must not be in a deployed stack -
so without this step the container never sees AWS_ENDPOINT_URL and its SDK calls go to
real AWS instead of the local moto server.

This adds each missing name, with an empty default, to Globals.Function.Environment of
the template that ``sam build`` wrote (.aws-sam/build/template.yaml by default). The
source template.yaml is never touched; the values still come from the env file.

2. Opt in to the bundled feeds: events/scrape.json names ``bundled:*`` sources, which the
scrape resolves in the folder ``PAPERBELL_LOCAL_FEEDS`` names (the env file sets it to
/var/task/demo_feeds). The feeds are copied into the built ScrapeFunction folder, which
``sam local`` mounts at /var/task; the production layer and template hold none of them.

    python scripts/sam_local/declare_env.py [BUILT_TEMPLATE] [ENV_FILE]

``make sam-local`` (run_sam_local.py) does the same on its own build.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def declare_env_file_variables(built_template: Path, env_file: Path) -> list[str]:
    """Declare the env file's "Parameters" names in ``built_template``; returns those added."""
    from samcli.yamlhelper import yaml_dump, yaml_parse  # sam's own (CloudFormation tags)

    env: dict[str, Any] = json.loads(env_file.read_text("utf-8"))
    shared = env.get("Parameters", {})
    template: dict[str, Any] = yaml_parse(built_template.read_text("utf-8"))
    globals_ = template.setdefault("Globals", {}) or {}
    template["Globals"] = globals_
    function = globals_.setdefault("Function", {}) or {}
    globals_["Function"] = function
    environment = function.setdefault("Environment", {}) or {}
    function["Environment"] = environment
    variables = environment.setdefault("Variables", {}) or {}
    environment["Variables"] = variables
    added = [name for name in shared if name not in variables]
    for name in added:
        variables[name] = ""
    if added:
        built_template.write_text(yaml_dump(template), encoding="utf-8")
    return added


def opt_in_demo_feeds(build_dir: Path, env_file: Path) -> list[str]:
    """Copy the bundled feeds to where the env file's PAPERBELL_LOCAL_FEEDS points in the
    built ScrapeFunction; returns the files copied (none if the file names no folder)."""
    import shutil

    from paperbell_dev.demo_data import LOCAL_FEEDS_ENV, feed_files

    (name,) = LOCAL_FEEDS_ENV
    folder = json.loads(env_file.read_text("utf-8")).get("Parameters", {}).get(name, "")
    if not folder.startswith("/var/task/"):
        return []
    target = build_dir / "ScrapeFunction" / folder.removeprefix("/var/task/")
    target.mkdir(parents=True, exist_ok=True)
    for path in feed_files():
        shutil.copy2(path, target / path.name)
    return [path.name for path in feed_files()]


def main(argv: list[str]) -> int:
    built = Path(argv[0] if argv else ".aws-sam/build/template.yaml")
    env_file = Path(argv[1] if len(argv) > 1 else "events/env.json")
    if not built.exists():
        print(f"{built} not found: run 'make build' (sam build) first", file=sys.stderr)
        return 1
    added = declare_env_file_variables(built, env_file)
    print(f"{built}: declared {', '.join(added) if added else 'nothing (already declared)'}")
    feeds = opt_in_demo_feeds(built.parent, env_file)
    print(f"{built.parent / 'ScrapeFunction'}: bundled feeds {', '.join(feeds) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
