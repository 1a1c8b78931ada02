"""The one rule set for subscriber input: addresses, queries, trending, liked and
disliked papers, hour, timezone, frequency, weekday, URLs.

Why one module: the subscribe page, the JSON API, the webhook API, the operator CLI
(``paperbell subscribers add``) and the subscribers file (``paperbell demo
--subscribers``) accept the same fields, so they must refuse the same input with the
same message. Every entry turns its input into :data:`Fields` (name -> list of text
values, the shape an HTML form has) and calls :func:`subscription_from_fields` or
:func:`preferences_from_fields`; a refusal is a :class:`~paperbell.errors.RequestError`
(status 400) naming the field, which each entry only presents (HTML, JSON, one CLI line).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from paperbell.errors import ConfigError, QueryError, RequestError, bad_request
from paperbell.models import WEEKDAY_NAMES
from paperbell.scheduling import zone

if TYPE_CHECKING:
    from paperbell.recommend.inputs import PaperRef

#: How often (the field is ``frequency``; ``mode`` is its old name, still accepted).
FREQUENCIES = ("daily", "weekly", "instant")
MODES = FREQUENCIES
#: What a subscription holds (the subscribe and manage forms' first choice).
#: "likes": only recommendations from the liked papers (no trending, no queries).
KINDS = ("trending", "queries", "both", "likes")
TRENDING_DEFAULT = 10
TRENDING_MAX = 50
_OFF = ("", "0", "false", "off", "no", "none", "null")
_ON = ("true", "on", "yes")
MAX_QUERIES = 20
DEFAULT_HOUR = 8
#: Longest input echoed back in a message (a 5,000-digit "hour" is not repeated whole).
_SHOWN = 40
_HOUR_RE = re.compile(r"[0-9]{1,2}", re.ASCII)

Fields = dict[str, list[str]]


@dataclass(frozen=True)
class Preferences:
    """A subscriber's validated choices: queries, schedule, trending and likes."""

    queries: tuple[str, ...]
    delivery_hour: int = DEFAULT_HOUR
    timezone: str = "UTC"
    mode: str = "daily"
    #: Trending top N (0: no trending section) and its optional filter query.
    trending_top: int = 0
    trending_filter: str = ""
    #: Day of a weekly digest (0 = Monday).
    weekday: int = 0
    #: Liked / disliked papers ("papers like these", issue 14) as parsed references;
    #: None when the input did not mention them (a save then keeps the current ones).
    likes: tuple[PaperRef, ...] | None = None
    dislikes: tuple[PaperRef, ...] | None = None
    #: What could not be used of the pasted papers (a BibTeX book entry, a stray word):
    #: reported to the subscriber, not fatal while other papers are usable.
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SubscriptionForm:
    """A validated sign-up: the address and the preferences."""

    email: str
    preferences: Preferences


# -- fields ----------------------------------------------------------------------------
def first(fields: Fields, *names: str, default: str = "") -> str:
    """The first value of the first of ``names`` that is present, else ``default``."""
    for name in names:
        values = fields.get(name)
        if values:
            return values[0]
    return default


def _lone_surrogate(text: str) -> int:
    """Where ``text``'s first lone surrogate is, or -1. UTF-8 can encode every other
    character, so the C encoder finds them (a regex class of the 2,048 surrogates costs
    ~1 ms to compile, at every cold start)."""
    if text.isascii():
        return -1
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return error.start
    return -1


def checked_text(fields: Fields) -> Fields:
    """``fields`` unchanged, or a refusal when a name or value holds a lone surrogate
    (JSON's ``"\\ud800"``): no table, mail or UTF-8 response could carry it."""
    for key, values in fields.items():
        for text in (key, *values):
            found = _lone_surrogate(text)
            if found >= 0:
                # "replace" writes one "?" for each character UTF-8 cannot encode.
                name = key.encode("utf-8", "replace").decode("utf-8")[:_SHOWN]
                raise bad_request(
                    f"The field {name!r} holds an invalid character (a lone surrogate, "
                    f"U+{ord(text[found]):04X}); please send plain UTF-8 text.",
                    field=name,
                )
    return fields


