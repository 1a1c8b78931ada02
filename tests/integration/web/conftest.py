"""Helpers for driving ApiFunction on the embedded AWS with HTTP API v2 events."""

from __future__ import annotations

import email
import email.policy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from paperbell import aws


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class Api:
    def __init__(self, pipeline: Any):
        self.pipeline = pipeline

    def call(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | str = "",
        form: dict[str, Any] | None = None,
        json_body: Any = None,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        ip: str = "203.0.113.5",
    ) -> Reply:
        from paperbell_dev.local.server import http_event, response_parts

        all_headers = dict(headers or {})
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            all_headers.setdefault("content-type", "application/x-www-form-urlencoded")
        if json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers.setdefault("content-type", "application/json")
        qs = query if isinstance(query, str) else urlencode(query, doseq=True)
        event = http_event(method, path, query=qs, headers=all_headers, body=body, source_ip=ip)
        result = self.pipeline.invoker.invoke("ApiFunction", event)
        status, header_list, payload = response_parts(result)
        return Reply(status, {k.lower(): v for k, v in header_list}, payload.decode("utf-8"))

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Reply:
        return self.call("POST", path, **kwargs)

    def follow(self, url: str, method: str = "GET", **kwargs: Any) -> Reply:
        parts = urlsplit(url)
        return self.call(method, parts.path, query=parts.query, **kwargs)

    # -- state -------------------------------------------------------------------------
    def key(self) -> bytes:
        arn = self.pipeline.stack.function_environment("ApiFunction")["TOKEN_SECRET_ARN"]
        value = aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
        return str(value).encode()

    def subscriber_id(self, email_address: str) -> str:
        """The id a web sign-up of ``email_address`` gets (keyed with the link key)."""
        from paperbell.services.subscriptions import subscriber_id_for

        return subscriber_id_for(email_address, self.key())

    def subscriber_item(self, subscriber_id: str) -> dict[str, Any] | None:
        """The stored item, by id or (with an "@") by the address's web sign-up id."""
        if "@" in subscriber_id:
            subscriber_id = self.subscriber_id(subscriber_id)
        table = aws.table(self.pipeline.table_name("SubscribersTable"))
        item: dict[str, Any] | None = table.get_item(Key={"subscriber_id": subscriber_id}).get(
            "Item"
        )
        return item

    def mails(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(m.raw, policy=email.policy.default)  # type: ignore[misc]
            for m in self.pipeline.sent_mails()
        ]

    def confirm_from_last_mail(self) -> Reply:
        """Open the confirm link of the last mail, then press the page's button."""
        link = next(u for u in self.links_in_last_mail() if "/confirm?token=" in u)
        page = self.follow(link)
        assert page.status == 200 and 'id="confirm"' in page.text, page.text[:300]
        return self.follow(link, method="POST")

    def links_in_last_mail(self) -> list[str]:
        message = self.mails()[-1]
        text = message.get_body(preferencelist=("plain",)).get_content()
        return re.findall(r"https?://\S+", text)


@pytest.fixture
def api(pipeline: Any) -> Api:
    pipeline.scrape()  # bundled papers, first seen now: the preview has something to show
    return Api(pipeline)


@pytest.fixture
def subscribe(api: Api) -> Callable[..., Reply]:
    def run(email_address: str = "ada@example.org", **fields: Any) -> Reply:
        ip = fields.pop("ip", "203.0.113.5")
        form = {
            "email": email_address,
            "queries": "RoPE\nlottery tickets",
            "hour": "9",
            "timezone": "Europe/Berlin",
            "mode": "daily",
            **fields,
        }
        return api.post("/subscriptions", form=form, ip=ip)

    return run


@pytest.fixture
def arxiv_only_api() -> Any:
    """An Api over a stack whose only source is arXiv (no popularity signal)."""
    from pathlib import Path

    from paperbell_dev.local.pipeline import LocalPipeline

    root = Path(__file__).resolve().parents[3]
    with LocalPipeline(root / "template.yaml", parameters={"Sources": "arxiv:cs.LG"}) as stack:
        stack.scrape(["bundled:arxiv-cs.LG"])
        yield Api(stack)
