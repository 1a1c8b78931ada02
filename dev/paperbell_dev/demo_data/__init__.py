"""Feeds and subscribers bundled for ``paperbell demo``, the tests and ``make sam-local``.

Developer package only: the Lambda layer ships none of this. Sources named
``bundled:<name>`` resolve to files in this folder through the runtime's opt-in
``PAPERBELL_LOCAL_FEEDS`` folder (:mod:`paperbell.sources.named_feeds`), which the local
tooling points here; a deployed stack never sets it.

Imported by :mod:`paperbell_dev.local`, the CLI, the tests and scripts/sam_local; imports
only :mod:`paperbell.sources.named_feeds`.
"""

from __future__ import annotations

from pathlib import Path

from paperbell.sources.named_feeds import BUNDLED_PREFIX, FEED_SUFFIXES, resolve_named_feed

DATA_DIR = Path(__file__).resolve().parent
#: The subscriber the sample events (events/mail.json) are for: ada@example.org, seeded
#: with this fixed id by the tests and ``make sam-local`` (real ids are keyed or random).
SAMPLE_SUBSCRIBER_ID = "sub_sample0ada"
#: The environment a local function invocation gets so that ``bundled:`` resolves here.
LOCAL_FEEDS_ENV = {"PAPERBELL_LOCAL_FEEDS": str(DATA_DIR)}

__all__ = ["BUNDLED_PREFIX", "DATA_DIR", "LOCAL_FEEDS_ENV", "SAMPLE_SUBSCRIBER_ID",
           "bundled_names",
           "demo_subscribers_path", "feed_files", "resolve_bundled"]


def feed_files() -> list[Path]:
    """The bundled feed files (what ``make sam-local`` copies into the scrape function)."""
    return sorted(
        p for p in DATA_DIR.iterdir() if p.suffix in FEED_SUFFIXES and p.stem != "subscribers"
    )


def bundled_names() -> list[str]:
    return [p.stem for p in feed_files()]


def resolve_bundled(spec: str) -> str:
    """``bundled:NAME`` -> the absolute path of that bundled feed; other specs unchanged."""
    return resolve_named_feed(spec, DATA_DIR)


def demo_subscribers_path() -> Path:
    return DATA_DIR / "subscribers.json"
