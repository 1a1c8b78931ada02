"""Papers that fit: invalid characters replaced, oversized fields cut and recorded (pure).

Why here, beside ``merging``: two gates use the same rules. The sources package fits
every paper it returns (so ``paperbell fetch --json``, the matcher and the mails never
see a lone surrogate or a 500 KB title), and ``storage.papers`` fits again before a
write, because DynamoDB refuses an item over 400 KB and boto3 cannot encode a lone
surrogate: either would fail the write.

Why per-field caps in UTF-8 bytes and not one cut of the whole item: a later sighting
may fill a field that is still empty (``merging.enrichment``). When every field has its
own cap and the caps add up to well under 400 KB, no sequence of fills can push a
stored item over the limit, so the update path needs no size arithmetic of its own.

What was cut is said in the paper itself: ``extra["truncated"]`` lists the fields
(``title``, ``abstract``, ``authors``, ``categories``, ``url``, ``id``, ``extra.<key>``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from typing import Any

from paperbell.models import Paper

#: Per-field caps in UTF-8 bytes. Their sum (~215 KB) leaves room under DynamoDB's
#: 400 KB item limit for the attribute names and the bookkeeping attributes.
ID_BYTES = 1_024  # DynamoDB allows 2,048 for a partition key
TITLE_BYTES = 2_048
ABSTRACT_BYTES = 64 * 1024
URL_BYTES = 8 * 1024
AUTHOR_BYTES = 512
AUTHORS_BYTES = 64 * 1024
CATEGORY_BYTES = 256
CATEGORIES_BYTES = 8 * 1024
EXTRA_BYTES = 64 * 1024
SOURCE_BYTES = 64

TRUNCATED = "truncated"

#: Lone surrogates (JSON "\ud800" decodes to one; UTF-8 cannot encode it), C0 controls
#: other than tab/newline/return and the two non-characters U+FFFE/U+FFFF: exactly the
#: characters XML 1.0 forbids (section 2.2), so web/feeds.py drops these same ones from
#: the feeds it serves. One pattern for both: compiling a character class costs a Python
#: loop over its ranges' width (~1 ms for these 2,080 characters, ~7 ms for XML's
#: 63,000-character "allowed" class), at every cold start.
INVALID_CHARACTERS = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean_text(text: str) -> str:
    """``text`` with lone surrogates and non-characters as U+FFFD, controls as spaces.

    ``str.isprintable`` (a fast C loop, false for every character replaced here) spares
    the regex for almost all text; the regex runs only where a line break, a soft hyphen
    or something really invalid is present.
    """
    if text.isprintable() or INVALID_CHARACTERS.search(text) is None:
        return text
    return INVALID_CHARACTERS.sub(_replacement, text)


def _replacement(match: re.Match[str]) -> str:
    return " " if match.group() < "\x20" else "\ufffd"


def cut_bytes(text: str, limit: int) -> str:
    """At most ``limit`` UTF-8 bytes, cut at a character boundary, with an ellipsis."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[: max(limit - 3, 0)].decode("utf-8", "ignore").rstrip() + "…"


def fit_paper(paper: Paper) -> Paper:
    """The paper with clean text and every field within its cap; ``paper`` if it fits.

    The common case (clean, small) costs length checks and one regex search over all
    the paper's text, and returns the same object (parsers fit every paper they make).
    """
    if _fits_as_is(paper):
        return paper
    cut: list[str] = []
    paper_id = clean_text(paper.id).strip()
    if len(paper_id.encode("utf-8")) > ID_BYTES:
        # A hash keeps the id stable across runs (the same guid gives the same paper).
        paper_id = "sha256:" + hashlib.sha256(paper_id.encode("utf-8")).hexdigest()
        cut.append("id")
    title = _fit_text(paper.title, TITLE_BYTES, "title", cut)
    abstract = _fit_text(paper.abstract, ABSTRACT_BYTES, "abstract", cut)
    url = clean_text(paper.url)
    if len(url.encode("utf-8")) > URL_BYTES:
        url = ""  # a cut link leads nowhere; no link is honest
        cut.append("url")
    authors = _fit_list(paper.authors, AUTHOR_BYTES, AUTHORS_BYTES, "authors", cut)
    categories = _fit_list(paper.categories, CATEGORY_BYTES, CATEGORIES_BYTES, "categories", cut)
    source = cut_bytes(clean_text(paper.source), SOURCE_BYTES)
    extra = fit_extra(paper.extra, cut)
    if cut:
        extra = {**extra, TRUNCATED: sorted({*_truncated(extra), *cut})}
    changed = (
        paper_id != paper.id or title is not paper.title or abstract is not paper.abstract
        or url != paper.url or authors != paper.authors or categories != paper.categories
        or source != paper.source or extra is not paper.extra
    )
    if not changed:
        return paper
    return replace(paper, id=paper_id, title=title, abstract=abstract, url=url,
                   authors=authors, categories=categories, source=source, extra=extra)


