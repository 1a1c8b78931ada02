"""The project's own exceptions.

Every bad input must end in one of these (never a bare traceback), so the CLI can print
one clear line and the functions can count and skip instead of crashing a whole batch.
"""

from __future__ import annotations


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
