"""The one rule set for subscriber input: addresses, queries, hour, timezone, mode, URLs.

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
from typing import Any

from paperbell.errors import ConfigError, QueryError, RequestError, bad_request
from paperbell.scheduling import zone

MODES = ("daily", "instant")
MAX_QUERIES = 20
DEFAULT_HOUR = 8
#: Longest input echoed back in a message (a 5,000-digit "hour" is not repeated whole).
_SHOWN = 40
_HOUR_RE = re.compile(r"[0-9]{1,2}", re.ASCII)

Fields = dict[str, list[str]]


@dataclass(frozen=True)
class Preferences:
    queries: tuple[str, ...]
    delivery_hour: int = DEFAULT_HOUR
    timezone: str = "UTC"
    mode: str = "daily"


@dataclass(frozen=True)
class SubscriptionForm:
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


def fields_from_json(data: dict[Any, Any]) -> Fields:
    """A JSON object -> :data:`Fields` (lists become several values, null becomes "").

    The JSON API and the subscribers file both use this, so ``"hour": 7`` and
    ``hour=7`` in a form mean the same; nested objects are refused, not stringified."""
    fields: Fields = {}
    for key, value in data.items():
        values = value if isinstance(value, list) else [value]
        texts = []
        for item in values:
            if isinstance(item, (dict, list)):
                raise bad_request(f"The field {str(key)[:_SHOWN]!r} must be text, a number or "
                                  "a list of them.", field=str(key)[:_SHOWN])
            texts.append("" if item is None else str(item))
        fields[str(key)] = texts
    return fields


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
    return str(result.normalized).lower()


def validate_queries(queries: list[str]) -> tuple[str, ...]:
    """The queries, each parsed once (duplicates dropped); the first bad one is refused
    with its index and the 0-based position of the problem."""
    from paperbell.matching import parse_query

    if not queries:
        raise bad_request("Please enter at least one query.", field="queries")
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


def validate_mode(raw: str, default: str = "daily") -> str:
    mode = raw.strip() or default
    if mode not in MODES:
        raise bad_request(f"The mode must be daily or instant, not {_shown(mode)}.",
                          field="mode")
    return mode


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
def preferences_from_fields(fields: Fields, *, default_mode: str = "daily") -> Preferences:
    """What a subscriber reads and when: queries, hour, timezone, mode."""
    return Preferences(
        queries=validate_queries(query_lines(fields)),
        delivery_hour=validate_hour(first(fields, "hour", "delivery_hour")),
        timezone=validate_timezone(first(fields, "timezone")),
        mode=validate_mode(first(fields, "mode"), default_mode),
    )


def subscription_from_fields(fields: Fields) -> SubscriptionForm:
    """A mail subscription: the address plus :func:`preferences_from_fields`."""
    email = validate_email_address(first(fields, "email"))
    return SubscriptionForm(email=email, preferences=preferences_from_fields(fields))