def fields_from_json(data: dict[Any, Any]) -> Fields:
    """A JSON object -> :data:`Fields` (lists become several values, null becomes "").

    The JSON API and the subscribers file both use this, so ``"hour": 7`` and
    ``hour=7`` in a form mean the same; nested objects are refused, not stringified."""
    fields: Fields = {}
    for key, value in data.items():
        if key == "trending" and isinstance(value, dict):
            # {"top": N, "filter": "QUERY"} is the one nested shape: flatten it.
            unknown = sorted(str(k)[:_SHOWN] for k in value if k not in ("top", "filter"))
            if unknown:
                raise bad_request(f"Unknown trending key(s) {', '.join(unknown)}; use top and "
                                  "filter.", field="trending")
            top = value.get("top", TRENDING_DEFAULT)
            fields["trending"] = [str(top).lower() if isinstance(top, bool) else str(top)]
            flt = value.get("filter")
            if flt is not None and not isinstance(flt, str):
                raise bad_request("The trending filter must be a query (text).",
                                  field="trending_filter")
            fields["trending_filter"] = [flt or ""]
            continue
        values = value if isinstance(value, list) else [value]
        texts = []
        for item in values:
            if isinstance(item, (dict, list)):
                raise bad_request(f"The field {str(key)[:_SHOWN]!r} must be text, a number or "
                                  "a list of them.", field=str(key)[:_SHOWN])
            if isinstance(item, bool):
                texts.append("true" if item else "false")
                continue
            texts.append("" if item is None else str(item))
        fields[str(key)] = texts
    return checked_text(fields)


def query_lines(fields: Fields) -> list[str]:
    """Queries from ``queries`` (a textarea, one per line) and/or repeated ``query``/``q``."""
    lines: list[str] = []
    for name in ("queries", "query", "q"):
        for value in fields.get(name, []):
            lines.extend(line.strip() for line in value.splitlines())
    return [line for line in lines if line]


def _shown(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "…")


# -- single values ---------------------------------------------------------------------
def validate_email_address(raw: str) -> str:
    """A normalized, lower-cased address (syntax only: no DNS, SES checks delivery)."""
    from email_validator import EmailNotValidError, validate_email

    text = raw.strip()
    if not text:
        raise bad_request("Please enter your e-mail address.", field="email")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise bad_request(f"That e-mail address is not valid: {exc}", field="email") from None
    if result.ascii_email is None:  # a non-ASCII local part would need SMTPUTF8
        raise bad_request(
            "paperbell can only mail addresses whose part before the @ is plain ASCII "
            "(letters a-z, digits, . _ + -); please use another address.",
            field="email",
        )
    return str(result.ascii_email).lower()  # an international domain in its xn-- form


def validate_queries(queries: list[str], *, required: bool = True) -> tuple[str, ...]:
    """The queries, each parsed once (duplicates dropped); the first bad one is refused
    with its index and the 0-based position of the problem."""
    from paperbell.matching import parse_query

    if not queries and required:
        raise bad_request("Please enter at least one query (or choose trending papers, or "
                          "name papers you like).", field="queries")
    if len(queries) > MAX_QUERIES:
        raise bad_request(f"At most {MAX_QUERIES} queries, please.", field="queries")
    for index, text in enumerate(queries):
        try:
            parse_query(text)
        except QueryError as exc:
            raise bad_request(
                f"Query {index + 1} ({text!r}): {exc.message}",
                field="queries",
                position=exc.position,
                query=text,
                index=index,
            ) from None
    return tuple(dict.fromkeys(queries))


def validate_hour(raw: str) -> int:
    """0-23 from ASCII digits ("" means the default). ``str.isdigit`` is not enough:
    it accepts "²" and 5,000-digit numbers, which ``int`` then refuses."""
    text = raw.strip()
    if not text:
        return DEFAULT_HOUR
    if not _HOUR_RE.fullmatch(text):
        raise bad_request(f"The delivery hour must be a number 0-23, not {_shown(text)}.",
                          field="hour")
    hour = int(text)
    if not 0 <= hour <= 23:
        raise bad_request(f"The delivery hour must be 0-23, not {hour}.", field="hour")
    return hour


def parse_hour(raw: str, default: int = DEFAULT_HOUR) -> int:
    """The hour ``raw`` names, or ``default`` when it names none (to re-show a form)."""
    try:
        return validate_hour(raw)
    except RequestError:
        return default


def validate_timezone(raw: str) -> str:
    name = raw.strip() or "UTC"
    try:
        zone(name)
    except ConfigError:
        raise bad_request(
            f"Unknown timezone {_shown(name)}; use an IANA name like Europe/Berlin.",
            field="timezone",
        ) from None
    return name


