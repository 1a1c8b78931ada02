"""docs/openapi.json, generated from the resolver's routes (a test keeps it current).

Regenerate with ``python -m paperbell_dev.openapi [PATH]``. Needs pydantic, which the
dev install has (Powertools builds the schema with it); the Lambda layer never calls this.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from paperbell import __version__

DESCRIPTION = (
    "paperbell's subscriber API: the subscribe page with a live preview, double opt-in, "
    "manage, one-click unsubscribe (RFC 8058), per-subscriber Atom/JSON feeds and webhook "
    "subscribers. Links carry HMAC-signed tokens bound to one purpose and one subscriber."
)


def _query(name: str, description: str, *, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required,
            "description": description, "schema": {"type": "string"}}


_TOKEN = {"confirm": "confirm", "manage": "manage", "unsubscribe": "unsubscribe"}
_BEARER = {"name": "Authorization", "in": "header", "required": True,
           "description": "Bearer <manage token returned when the webhook was created>",
           "schema": {"type": "string"}}
_FORMAT = _query("format", "json for JSON instead of HTML")
#: Parameters the handlers read from the raw event (the resolver cannot see them).
PARAMETERS: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("/preview", "get"): [
        _query("q", "a query; repeat for several (also queries, one per line); q or like "
               "is required"),
        _query("like", "a liked paper (arXiv id, arXiv or Hugging Face link, DOI) or a pasted "
               "list or BibTeX export; repeatable: previews the recommendations"),
        _query("dislike", "a paper to get fewer like (as like); only with like"),
        _query("format", "json, or fragment for the live-preview HTML fragment"),
    ],
    **{
        (path, method): [_query("token", "signed manage token (the manage link's)",
                                required=True), *extra]
        for path, method, extra in (("/api/profile", "get", ()), ("/api/profile", "post", ()),
                                    ("/preview/next", "get", (_FORMAT,)))
    },
    **{
        (f"/{direction}", method): [
            _query("token", f"signed '{direction} like this' token of one paper in one "
                   "subscriber's mail", required=True), _FORMAT]
        for direction in ("more", "less")
        for method in ("get", "post")
    },
    **{
        (f"/{path}", method): [
            _query("token", f"signed {purpose} token from the mail link", required=True),
            _FORMAT,
        ]
        for path, purpose in _TOKEN.items()
        for method in ("get", "post")
    },
    ("/feed/{token}", "get"): [_query("format", "json for JSON Feed 1.1 instead of Atom")],
    ("/api/webhooks/{webhook_id}/rotate", "post"): [_BEARER],
    ("/api/webhooks/{webhook_id}", "delete"): [_BEARER],
}
_HTML_ROUTES = {"/", "/preview", "/subscriptions", "/confirm", "/manage", "/unsubscribe"}


def _describe(schema: dict[str, Any]) -> dict[str, Any]:
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            extra = PARAMETERS.get((path, method))
            if extra:
                operation["parameters"] = operation.get("parameters", []) + extra
            for status, response in operation.get("responses", {}).items():
                if path in _HTML_ROUTES:
                    response["content"] = {
                        "text/html": {"schema": {"type": "string"}},
                        "application/json": {"schema": {"type": "object"}},
                    }
                elif path == "/feed/{token}" and status == "200":
                    response["content"] = {
                        "application/atom+xml": {"schema": {"type": "string"}},
                        "application/feed+json": {"schema": {"type": "object"}},
                    }
                elif status == "204":
                    response.pop("content", None)
                else:
                    response["content"] = {"application/json": {"schema": {"type": "object"}}}
    return schema


def openapi_text() -> str:
    from paperbell.web.app import app

    schema = _describe(json.loads(
        app.get_openapi_json_schema(
            title="paperbell API", version=__version__, description=DESCRIPTION
        )
    ))
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def default_path() -> Path:
    from paperbell_dev.local.template import find_template

    return find_template().parent / "docs" / "openapi.json"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else default_path()
    path.write_text(openapi_text(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
