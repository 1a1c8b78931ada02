"""Feeds and subscribers bundled with paperbell for ``paperbell demo`` and ``sam local``.

Sources named ``bundled:<name>`` resolve to files in this folder, so the same scrape
event works on a laptop, in tests and inside a Lambda container (where the layer puts
this package under /opt/python) without any network.
"""

from __future__ import annotations

from pathlib import Path

from paperbell.errors import SourceSpecError

DATA_DIR = Path(__file__).resolve().parent
BUNDLED_PREFIX = "bundled:"


def bundled_names() -> list[str]:
    return sorted(
        p.stem
        for p in DATA_DIR.iterdir()
        if p.suffix in {".json", ".xml"} and p.stem != "subscribers"
    )


def resolve_bundled(spec: str) -> str:
    """``bundled:NAME`` -> the absolute path of that bundled feed; other specs unchanged."""
    if not spec.startswith(BUNDLED_PREFIX):
        return spec
    name = spec[len(BUNDLED_PREFIX) :]
    for suffix in (".json", ".xml"):
        path = DATA_DIR / f"{name}{suffix}"
        if path.is_file():
            return str(path)
    raise SourceSpecError(
        f"unknown bundled feed {name!r}; bundled feeds: {', '.join(bundled_names())}"
    )


def demo_subscribers_path() -> Path:
    return DATA_DIR / "subscribers.json"
