"""Request bodies (HTML form or JSON) -> :data:`~paperbell.validation.Fields`.

Only the HTTP part lives here (size limit, content type, JSON decoding); what the
fields may hold is :mod:`paperbell.validation`, shared with the CLI and the
subscribers file.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from paperbell.errors import RequestError, bad_request
from paperbell.validation import Fields, checked_text, fields_from_json

#: A pasted BibTeX/Zotero export of 50 liked papers with abstracts is ~100-200 KB.
MAX_BODY = 256 * 1024


def parse_body(body: str | None, content_type: str | None) -> Fields:
    """Form-encoded or JSON body -> {name: [values]} (JSON lists become several values)."""
    text = body or ""
    if len(text) > MAX_BODY:
        raise RequestError(413, "too_large", f"The request body is too large (at most "
                           f"{MAX_BODY // 1024} KiB).")
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "application/json" or (not kind and text.lstrip().startswith("{")):
        try:
            data: Any = json.loads(text or "{}")
        except ValueError as exc:
            raise bad_request(f"The body is not valid JSON: {exc}") from None
        except RecursionError:  # "[[[[..." 10,000 deep: the decoder's stack, not ours
            raise bad_request("The JSON body is nested too deeply.") from None
        if not isinstance(data, dict):
            raise bad_request("The JSON body must be an object.")
        return fields_from_json(data)
    return checked_text(parse_qs(text, keep_blank_values=True))
