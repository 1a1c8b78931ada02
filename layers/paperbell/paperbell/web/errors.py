"""Errors the web layer turns into 4xx responses (one clear message each)."""

from __future__ import annotations

from typing import Any

from paperbell.errors import PaperbellError


class HttpError(PaperbellError):
    """A request the API refuses: ``status`` plus a stable ``code`` and a message.

    ``field`` names the input at fault; for a bad query ``position`` (0-based) and
    ``query`` locate the problem, ``index`` says which of several queries it was.
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


def bad_request(message: str, *, field: str | None = None, **extra: Any) -> HttpError:
    return HttpError(400, "invalid_" + (field or "request"), message, field=field, **extra)


def bad_token(reason: str) -> HttpError:
    return HttpError(403, "invalid_token", f"This link is not valid ({reason}).", field="token")


def gone() -> HttpError:
    return HttpError(404, "not_found", "This subscription does not exist (any more).")


def too_many() -> HttpError:
    return HttpError(429, "rate_limited", "Too many requests from your address; try again later.")
