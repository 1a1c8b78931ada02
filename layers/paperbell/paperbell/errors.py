"""The project's own exceptions.

Every bad input must end in one of these (never a bare traceback), so the CLI can print
one clear line and the functions can count and skip instead of crashing a whole batch.
"""

from __future__ import annotations

from typing import Any


class PaperbellError(Exception):
    """Base class: a problem paperbell can explain to a human in one line."""


class FeedError(PaperbellError):
    """A feed could not be fetched or read at all (as opposed to one bad item in it)."""


class SourceSpecError(PaperbellError):
    """A source name such as ``arxiv:cs.LG`` or ``rss:https://...`` is malformed."""


class QueryError(PaperbellError):
    """A subscriber query is invalid. ``position`` is the 0-based offset of the problem."""

    def __init__(self, message: str, position: int | None = None, query: str | None = None):
        self.message = message
        self.position = position
        self.query = query
        super().__init__(self.render())

    def render(self) -> str:
        """One line, plus a caret line under the query when the position is known."""
        if self.position is None or self.query is None:
            return self.message
        where = f" (at position {self.position})"
        return f"{self.message}{where}\n  {self.query}\n  {' ' * self.position}^"


class ConfigError(PaperbellError):
    """Configuration (environment, template, subscriber file) is missing or malformed."""


class DeliveryError(PaperbellError):
    """A message could not be delivered; ``permanent`` says whether a retry can help."""

    def __init__(self, message: str, *, permanent: bool):
        self.permanent = permanent
        super().__init__(message)


class RequestError(PaperbellError):
    """A subscriber-facing request paperbell refuses: bad input, a bad token, a limit.

    Why one class for every entry: the web page, the JSON API, the operator CLI and the
    subscribers file must refuse the same input with the same message, so validation
    and the use cases (services/) raise this and each entry only presents it. ``status``
    uses HTTP's numbers (400 bad input, 403 bad token, 404 gone, 409 wrong state, 413
    too large, 429 limit, 503 try later) because they already say what kind of refusal
    it is; ``code`` is stable for clients, ``field`` names the input at fault; for a bad
    query ``position`` (0-based) and ``query`` locate the problem and ``index`` says
    which of several queries it was.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        position: int | None = None,
        query: str | None = None,
        index: int | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.position = position
        self.query = query
        self.index = index

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        for name in ("field", "position", "query", "index"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        return body


def bad_request(message: str, *, field: str | None = None, **extra: Any) -> RequestError:
    return RequestError(400, "invalid_" + (field or "request"), message, field=field, **extra)


def bad_token(reason: str) -> RequestError:
    return RequestError(403, "invalid_token", f"This link is not valid ({reason}).",
                        field="token")


def gone() -> RequestError:
    return RequestError(404, "not_found", "This subscription does not exist (any more).")


def too_many() -> RequestError:
    return RequestError(429, "rate_limited",
                        "Too many requests from your address; try again later.")
