"""Shared fuzz settings and the per-target example counter.

``PAPERBELL_FUZZ_EXAMPLES`` sets how many inputs *each* fuzz test generates (default
150, so the short ``make test`` run stays fast). Every test body calls ``count(target)``
once per input it actually ran; ``conftest.py`` prints the table at the end.
"""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

DEFAULT_EXAMPLES = 150


def examples() -> int:
    raw = os.environ.get("PAPERBELL_FUZZ_EXAMPLES", "").strip()
    try:
        value = int(raw) if raw else DEFAULT_EXAMPLES
    except ValueError:
        raise SystemExit(f"PAPERBELL_FUZZ_EXAMPLES must be an integer, not {raw!r}") from None
    return max(value, 1)


EXAMPLES = examples()

#: One settings object for every fuzz test: the example count from the environment,
#: no deadline (a slow input is not a bug here), random (not derandomized) inputs and
#: no example database, so every run explores fresh inputs.
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=False,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)

#: target name -> inputs executed (including Hypothesis' shrinking replays, if any).
COUNTS: Counter[str] = Counter()


#: (target, outcome) -> how often, e.g. ("api: ApiFunction events", "403"): shows that
#: the inputs reach past the first check, not only that nothing crashed.
OUTCOMES: Counter[tuple[str, str]] = Counter()


def count(target: str) -> None:
    COUNTS[target] += 1


def outcome(target: str, what: str) -> None:
    OUTCOMES[(target, what)] += 1


def wild_text(max_size: int = 80, min_size: int = 0) -> st.SearchStrategy[str]:
    """Any text, lone surrogates included (``json.loads('"\\ud800"')`` makes them, so
    API bodies, paths and query strings can carry them; ``st.text()`` never does)."""
    alphabet = st.one_of(st.characters(), st.characters(categories=["Cs"]),
                         st.sampled_from("\x00\r\n\t\x1b\u2028\u202e\ufeff"))
    return st.text(alphabet=alphabet, min_size=min_size, max_size=max_size)