def _fits_as_is(paper: Paper) -> bool:
    """A cheap, conservative test: 4 bytes a character at most, nothing to replace."""
    if (len(paper.id) * 4 > ID_BYTES or len(paper.title) * 4 > TITLE_BYTES
            or len(paper.abstract) * 4 > ABSTRACT_BYTES or len(paper.url) * 4 > URL_BYTES
            or len(paper.source) * 4 > SOURCE_BYTES or paper.id != paper.id.strip()):
        return False
    for values, each, total in ((paper.authors, AUTHOR_BYTES, AUTHORS_BYTES),
                                (paper.categories, CATEGORY_BYTES, CATEGORIES_BYTES)):
        if values and (max(map(len, values)) * 4 > each
                       or sum(map(len, values)) * 4 + 4 * len(values) > total):
            return False
    strings: list[str] = []
    if not _small_extra(paper.extra, strings, 0):
        return False
    joined = "".join((paper.id, paper.title, paper.abstract, paper.url, paper.source,
                      *paper.authors, *paper.categories, *strings))
    return joined.isprintable() or INVALID_CHARACTERS.search(joined) is None


def _small_extra(value: Any, strings: list[str], budget: int) -> bool:
    """True when ``value``'s JSON surely fits ``EXTRA_BYTES`` (6 bytes a character at
    most); collects its strings for the one cleanliness check."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            strings.append(item)
            budget += len(item) * 6 + 3
        elif isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    return False
                strings.append(key)
                budget += len(key) * 6 + 4
                stack.append(child)
        elif isinstance(item, list | tuple):
            stack.extend(item)
            budget += 2
        elif item is None or isinstance(item, bool | int | float):
            budget += 24
        else:
            return False  # sets, dates, ...: the slow path turns them into JSON values
        if budget > EXTRA_BYTES or len(stack) > 10_000:
            return False
    return True


def fit_extra(extra: dict[str, Any], cut: list[str]) -> dict[str, Any]:
    """Clean strings in ``extra``; drop its largest keys while it is over its cap."""
    cleaned = _clean_value(extra)
    if not isinstance(cleaned, dict):
        cleaned = {}
    size = _json_size(cleaned)
    if size <= EXTRA_BYTES:
        return extra if cleaned == extra else cleaned
    sizes = sorted(((_json_size(v), k) for k, v in cleaned.items() if k != TRUNCATED),
                   reverse=True)
    kept = dict(cleaned)
    for key_size, key in sizes:
        if size <= EXTRA_BYTES:
            break
        del kept[key]
        size -= key_size
        cut.append(f"extra.{key}")
    return kept


def _fit_text(text: str, limit: int, name: str, cut: list[str]) -> str:
    cleaned = clean_text(text)
    if cleaned is not text:
        cleaned = " ".join(cleaned.split())  # titles and abstracts are one line
    fitted = cut_bytes(cleaned, limit)
    if fitted is not cleaned:
        cut.append(name)
        return fitted
    return text if cleaned is text else cleaned


def _fit_list(values: tuple[str, ...], each: int, total: int, name: str, cut: list[str]
              ) -> tuple[str, ...]:
    kept: list[str] = []
    used = 0
    shortened = False
    for value in values:
        fitted = cut_bytes(clean_text(value), each)
        shortened = shortened or len(fitted) != len(value)
        size = len(fitted.encode("utf-8")) + 4  # per-element overhead in an item
        if used + size > total:
            shortened = True
            break
        kept.append(fitted)
        used += size
    if shortened:
        cut.append(name)
    result = tuple(kept)
    return values if result == values else result


def _truncated(extra: dict[str, Any]) -> list[str]:
    value = extra.get(TRUNCATED)
    return [str(v) for v in value] if isinstance(value, list) else []


def _clean_value(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if depth > 20:  # extra is built by our parsers and is shallow; never recurse deeply
        return None
    if isinstance(value, dict):
        return {clean_text(str(k)): _clean_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean_value(v, depth + 1) for v in value]
    return value


def _json_size(value: Any) -> int:
    return len(json.dumps(value, default=str, ensure_ascii=False).encode("utf-8"))
