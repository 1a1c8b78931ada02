"""``paperbell demo`` and ``paperbell serve`` as an integrator uses them: several feeds,
links rendered for a deployed site, and webhook deliveries to the integrator's own
loopback receiver, verified by the ``standardwebhooks`` package (Standard Webhooks'
reference library, not paperbell's code)."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import standardwebhooks

from paperbell.webhooks.signing import generate_secret
from paperbell_dev.cli import main
from paperbell_dev.local.demo import DEMO_WEBHOOK_QUERIES, run_demo

SITE = "https://papers.example.org"


@contextmanager
def own_receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """The integrator's receiver: stores what arrives, verifies nothing itself."""
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/paperbell", received
    finally:
        server.shutdown()
        server.server_close()


def _subscribers_file(tmp_path: Path, url: str, secret: str | None) -> Path:
    entry: dict[str, object] = {"webhook": url, "queries": DEMO_WEBHOOK_QUERIES,
                                "mode": "instant"}
    if secret:
        entry["webhook_secret"] = secret
    path = tmp_path / "subscribers.json"
    path.write_text(json.dumps([
        {"email": "ada@example.org", "queries": ["RoPE"], "hour": 8},
        entry,
    ]), encoding="utf-8")
    return path


def test_deliveries_to_your_own_receiver_verify_with_standardwebhooks(tmp_path):
    secret = generate_secret()
    with own_receiver() as (url, received):
        summary, _, _, own = run_demo(
            subscribers_file=str(_subscribers_file(tmp_path, url, secret)),
            outbox=str(tmp_path / "outbox"),
        )
    assert summary.deliveries > 0
    assert [hook.url for hook in own] == [url] and own[0].secret == secret
    assert received, "the integrator's receiver got no delivery"
    verifier = standardwebhooks.Webhook(secret)
    for headers, body in received:
        payload = verifier.verify(body, headers)
        assert payload["papers"], payload
        tampered = body.replace(b'"papers"', b'"paperz"', 1)
        with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
            verifier.verify(tampered, headers)
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        standardwebhooks.Webhook(generate_secret()).verify(*reversed(received[0]))


def test_a_webhook_entry_without_a_secret_gets_one_printed(tmp_path, capsys):
    with own_receiver() as (url, received):
        code = main(["demo", "--subscribers", str(_subscribers_file(tmp_path, url, None)),
                     "--outbox", str(tmp_path / "outbox")])
    assert code == 0
    printed = capsys.readouterr().out
    line = next(x for x in printed.splitlines() if x.startswith(f"your webhook {url}"))
    secret = line.rsplit(" ", 1)[-1]
    assert received
    for headers, body in received:
        standardwebhooks.Webhook(secret).verify(body, headers)


def test_a_public_http_webhook_is_refused_even_in_the_demo(tmp_path, capsys):
    path = _subscribers_file(tmp_path, "http://example.org/hook", None)
    assert main(["demo", "--subscribers", str(path), "--outbox", str(tmp_path)]) != 0
    assert "subscriber #2" in capsys.readouterr().err


def test_demo_with_several_feeds_and_a_site_url_renders_deployed_links(tmp_path, capsys):
    outbox = tmp_path / "outbox"
    code = main(["demo", "--feed", "bundled:seed", "--feed", "bundled:arxiv-cs.LG",
                 "--site-url", SITE + "/", "--outbox", str(outbox)])
    assert code == 0
    fetched = int(capsys.readouterr().out.split("papers fetched: ", 1)[1].split()[0])
    one_feed = tmp_path / "one"
    assert main(["demo", "--feed", "bundled:seed", "--outbox", str(one_feed)]) == 0
    assert fetched > int(capsys.readouterr().out.split("papers fetched: ", 1)[1].split()[0])
    mails = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
             for p in sorted(outbox.glob("*.eml"))]
    assert mails
    for mail in mails:
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert f"<{SITE}/" in str(mail["List-Unsubscribe"])
        text = mail.get_body(preferencelist=("plain",)).get_content()
        assert f"{SITE}/" in text and "http://127.0.0.1" not in text


def test_site_url_must_be_an_http_url(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--site-url", "papers.example.org"])
    assert "not an http(s) URL" in capsys.readouterr().err


def test_serve_loads_your_feeds_and_delivers_to_your_receiver(tmp_path):
    from paperbell import aws
    from paperbell_dev.local.server import LocalApiServer

    secret = generate_secret()
    with own_receiver() as (url, received), LocalApiServer(
        port=0,
        outbox=tmp_path / "outbox",
        feeds=["bundled:arxiv-cs.LG"],
        subscribers_file=_subscribers_file(tmp_path, url, secret),
    ) as server:
        table = aws.table(server.pipeline.table_name("PapersTable"))
        sources = {s for item in table.scan()["Items"] for s in item.get("sources", ())}
        assert sources and all("arxiv" in str(s) for s in sources), sources
        assert received
        for headers, body in received:
            standardwebhooks.Webhook(secret).verify(body, headers)
        assert list((tmp_path / "outbox").glob("*.eml"))  # ada's digest, in the outbox
