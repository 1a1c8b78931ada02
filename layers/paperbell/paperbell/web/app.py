"""The HTTP API: one Powertools ``APIGatewayHttpResolver`` for pages, JSON and feeds.

functions/api/api_handler.py calls :func:`handle`; ``paperbell serve`` passes the same
events to that handler. Routes are thin: parse, call :mod:`.service`, render.
Every token-bearing page is sent with ``Referrer-Policy: no-referrer`` and
``Cache-Control: no-store`` so links never leak through Referer headers or caches.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from paperbell.observability import logger
from paperbell.web import assets, feeds, pages, service
from paperbell.web.errors import HttpError
from paperbell.web.forms import (
    Fields,
    first,
    parse_body,
    query_lines,
    validate_subscription,
)

app = APIGatewayHttpResolver()

HTML = "text/html; charset=utf-8"
JSON = "application/json"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
NO_STORE = {"Cache-Control": "no-store"}

_HTML_OK: dict[int, Any] = {200: {"description": "HTML page (JSON with Accept: application/json)"}}
_ERRORS: dict[int, Any] = {
    400: {"description": "Invalid input; JSON {error, message, field, position, query}"},
    403: {"description": "Forged, expired or wrong-purpose token"},
    404: {"description": "The subscription does not exist (any more)"},
}


# -- request helpers -------------------------------------------------------------------
def _query() -> Fields:
    return parse_qs(app.current_event.raw_query_string or "", keep_blank_values=True)


def _header(name: str) -> str:
    headers = app.current_event.headers or {}
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value)
    return ""


def _wants_json(query: Fields | None = None) -> bool:
    query = _query() if query is None else query
    if first(query, "format") == "json":
        return True
    accept = _header("accept")
    return "application/json" in accept and "text/html" not in accept


def _body() -> Fields:
    try:
        text = app.current_event.decoded_body
    except ValueError:  # binary (not UTF-8) or invalid base64 body; both are ValueErrors
        raise HttpError(400, "invalid_body", "The request body is not UTF-8 text.") from None
    return parse_body(text, _header("content-type"))


def _is_json_body() -> bool:
    return _header("content-type").split(";")[0].strip().lower() == JSON


def _source_ip() -> str:
    try:
        return str(app.current_event.request_context.http.source_ip or "")
    except (AttributeError, KeyError):
        return ""


def _token(query: Fields) -> str | None:
    return first(query, "token") or None


def _web() -> service.Web:
    return service.Web.from_env()


def html_response(body: str, status: int = 200, *, private: bool = True) -> Response[str]:
    headers = {**SECURITY_HEADERS, **(NO_STORE if private else {})}
    return Response(status_code=status, content_type=HTML, body=body, headers=headers)


def json_response(data: Any, status: int = 200) -> Response[str]:
    return Response(
        status_code=status,
        content_type=JSON,
        body=json.dumps(data, ensure_ascii=False, default=str),
        headers={**NO_STORE, "X-Content-Type-Options": "nosniff"},
    )


@app.exception_handler(HttpError)
def _http_error(error: HttpError) -> Response[str]:
    if _wants_json() or _is_json_body() or app.current_event.path.startswith("/api/"):
        return json_response(error.as_json(), error.status)
    return html_response(pages.error_page(error), error.status)


@app.not_found
def _not_found(_: Exception) -> Response[str]:
    return _http_error(HttpError(404, "not_found", "There is no such page."))


# -- pages -----------------------------------------------------------------------------
@app.get("/", summary="The subscribe page", responses={200: {"description": "HTML form"}},
         tags=["pages"])
def index() -> Response[str]:
    return html_response(pages.subscribe_page(), private=False)


@app.get("/app.css", include_in_schema=False)
def stylesheet() -> Response[str]:
    return Response(200, "text/css; charset=utf-8", assets.CSS,
                    headers={"Cache-Control": "public, max-age=3600"})


@app.get("/app.js", include_in_schema=False)
def script() -> Response[str]:
    return Response(200, "text/javascript; charset=utf-8", assets.JS,
                    headers={"Cache-Control": "public, max-age=3600"})


@app.get(
    "/preview",
    summary="Papers of the last 7 days that a query matches",
    description="Repeat q for several queries. HTML by default; JSON with "
    "Accept: application/json or format=json; format=fragment returns the HTML fragment "
    "the subscribe page shows live. A bad query answers 400 with its position.",
    responses={**_HTML_OK, 400: _ERRORS[400]},
    tags=["subscribe"],
)
def preview() -> Response[str]:
    query = _query()
    queries = query_lines(query)
    fmt = first(query, "format")
    days = service.PREVIEW_DAYS
    result: service.Preview | None = None
    error: HttpError | None = None
    try:
        result = service.preview(service.settings().papers_table, queries, days=days)
    except HttpError as exc:
        error = exc
    status = error.status if error else 200
    if _wants_json(query):
        return json_response(error.as_json() if error else result.as_json(), status)  # type: ignore[union-attr]
    if fmt == "fragment":
        return html_response(pages.preview_fragment(result, error), status, private=False)
    return html_response(pages.preview_page(queries, result, error), status, private=False)


@app.post(
    "/subscriptions",
    summary="Subscribe (double opt-in)",
    description="Form-encoded or JSON: email, queries (one per line or a list), hour (0-23), "
    "timezone (IANA), mode (daily|instant). Creates a pending subscriber and mails a "
    "confirmation link. The answer is the same whether or not the address is known. "
    "At most one mail per address per day and 20 requests per source IP per hour.",
    responses={
        202: {"description": "Accepted: check your inbox"},
        400: _ERRORS[400],
        429: {"description": "Too many requests from this source IP"},
    },
    tags=["subscribe"],
)
def subscribe() -> Response[str]:
    as_json = _is_json_body() or _wants_json()
    fields = _body()
    try:
        form = validate_subscription(fields)
    except HttpError as exc:
        if as_json:
            raise
        hour_text = first(fields, "hour", default="8")
        return html_response(
            pages.subscribe_page(
                email=first(fields, "email"),
                queries="\n".join(query_lines(fields)),
                hour=int(hour_text) if hour_text.isdigit() and int(hour_text) < 24 else 8,
                timezone=first(fields, "timezone", default="UTC"),
                mode=first(fields, "mode", default="daily"),
                error=exc,
            ),
            exc.status,
        )
    outcome = service.subscribe(_web(), form, _source_ip())
    logger.info("subscription requested", extra={"outcome": outcome})
    if as_json:
        return json_response({"status": "pending", "message": service.SUBSCRIBE_ACCEPTED}, 202)
    return html_response(
        pages.message_page("Check your inbox", [service.SUBSCRIBE_ACCEPTED]), 202
    )


@app.get(
    "/confirm",
    summary="Confirm a subscription (the link in the confirmation mail)",
    responses={**_HTML_OK, **_ERRORS},
    tags=["subscribe"],
)
def confirm() -> Response[str]:
    web = _web()
    subscriber = service.confirm(web, _token(_query()))
    if _wants_json():
        return json_response({"status": subscriber.status, "subscriber_id": subscriber.id})
    return html_response(
        pages.message_page(
            "Subscription confirmed",
            [
                f"Thanks, {subscriber.email} is subscribed. The first papers arrive at "
                f"{subscriber.delivery_hour:02d}:00 ({subscriber.timezone}) once some match.",
            ],
            links=[
                ("Manage your subscription", web.link("manage", subscriber.id)),
                ("Your matches as an Atom feed", web.link("feed", subscriber.id)),
            ],
        )
    )


def _manage_view(web: service.Web, subscriber: Any, token: str, **kwargs: Any) -> Response[str]:
    status = kwargs.pop("status", 200)
    if _wants_json():
        error = kwargs.get("error")
        if error is not None:
            return json_response(error.as_json(), error.status)
        return json_response(_subscriber_json(subscriber), status)
    return html_response(
        pages.manage_page(
            subscriber, token, feed_url=web.link("feed", subscriber.id),
            unsubscribe_url=web.link("unsubscribe", subscriber.id), **kwargs,
        ),
        status,
    )


def _subscriber_json(subscriber: Any) -> dict[str, Any]:
    return dict(subscriber.public_json())


@app.get(
    "/manage",
    summary="The manage page (edit queries, hour, timezone, mode; pause; delete)",
    responses={**_HTML_OK, **_ERRORS},
    tags=["manage"],
)
def manage_get() -> Response[str]:
    web = _web()
    token = _token(_query())
    subscriber = web.subscriber_for(token, "manage")
    return _manage_view(web, subscriber, token or "")


@app.post(
    "/manage",
    summary="Change a subscription",
    description="Form or JSON with action=save (queries, hour, timezone, mode), pause, "
    "resume or delete (all personal data: subscriber, pending matches, ledger).",
    responses={**_HTML_OK, **_ERRORS},
    tags=["manage"],
)
def manage_post() -> Response[str]:
    web = _web()
    token = _token(_query())
    subscriber = web.subscriber_for(token, "manage")
    fields = _body()
    action = first(fields, "action", default="save")
    if action == "delete":
        service.delete_all(web, subscriber.id)
        if _wants_json() or _is_json_body():
            return json_response({"status": "deleted"})
        return html_response(pages.message_page(
            "Your data is deleted",
            ["Your address, queries and pending papers are gone. Nothing more will be sent."],
        ))
    if action == "pause":
        return _manage_view(web, service.pause(web, subscriber), token or "",
                            notice="Paused. No mail until you resume.")
    if action == "resume":
        return _manage_view(web, service.resume(web, subscriber), token or "",
                            notice="Resumed. Mail starts again.")
    if action != "save":
        raise HttpError(400, "invalid_action", f"Unknown action {action!r}.", field="action")
    try:
        updated = service.update_preferences(web, subscriber, fields)
    except HttpError as exc:
        return _manage_view(web, subscriber, token or "", error=exc, status=exc.status,
                            queries_text="\n".join(query_lines(fields)))
    return _manage_view(web, updated, token or "", notice="Saved.")


@app.get(
    "/unsubscribe",
    summary="The unsubscribe page (one button)",
    responses={**_HTML_OK, **_ERRORS},
    tags=["manage"],
)
def unsubscribe_get() -> Response[str]:
    web = _web()
    token = _token(_query())
    subscriber = web.subscriber_for(token, "unsubscribe")
    return html_response(pages.unsubscribe_page(subscriber, token or ""))


@app.post(
    "/unsubscribe",
    summary="Unsubscribe now (RFC 8058 one-click: body List-Unsubscribe=One-Click)",
    responses={**_HTML_OK, **_ERRORS},
    tags=["manage"],
)
def unsubscribe_post() -> Response[str]:
    web = _web()
    subscriber_id = web.verify(_token(_query()), "unsubscribe")
    subscriber = service.unsubscribe(web, subscriber_id)
    if _wants_json():
        return json_response({"status": subscriber.status})
    return html_response(pages.message_page(
        "You are unsubscribed",
        ["No more paperbell mail will be sent to this address."],
        links=[("Changed your mind? Manage your subscription",
                web.link("manage", subscriber.id))],
    ))


@app.get(
    "/feed/<token>",
    summary="The subscriber's recent matches as Atom (JSON Feed with format=json)",
    responses={200: {"description": "application/atom+xml or application/feed+json"},
               **_ERRORS},
    tags=["feeds"],
)
def feed(token: str) -> Response[str]:
    web = _web()
    subscriber = web.subscriber_for(token, "feed")
    items = service.feed_items(web, subscriber)
    self_url = web.link("feed", subscriber.id)
    if first(_query(), "format") == "json":
        return Response(200, "application/feed+json",
                        json.dumps(feeds.json_feed(items, self_url), ensure_ascii=False),
                        headers=dict(NO_STORE))
    return Response(200, "application/atom+xml; charset=utf-8",
                    feeds.atom(subscriber, items, self_url), headers=dict(NO_STORE))


# -- webhooks (JSON) -------------------------------------------------------------------
@app.post(
    "/api/webhooks",
    summary="Create a webhook subscriber",
    description='JSON {"url", "queries", "mode"?: "instant"|"daily", "hour"?, "timezone"?, '
    '"email"?}. Returns the Standard Webhooks signing secret (shown once) and a manage '
    "token for rotate/delete (Authorization: Bearer <token>).",
    responses={201: {"description": "Created"}, 400: _ERRORS[400],
               429: {"description": "Too many requests"}},
    tags=["webhooks"],
)
def create_webhook() -> Response[str]:
    web = _web()
    created = service.create_webhook(web, _body(), _source_ip())
    return json_response(
        {**_subscriber_json(created.subscriber), "secret": created.secret,
         "manage_token": created.manage_token},
        201,
    )


@app.post(
    "/api/webhooks/<webhook_id>/rotate",
    summary="Rotate a webhook's signing secret",
    responses={200: {"description": "The new secret"}, 401: {"description": "No token"},
               **_ERRORS},
    tags=["webhooks"],
)
def rotate_webhook(webhook_id: str) -> Response[str]:
    web = _web()
    subscriber = service.webhook_for(web, webhook_id, _header("authorization"))
    return json_response({"id": subscriber.id, "secret": service.rotate_webhook(web, subscriber)})


@app.delete(
    "/api/webhooks/<webhook_id>",
    summary="Delete a webhook subscriber and its data",
    responses={204: {"description": "Deleted"}, 401: {"description": "No token"}, **_ERRORS},
    tags=["webhooks"],
)
def delete_webhook(webhook_id: str) -> Response[str]:
    web = _web()
    subscriber = service.webhook_for(web, webhook_id, _header("authorization"))
    service.delete_all(web, subscriber.id)
    return Response(204, JSON, "", headers=dict(NO_STORE))


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Resolve one API Gateway HTTP API (v2) event."""
    return app.resolve(event, context)
