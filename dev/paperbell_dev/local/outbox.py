"""Write every mail the local SES accepted to a folder: RFC 5322 ``.eml`` files plus an
``index.html`` that links them (open it in a browser, or the .eml in a mail client).
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paperbell_dev.local.stack import ACCOUNT_ID


@dataclass(frozen=True)
class SentMail:
    message_id: str
    source: str
    destinations: tuple[str, ...]
    raw: bytes


def sent_mails_in_process(region: str = "us-east-1") -> list[SentMail]:
    """Mails accepted by the in-process moto SES backend (SES v1 and v2 share it)."""
    from moto.ses.models import ses_backends

    backend = ses_backends[ACCOUNT_ID][region]
    mails = []
    for message in backend.sent_messages:
        raw = getattr(message, "raw_data", None)
        if raw is None:
            continue  # simple (non-raw) sends are not made by paperbell
        mails.append(
            SentMail(
                message_id=str(message.id),
                source=str(message.source),
                destinations=tuple(message.destinations),
                raw=raw.encode("utf-8") if isinstance(raw, str) else bytes(raw),
            )
        )
    return mails


def sent_mails_from_server(endpoint: str, region: str = "us-east-1") -> list[SentMail]:
    """Mails accepted by a moto server, read from its ``/moto-api/data.json``."""
    import requests

    data: dict[str, Any] = requests.get(
        f"{endpoint.rstrip('/')}/moto-api/data.json", timeout=10
    ).json()
    mails = []
    ses = data.get("ses") or {}
    # moto 5 lists raw mails under the model's class name; older releases used the
    # backend attribute. Each recipient may appear twice in "destinations".
    for entry in ses.get("RawMessage") or ses.get("sent_messages") or []:
        raw = entry.get("raw_data")
        if raw:
            mails.append(
                SentMail(
                    str(entry.get("id", "")),
                    str(entry.get("source", "")),
                    tuple(dict.fromkeys(entry.get("destinations") or ())),
                    raw.encode("utf-8") if isinstance(raw, str) else bytes(raw),
                )
            )
    return mails


_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]+")


def write_outbox(mails: list[SentMail], folder: Path) -> list[Path]:
    """Replace the outbox's previous .eml files with ``mails`` and write index.html."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.eml"):
        old.unlink()
    written: list[Path] = []
    rows: list[str] = []
    for number, mail in enumerate(mails, start=1):
        recipient = mail.destinations[0] if mail.destinations else "unknown"
        path = folder / f"{number:03d}-{_UNSAFE.sub('_', recipient)}.eml"
        path.write_bytes(mail.raw)
        written.append(path)
        parsed = email.message_from_bytes(mail.raw, policy=email.policy.default)
        rows.append(
            '<tr><td>{n}</td><td>{to}</td><td><a href="{href}">{subject}</a></td></tr>'.format(
                n=number,
                to=html.escape(str(parsed.get("To", recipient))),
                href=html.escape(path.name, quote=True),
                subject=html.escape(str(parsed.get("Subject", "(no subject)"))),
            )
        )
    index = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<title>paperbell outbox</title></head><body style="font-family:sans-serif">'
        f"<h1>paperbell outbox</h1><p>{len(mails)} message(s) accepted by the local SES.</p>"
        '<table cellpadding="6"><tr><th>#</th><th>To</th><th>Subject</th></tr>'
        + "".join(rows)
        + "</table></body></html>\n"
    )
    (folder / "index.html").write_text(index, encoding="utf-8")
    return written