def validate_mode(raw: str, default: str = "daily", *, field: str = "mode") -> str:
    mode = raw.strip().lower() or default
    if mode not in MODES:
        raise bad_request(f"The {field} must be daily, weekly or instant, not {_shown(mode)}.",
                          field=field)
    return mode


def validate_trending(raw: str) -> int:
    """Trending top N: 1-50, "on"/"true" for the default 10, ""/"0"/"off" for none."""
    text = raw.strip().lower()
    if text in _OFF:
        return 0
    if text in _ON:
        return TRENDING_DEFAULT
    if not (text.isascii() and text.isdigit() and len(text) <= 3):
        raise bad_request(f"Trending takes a number of papers 1-{TRENDING_MAX}, not "
                          f"{_shown(raw.strip())}.", field="trending")
    top = int(text)
    if not 1 <= top <= TRENDING_MAX:
        raise bad_request(f"Trending takes 1-{TRENDING_MAX} papers, not {top}.",
                          field="trending")
    return top


def validate_trending_filter(raw: str) -> str:
    """A filter is a query in the query language (empty: the whole trending list)."""
    from paperbell.matching import parse_query

    text = raw.strip()
    if not text:
        return ""
    try:
        parse_query(text)
    except QueryError as exc:
        raise bad_request(f"Trending filter ({text!r}): {exc.message}", field="trending_filter",
                          position=exc.position, query=text) from None
    return text


def validate_weekday(raw: str) -> int:
    """0-6 (Monday = 0) or a day name or its first three letters; "" means Monday."""
    text = raw.strip().lower()
    if not text:
        return 0
    if text.isascii() and text.isdigit() and len(text) == 1 and int(text) <= 6:
        return int(text)
    for number, name in enumerate(WEEKDAY_NAMES):
        if len(text) >= 3 and name.startswith(text):
            return number
    raise bad_request(f"The weekday must be a day name (monday ... sunday), not {_shown(text)}.",
                      field="weekday")


#: The paper-list fields and how a message names them.
PAPER_FIELDS = {"like": "liked", "dislike": "disliked"}
#: Notes kept about what could not be used of one field (the rest are counted).
MAX_PAPER_NOTES = 9


def validate_papers(values: list[str], field: str) -> tuple[tuple[PaperRef, ...], tuple[str, ...]]:
    """Liked (``field="like"``) or disliked papers: each value is one id, URL or DOI, or
    a pasted list or BibTeX/Zotero export (recommend/inputs.py reads them). Returns the
    references (duplicates dropped) and one note per input that could not be used.

    Refused: more than 50 papers (the profile limit: better to say so than to keep an
    arbitrary 50), and a non-empty input of which nothing is usable (the subscriber
    meant something; silently ignoring it would hide the mistake)."""
    from paperbell.recommend.inputs import parse_paper_list
    from paperbell.recommend.profile import MAX_LIKES

    what = PAPER_FIELDS[field]
    texts = [value for value in values if value.strip()]
    refs: dict[tuple[str, str], PaperRef] = {}
    problems: list[str] = []
    for text in texts:
        parsed = parse_paper_list(text, limit=len(text))  # count all: the limit is ours
        for ref in parsed.refs:
            refs.setdefault((ref.kind, ref.value), ref)
        problems.extend(parsed.problems)
    if len(refs) > MAX_LIKES:
        raise bad_request(f"At most {MAX_LIKES} {what} papers, please ({len(refs)} given).",
                          field=field)
    if texts and not refs:
        shown = "; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)"
                                            if len(problems) > 3 else "")
        raise bad_request(f"None of the {what} papers could be used: {shown or 'nothing given'}. "
                          "Give arXiv ids, arXiv or Hugging Face paper links, DOIs or a BibTeX "
                          "export.", field=field)
    notes = [f"{what} papers: {p}" for p in problems[:MAX_PAPER_NOTES]]
    if len(problems) > MAX_PAPER_NOTES:  # a pasted essay is not 10,000 notes
        notes.append(f"{what} papers: and {len(problems) - MAX_PAPER_NOTES} more not used")
    return tuple(refs.values()), tuple(notes)


@dataclass(frozen=True)
class PaperLists:
    """The ``like`` and ``dislike`` fields, checked: None where a field was not given."""

    likes: tuple[PaperRef, ...] | None
    dislikes: tuple[PaperRef, ...] | None
    notes: tuple[str, ...] = ()


