"""What a route reads from the HTTP API event: query, headers, body, source IP, token.

Routes wrap the resolver's current event in a :class:`Request`; nothing here knows a
use case, a table or a page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from paperbell.errors import RequestError
from paperbell.validation import Fields, checked_text, first
from paperbell.web.forms import parse_body

JSON = "application/json"


class Request:
    def __init__(self, event: Any):
        self.event = event

    @property
    def path(self) -> str:
        return str(self.event.path or "")

    @property
    def query(self) -> Fields:
        """The query string's fields; a lone surrogate in it is refused (400)."""
        return checked_text(self._raw_query())

    def _raw_query(self) -> Fields:
        return parse_qs(self.event.raw_query_string or "", keep_blank_values=True)

    def header(self, name: str) -> str:
        headers = self.event.headers or {}
        for key, value in headers.items():
            if key.lower() == name.lower():
                return str(value)
        return ""

    @property
    def wants_json(self) -> bool:
        """``format=json``, or an Accept header that asks for JSON and not HTML."""
        # The raw fields: this also decides how a refusal of the query itself is shown.
        if first(self._raw_query(), "format") == "json":
            return True
        accept = self.header("accept")
        return "application/json" in accept and "text/html" not in accept

    @property
    def has_json_body(self) -> bool:
        return self.header("content-type").split(";")[0].strip().lower() == JSON

    @property
    def answers_json(self) -> bool:
        """JSON in, JSON out: a JSON body or an Accept/format asking for JSON."""
        return self.has_json_body or self.wants_json

    def body(self) -> Fields:
        try:
            text = self.event.decoded_body
        except ValueError:  # binary (not UTF-8) or invalid base64 body; both are ValueErrors
            raise RequestError(400, "invalid_body",
                               "The request body is not UTF-8 text.") from None
        return parse_body(text, self.header("content-type"))

    @property
    def source_ip(self) -> str:
        try:
            return str(self.event.request_context.http.source_ip or "")
        except (AttributeError, KeyError):
            return ""

    @property
    def token(self) -> str | None:
        return first(self.query, "token") or None
