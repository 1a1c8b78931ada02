"""Request bodies (HTML form or JSON) -> validated values, with clear 4xx errors.

Why here and not in the routes: the page, the JSON API and the operator CLI accept the
same fields and must reject the same things with the same messages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from paperbell.errors import ConfigError, QueryError
from paperbell.scheduling import zone
from paperbell.web.errors import HttpError, bad_request

MODES = ("daily", "instant")
MAX_QUERIES = 20
MAX_BODY = 64 * 1024

Fields = dict[str, list[str]]


@dataclass(frozen=True)
class Preferences:
    queries: tuple[str, ...]
    delivery_hour: int = 8
    timezone: str = "UTC"
    mode: str = "daily"


@dataclass(frozen=True)
class SubscriptionForm:
    email: str
    preferences: Preferences


def parse_body(body: str | None, content_type: str | None) -> Fields:
    """Form-encoded or JSON body -> {name: [values]} (JSON lists become several values)."""
    text = body or ""
    if len(text) > MAX_BODY:
        raise HttpError(413, "too_large", "The request body is too large.")
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "application/json" or (not kind and text.lstrip().startswith("{")):
        try:
            data: Any = json.loads(text or "{}")
        except ValueError as exc:
            raise bad_request(f"The body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise bad_request("The JSON body must be an object.")
        fields: Fields = {}
        for key, value in data.items():
            values = value if isinstance(value, list) else [value]
            fields[str(key)] = ["" if v is None else str(v) for v in values]
        return fields
    return parse_qs(text, keep_blank_values=True)


def first(fields: Fields, *names: str, default: str = "") -> str:
    for name in names:
        values = fields.get(name)
        if values:
            return values[0]
    return default


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


def query_lines(fields: Fields) -> list[str]:
    """Queries from ``queries`` (a textarea, one per line) and/or repeated ``query``/``q``."""
    lines: list[str] = []
    for name in ("queries", "query", "q"):
        for value in fields.get(name, []):
            lines.extend(line.strip() for line in value.splitlines())
    return [line for line in lines if line]


def validate_queries(queries: list[str]) -> tuple[str, ...]:
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


def validate_preferences(fields: Fields, *, default_mode: str = "daily") -> Preferences:
    queries = validate_queries(query_lines(fields))
    raw_hour = first(fields, "hour", "delivery_hour", default="8").strip() or "8"
    try:
        hour = int(raw_hour)
    except ValueError:
        raise bad_request(f"The delivery hour must be a number 0-23, not {raw_hour!r}.",
                          field="hour") from None
    if not 0 <= hour <= 23:
        raise bad_request(f"The delivery hour must be 0-23, not {hour}.", field="hour")
    timezone = first(fields, "timezone", default="UTC").strip() or "UTC"
    try:
        zone(timezone)
    except ConfigError:
        raise bad_request(
            f"Unknown timezone {timezone!r}; use an IANA name like Europe/Berlin.",
            field="timezone",
        ) from None
    mode = first(fields, "mode", default=default_mode).strip() or default_mode
    if mode not in MODES:
        raise bad_request(f"The mode must be daily or instant, not {mode!r}.", field="mode")
    return Preferences(queries=queries, delivery_hour=hour, timezone=timezone, mode=mode)


def validate_subscription(fields: Fields) -> SubscriptionForm:
    email = validate_email_address(first(fields, "email"))
    return SubscriptionForm(email=email, preferences=validate_preferences(fields))
