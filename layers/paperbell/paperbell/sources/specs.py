"""Source specs: the short strings in configuration that name where papers come from.

Why strings: operators write sources in a YAML file or a CLI flag (``hf:daily``,
``arxiv:cs.LG+cs.CL``, ``https://blog.example.org/feed.xml``). ``parse_source_spec``
validates them up front with messages that say what is wrong and what would be right,
and normalizes them (``name``) so the stored fetch state of ``arxiv:cs.lg`` and
``arxiv:cs.LG`` is one record.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from paperbell.errors import SourceSpecError

HF_API_URL = "https://huggingface.co/api/daily_papers"
HF_SITE_URL = "https://huggingface.co/"
ARXIV_RSS_URL = "https://rss.arxiv.org/rss/"
ARXIV_API_URL = "https://export.arxiv.org/api/query"

# Caps on how much one read of a paged source may fetch (also settable per read).
HF_PAGE_SIZE = 100  # the API's maximum ``limit``
HF_MAX_PAGES = 10
ARXIV_API_PAGE_SIZE = 100
ARXIV_API_MAX_RESULTS = 500

KINDS = ("hf", "hf-page", "arxiv", "arxiv-api", "feed", "file")

# arXiv archives (https://arxiv.org/category_taxonomy). Subjects are upper-case
# two-letter codes in these archives and lower-case words in the others
# (physics.optics, cond-mat.mes-hall).
ARXIV_UPPER_SUBJECT_ARCHIVES = frozenset(
    {"cs", "math", "stat", "econ", "eess", "q-bio", "q-fin", "astro-ph", "nlin"}
)
ARXIV_ARCHIVES = ARXIV_UPPER_SUBJECT_ARCHIVES | frozenset(
    {"physics", "cond-mat", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph",
     "nucl-ex", "nucl-th", "quant-ph"}
)
_CATEGORY_RE = re.compile(
    r"(?P<archive>[A-Za-z]+(?:-[A-Za-z]+)?)(?:\.(?P<subject>[A-Za-z]+(?:-[A-Za-z]+)?))?"
)
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEK_RE = re.compile(r"(?P<year>\d{4})-[Ww](?P<week>\d{2})")
_MONTH_RE = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})")
_PREFIX_RE = re.compile(r"(?P<prefix>[A-Za-z][A-Za-z0-9+.\-]*):(?P<rest>.*)", re.DOTALL)
_FEED_FORMATS = ("rss", "atom", "json")

SPEC_HELP = (
    "hf:daily, hf:daily/YYYY-MM-DD, hf:date/YYYY-MM-DD, hf:week/YYYY-Www, "
    "hf:month/YYYY-MM, hf:trending, hf-page:<url or path>, arxiv:cs.LG+cs.CL, "
    "arxiv-api:<search query>, rss:<url>, atom:<url>, json:<url>, <http(s) url>, "
    "or a local file path"
)


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A validated source.

    ``name`` is the normalized spec (use it as the state key). ``kind`` is one of
    ``KINDS``. HTTP kinds have ``url`` and fixed query ``params``; paged kinds (``hf``,
    ``arxiv-api``) add page parameters at read time, up to ``max_items``. ``file`` has
    ``path``. ``categories`` are the arXiv categories of an ``arxiv`` spec;
    ``format_hint`` is what an ``rss:``/``atom:``/``json:`` prefix declared
    (informational: formats are always detected from content).
    """

    name: str
    kind: str
    url: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    path: str | None = None
    categories: tuple[str, ...] = ()
    format_hint: str | None = None
    max_items: int | None = None
    page_size: int | None = None

    @property
    def paged(self) -> bool:
        return self.kind in ("hf", "arxiv-api")

    def request_url(self, **page_params: str | int) -> str:
        """The URL for one request: fixed params, then page params, in a stable order."""
        if self.url is None:
            raise SourceSpecError(f"source {self.name!r} is not fetched over HTTP")
        pairs = [*self.params, *((k, str(v)) for k, v in page_params.items())]
        if not pairs:
            return self.url
        separator = "&" if "?" in self.url else "?"
        return f"{self.url}{separator}{urlencode(pairs, safe=':+')}"


