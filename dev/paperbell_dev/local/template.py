"""Read template.yaml (with CloudFormation's short-form tags) into plain data.

Why our own loader: PyYAML's safe loader rejects ``!Ref``/``!GetAtt``/``!Sub``; this
one turns every ``!Tag value`` into its long form ``{"Fn::Tag": value}`` (``Ref`` for
``!Ref``), which is exactly what CloudFormation itself does.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from paperbell.errors import ConfigError

TEMPLATE_NAME = "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader plus CloudFormation short-form intrinsic functions."""


def _construct_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{tag_suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The template as a dict; ConfigError when it is missing or not YAML."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read template {path}: {exc.strerror}") from exc
    try:
        data = yaml.load(text, Loader=_CfnLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or "Resources" not in data:
        raise ConfigError(f"{path} has no Resources section")
    return data


def find_template(start: str | os.PathLike[str] | None = None) -> Path:
    """template.yaml of this checkout: $PAPERBELL_TEMPLATE, else the nearest one above
    ``start`` (default: the working directory), else the one next to this package's
    source tree (layers/paperbell/paperbell -> repository root)."""
    explicit = os.environ.get("PAPERBELL_TEMPLATE")
    if explicit:
        return Path(explicit)
    candidates = [Path(start or Path.cwd()).resolve(), Path(__file__).resolve()]
    for origin in candidates:
        for folder in (origin, *origin.parents):
            path = folder / TEMPLATE_NAME
            if path.is_file() and (folder / "functions").is_dir():
                return path
    raise ConfigError(
        "template.yaml not found: run from the paperbell checkout or set PAPERBELL_TEMPLATE"
    )
