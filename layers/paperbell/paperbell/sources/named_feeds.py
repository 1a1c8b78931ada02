"""``bundled:NAME`` sources: feed files in a folder that a *local* run provides.

Why here and this small: the production layer ships no feeds. A local run (``paperbell
demo``, the tests, ``make sam-local``) opts in by setting ``PAPERBELL_LOCAL_FEEDS`` to a
folder of ``NAME.json`` / ``NAME.xml`` files (the developer package's demo data); a
deployed stack never sets it, so there ``bundled:`` is refused with a clear message.
"""

from __future__ import annotations

from pathlib import Path

from paperbell.errors import SourceSpecError

__all__ = ["BUNDLED_PREFIX", "FEED_SUFFIXES", "resolve_named_feed"]

BUNDLED_PREFIX = "bundled:"
FEED_SUFFIXES = (".json", ".xml")


def resolve_named_feed(spec: str, feeds_dir: str | Path | None) -> str:
    """``bundled:NAME`` -> the path of ``NAME.*`` in ``feeds_dir``; other specs unchanged."""
    if not spec.startswith(BUNDLED_PREFIX):
        return spec
    name = spec[len(BUNDLED_PREFIX) :]
    if not feeds_dir:
        raise SourceSpecError(
            f"{spec!r}: bundled feeds exist only in local runs "
            "(PAPERBELL_LOCAL_FEEDS names their folder); use a URL or a source name"
        )
    folder = Path(feeds_dir)
    if "/" not in name and "\\" not in name and name not in {"", ".", ".."}:
        for suffix in FEED_SUFFIXES:
            path = folder / f"{name}{suffix}"
            if path.is_file():
                return str(path)
    names = sorted(
        p.stem for p in folder.glob("*") if p.suffix in FEED_SUFFIXES and p.stem != "subscribers"
    ) if folder.is_dir() else []
    raise SourceSpecError(f"unknown bundled feed {name!r}; bundled feeds: {', '.join(names)}")