def validate_paper_lists(fields: Fields) -> PaperLists:
    """Both paper fields; a paper may not be liked and disliked at once."""
    likes, like_notes = validate_papers(fields["like"], "like") if "like" in fields \
        else (None, ())
    dislikes, dislike_notes = validate_papers(fields["dislike"], "dislike") \
        if "dislike" in fields else (None, ())
    both = {r.value for r in likes or ()} & {r.value for r in dislikes or ()}
    if both:
        raise bad_request("A paper cannot be liked and disliked at once: "
                          f"{', '.join(sorted(both)[:5])}.", field="dislike")
    return PaperLists(likes, dislikes, like_notes + dislike_notes)


def local_mode() -> bool:
    """PAPERBELL_LOCAL_MODE=1 (paperbell serve): http and loopback webhook URLs allowed."""
    return os.environ.get("PAPERBELL_LOCAL_MODE", "") == "1"


def validate_webhook_url(raw: str) -> str:
    """A URL the webhook sender may POST to (https, public address; see webhooks/ssrf)."""
    from paperbell.webhooks.ssrf import UnsafeURLError, check_url

    url = raw.strip()
    if not url:
        raise bad_request("A webhook needs a url.", field="url")
    local = local_mode()
    try:
        check_url(url, allow_http=local, allow_loopback=local)
    except UnsafeURLError as exc:
        raise bad_request(f"This webhook URL cannot be used: {exc}", field="url") from None
    return url


# -- whole inputs ----------------------------------------------------------------------
def preferences_from_fields(fields: Fields, *, default_mode: str = "daily",
                            has_likes: bool = False) -> Preferences:
    """What a subscriber reads and when: queries and/or trending and/or liked papers
    (``like``, with ``dislike``), hour, timezone, frequency (or its old name mode) and
    weekday. Any one of queries, trending and likes makes a subscription;
    ``has_likes`` says the subscriber already likes papers that this input (a manage
    save without ``like``) keeps.

    Forms send ``kind`` (trending | queries | both) with ``trending_top``; JSON sends
    ``trending`` (N or {"top", "filter"}) and ``queries``. Trending comes daily or weekly,
    so a subscription with trending and no frequency is daily even where instant is the
    default (webhooks)."""
    kind = first(fields, "kind").strip().lower()
    if kind and kind not in KINDS:
        raise bad_request(f"Choose trending, queries, both or likes, not {_shown(kind)}.",
                          field="kind")
    top = validate_trending(first(fields, "trending") or first(fields, "trending_top"))
    if kind in ("trending", "both") and not top:
        top = validate_trending(first(fields, "trending_top") or str(TRENDING_DEFAULT))
    if kind in ("queries", "likes"):
        top = 0
    papers = validate_paper_lists(fields)
    liking = bool(papers.likes) if papers.likes is not None else has_likes
    if kind == "likes" and not liking:
        raise bad_request("Please name at least one paper you like (an arXiv id, a paper "
                          "link, a DOI or a BibTeX export).", field="like")
    lines = [] if kind in ("trending", "likes") else query_lines(fields)
    queries = validate_queries(lines, required=(not top and not liking) or kind == "both")
    raw_frequency = first(fields, "frequency") or first(fields, "mode")
    field = "frequency" if first(fields, "frequency") else "mode"
    digest_only = bool(top or liking)
    default = "daily" if digest_only and default_mode == "instant" else default_mode
    mode = validate_mode(raw_frequency, default, field=field)
    if top and mode == "instant":
        raise bad_request("Trending papers come daily or weekly; instant is for keyword "
                          "matches only.", field=field)
    if liking and mode == "instant":
        raise bad_request("Recommendations come daily or weekly; instant is for keyword "
                          "matches only.", field=field)
    return Preferences(
        queries=queries,
        delivery_hour=validate_hour(first(fields, "hour", "delivery_hour")),
        timezone=validate_timezone(first(fields, "timezone")),
        mode=mode,
        trending_top=top,
        trending_filter=validate_trending_filter(
            first(fields, "trending_filter") or first(fields, "filter"))
        if top else "",
        weekday=validate_weekday(first(fields, "weekday")),
        likes=papers.likes,
        dislikes=papers.dislikes,
        notes=papers.notes,
    )


def subscription_from_fields(fields: Fields) -> SubscriptionForm:
    """A mail subscription: the address plus :func:`preferences_from_fields`."""
    email = validate_email_address(first(fields, "email"))
    return SubscriptionForm(email=email, preferences=preferences_from_fields(fields))