def parse_source_spec(text: str) -> SourceSpec:
    """Validate and normalize a source spec; ``SourceSpecError`` explains a bad one."""
    if not isinstance(text, str):
        raise SourceSpecError(f"a source spec must be text, got {type(text).__name__}")
    raw = text.strip()
    if not raw:
        raise SourceSpecError(f"empty source spec; use one of: {SPEC_HELP}")
    # NUL and lone surrogates can be neither a file path nor UTF-8 in a URL.
    bad = next((ch for ch in raw if ch == "\x00" or "\ud800" <= ch <= "\udfff"), None)
    if bad is not None:
        raise SourceSpecError(f"source spec {raw!r} contains the invalid character {bad!r}")
    lowered = raw.lower()
    if lowered.startswith(("http://", "https://")):
        return _feed_spec(raw, None)
    if lowered.startswith("file://"):
        return _file_spec(urlsplit(raw).path, raw)
    if _looks_like_path(raw):
        return _file_spec(raw, raw)
    match = _PREFIX_RE.fullmatch(raw)
    if match is None:
        raise SourceSpecError(f"unrecognized source spec {raw!r}; use one of: {SPEC_HELP}")
    prefix = match.group("prefix").lower()
    rest = match.group("rest").strip()
    if prefix == "hf":
        return _hf_spec(rest)
    if prefix == "hf-page":
        return _hf_page_spec(rest)
    if prefix == "arxiv":
        return _arxiv_rss_spec(rest)
    if prefix == "arxiv-api":
        return _arxiv_api_spec(rest)
    if prefix in _FEED_FORMATS:
        if not rest.lower().startswith(("http://", "https://")):
            raise SourceSpecError(f"{prefix}: needs an http(s) URL, e.g. {prefix}:https://example.org/feed")
        return _feed_spec(rest, prefix)
    if prefix == "file":
        return _file_spec(rest, raw)
    known = ["hf", "hf-page", "arxiv", "arxiv-api", "rss", "atom", "json", "file"]
    close = difflib.get_close_matches(prefix, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise SourceSpecError(
        f"unknown source kind {prefix!r} in {raw!r}{hint}; use one of: {SPEC_HELP}"
    )


def _looks_like_path(raw: str) -> bool:
    if raw.startswith(("/", "./", "../", "~", "\\")):
        return True
    if re.match(r"[A-Za-z]:[\\/]", raw):  # C:\feeds\x.xml
        return True
    return ":" not in raw and (
        "/" in raw or raw.lower().endswith((".xml", ".json", ".rss", ".atom", ".html", ".htm"))
    )


def _file_spec(path: str, raw: str) -> SourceSpec:
    path = path.strip()
    if not path:
        raise SourceSpecError(f"{raw!r}: file path is empty")
    expanded = os.path.expanduser(path)
    return SourceSpec(name=f"file:{path}", kind="file", path=expanded)


def _hf_spec(rest: str) -> SourceSpec:
    what, _, arg = rest.partition("/")
    what = what.strip().lower()
    arg = arg.strip()
    if what == "daily" and not arg:
        return _hf("hf:daily", ())
    if what == "trending" and not arg:
        return _hf("hf:trending", (("sort", "trending"),))
    if what in ("daily", "date"):
        day = _valid_date(arg, "hf:date/YYYY-MM-DD")
        return _hf(f"hf:date/{day}", (("date", day),))
    if what == "week":
        week = _valid_week(arg)
        return _hf(f"hf:week/{week}", (("week", week),))
    if what == "month":
        month = _valid_month(arg)
        return _hf(f"hf:month/{month}", (("month", month),))
    raise SourceSpecError(
        f"unknown Hugging Face source 'hf:{rest}'; use hf:daily, hf:daily/YYYY-MM-DD, "
        "hf:date/YYYY-MM-DD, hf:week/YYYY-Www, hf:month/YYYY-MM or hf:trending"
    )


def _hf(name: str, params: tuple[tuple[str, str], ...]) -> SourceSpec:
    return SourceSpec(
        name=name,
        kind="hf",
        url=HF_API_URL,
        params=params,
        max_items=HF_PAGE_SIZE * HF_MAX_PAGES,
        page_size=HF_PAGE_SIZE,
    )


def _valid_date(arg: str, form: str) -> str:
    if not _DATE_RE.fullmatch(arg):
        raise SourceSpecError(f"bad date {arg!r}: expected {form}")
    try:
        date.fromisoformat(arg)
    except ValueError:
        raise SourceSpecError(f"bad date {arg!r}: no such day") from None
    return arg


def _valid_week(arg: str) -> str:
    match = _WEEK_RE.fullmatch(arg)
    if match is None:
        raise SourceSpecError(f"bad week {arg!r}: expected an ISO week like 2026-W19")
    year, week = int(match.group("year")), int(match.group("week"))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise SourceSpecError(f"bad week {arg!r}: {year} has no ISO week {week}") from None
    return f"{year:04d}-W{week:02d}"


def _valid_month(arg: str) -> str:
    match = _MONTH_RE.fullmatch(arg)
    if match is None or not 1 <= int(match.group("month")) <= 12:
        raise SourceSpecError(f"bad month {arg!r}: expected YYYY-MM, e.g. 2026-05")
    return arg


def _hf_page_spec(rest: str) -> SourceSpec:
    target = rest or "papers"
    if target.lower().startswith(("http://", "https://")):
        url = _valid_url(target, "hf-page:")
    elif ":" in target.split("/")[0]:
        raise SourceSpecError(f"hf-page: expects an http(s) URL or a path, got {rest!r}")
    else:
        url = HF_SITE_URL + target.lstrip("/")
    return SourceSpec(name=f"hf-page:{url}", kind="hf-page", url=url)


def normalize_category(raw: str) -> str:
    """``cs.lg`` -> ``cs.LG``; ``Physics.Optics`` -> ``physics.optics``; errors explain."""
    category = raw.strip()
    match = _CATEGORY_RE.fullmatch(category)
    if match is None:
        raise SourceSpecError(
            f"bad arXiv category {raw!r}: expected archive.SUBJECT such as cs.LG, math.AG, "
            "physics.optics, or an archive such as hep-th"
        )
    archive = match.group("archive").lower()
    subject = match.group("subject")
    if archive not in ARXIV_ARCHIVES:
        close = difflib.get_close_matches(archive, sorted(ARXIV_ARCHIVES), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise SourceSpecError(f"unknown arXiv archive {archive!r} in {raw!r}{hint}")
    if subject is None:
        return archive
    if archive in ARXIV_UPPER_SUBJECT_ARCHIVES:
        if not re.fullmatch(r"[A-Za-z]{2}", subject):
            raise SourceSpecError(
                f"bad arXiv category {raw!r}: {archive} subjects are two letters, e.g. "
                f"{archive}.{'LG' if archive == 'cs' else 'XX'}"
            )
        return f"{archive}.{subject.upper()}"
    return f"{archive}.{subject.lower()}"


def _arxiv_rss_spec(rest: str) -> SourceSpec:
    parts = [p for p in re.split(r"[+,\s]+", rest) if p]
    if not parts:
        raise SourceSpecError("arxiv: needs at least one category, e.g. arxiv:cs.LG+cs.CL")
    categories: list[str] = []
    for part in parts:
        category = normalize_category(part)
        if category not in categories:
            categories.append(category)
    joined = "+".join(categories)
    return SourceSpec(
        name=f"arxiv:{joined}",
        kind="arxiv",
        url=ARXIV_RSS_URL + joined,
        categories=tuple(categories),
    )


_ARXIV_API_KEEP = ("search_query", "id_list", "sortBy", "sortOrder")
_ARXIV_SORT_BY = ("relevance", "lastUpdatedDate", "submittedDate")


def _arxiv_api_spec(rest: str) -> SourceSpec:
    if not rest:
        raise SourceSpecError(
            "arxiv-api: needs a search query, e.g. arxiv-api:cat:cs.CL AND abs:retrieval"
        )
    if rest.startswith(("search_query=", "id_list=")):
        pairs = parse_qsl(rest, keep_blank_values=False)
        unknown = sorted({k for k, _ in pairs} - set(_ARXIV_API_KEEP) - {"start", "max_results"})
        if unknown:
            raise SourceSpecError(f"arxiv-api: unsupported parameter(s) {', '.join(unknown)}")
        params = {k: " ".join(v.split()) for k, v in pairs if k in _ARXIV_API_KEEP}
    else:
        params = {"search_query": " ".join(rest.split())}
    if not params.get("search_query") and not params.get("id_list"):
        raise SourceSpecError("arxiv-api: the search query is empty")
    query = params.get("search_query", "")
    if query.count("(") != query.count(")"):
        raise SourceSpecError(f"arxiv-api: unbalanced parentheses in {query!r}")
    if params.get("sortBy", "submittedDate") not in _ARXIV_SORT_BY:
        raise SourceSpecError(f"arxiv-api: sortBy must be one of {', '.join(_ARXIV_SORT_BY)}")
    if params.get("sortOrder", "descending") not in ("ascending", "descending"):
        raise SourceSpecError("arxiv-api: sortOrder must be ascending or descending")
    params.setdefault("sortBy", "submittedDate")
    params.setdefault("sortOrder", "descending")
    ordered = tuple((k, params[k]) for k in _ARXIV_API_KEEP if k in params)
    if set(params) == {"search_query", "sortBy", "sortOrder"} and (
        params["sortBy"], params["sortOrder"]) == ("submittedDate", "descending"):
        name = f"arxiv-api:{query}"
    else:
        name = "arxiv-api:" + "&".join(f"{k}={v}" for k, v in ordered)
    return SourceSpec(
        name=name,
        kind="arxiv-api",
        url=ARXIV_API_URL,
        params=ordered,
        max_items=ARXIV_API_MAX_RESULTS,
        page_size=ARXIV_API_PAGE_SIZE,
    )


def _valid_url(raw: str, prefix: str) -> str:
    try:
        parts = urlsplit(raw.strip())
    except ValueError as exc:
        raise SourceSpecError(f"{prefix} bad URL {raw!r}: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SourceSpecError(f"{prefix} bad URL {raw!r}: expected http(s)://host/...")
    if any(ch.isspace() for ch in raw.strip()):
        raise SourceSpecError(f"{prefix} bad URL {raw!r}: URLs cannot contain spaces")
    netloc = parts.netloc if "@" in parts.netloc else parts.netloc.lower()
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def _feed_spec(raw: str, prefix: str | None) -> SourceSpec:
    url = _valid_url(raw, f"{prefix}:" if prefix else "feed")
    name = f"{prefix}:{url}" if prefix else url
    return SourceSpec(name=name, kind="feed", url=url, format_hint=prefix)
