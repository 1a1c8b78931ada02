"""The mails about a subscription itself: confirm (double opt-in), already subscribed, test.

Plain multipart/alternative messages (text + HTML), sent raw through SES v2 like the
digests. No tracking, no images; the link is the only call to action.
"""

from __future__ import annotations

import html
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from paperbell.config import Settings
from paperbell.delivery.digest_model import recommending_phrase, trending_phrase
from paperbell.delivery.ses_sender import SesSender
from paperbell.models import Subscriber


def _message(settings: Settings, recipient: str, subject: str, paragraphs: list[str],
             link: tuple[str, str] | None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((settings.sender_name, settings.sender_address))
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = settings.sender_address.rpartition("@")[2] or "paperbell_dev.local"
    message["Message-ID"] = make_msgid(domain=domain)
    if settings.reply_to_address:
        message["Reply-To"] = settings.reply_to_address
    message["Auto-Submitted"] = "auto-generated"
    text = "\n\n".join(paragraphs)
    if link:
        text += f"\n\n{link[0]}:\n{link[1]}"
    text += "\n\nIf you did not ask for this, ignore this mail; nothing else will be sent.\n"
    message.set_content(text)
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    if link:
        body += (
            f'<p><a href="{html.escape(link[1], quote=True)}" style="display:inline-block;'
            'padding:10px 16px;background:#1a4d8f;color:#ffffff;text-decoration:none;'
            f'border-radius:4px">{html.escape(link[0])}</a></p>'
            # A long token URL must wrap on a 390 px phone, not widen the mail.
            '<p style="font-size:13px;color:#444;overflow-wrap:anywhere;word-break:break-all">'
            f"Or open: {html.escape(link[1])}</p>"
        )
    body += (
        '<p style="font-size:13px;color:#444">If you did not ask for this, ignore this mail;'
        " nothing else will be sent.</p>"
    )
    message.add_alternative(
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(subject)}</title></head>"
        '<body style="font-family:sans-serif;color:#111;max-width:40rem">'
        f"{body}</body></html>",
        subtype="html",
    )
    return message


def requested_papers(subscriber: Subscriber) -> str:
    """What a sign-up asked for, in words: trending, queries and/or liked papers. Why
    not only the queries: a trending- or likes-only sign-up has none, and its mail
    would otherwise read "papers matching these queries: ."."""
    wanted = [trending_phrase(subscriber)] if subscriber.wants_trending else []
    if subscriber.queries:
        wanted.append("papers matching these queries: " + "; ".join(subscriber.queries))
    if subscriber.likes:
        wanted.append("new " + recommending_phrase(subscriber))
    if not wanted:
        return "papers"
    return wanted[0] if len(wanted) == 1 else ", ".join(wanted[:-1]) + " and " + wanted[-1]


def confirmation_mail(settings: Settings, recipient: str, confirm_url: str,
                      subscriber: Subscriber, *, later_request_ignored: bool = False
                      ) -> EmailMessage:
    """The double opt-in mail for ``subscriber`` (the pending sign-up that confirming
    activates)."""
    paragraphs = [
        "Someone (hopefully you) asked paperbell to send "
        f"{requested_papers(subscriber)} to this address.",
        "Please confirm with the link below (it is valid for 3 days). The link opens a "
        "page with a Confirm button; nothing is subscribed until you press it.",
    ]
    if later_request_ignored:
        paragraphs.append(
            "A later request asked for other papers for this address; it was not saved, "
            "because a sign-up waiting for confirmation is never replaced. After "
            "confirming you can change what you get on your manage page."
        )
    return _message(settings, recipient, "Confirm your paperbell subscription", paragraphs,
                    ("Confirm my subscription", confirm_url))


def already_subscribed_mail(settings: Settings, recipient: str, manage_url: str) -> EmailMessage:
    return _message(
        settings,
        recipient,
        "Your paperbell subscription",
        [
            "Someone (hopefully you) tried to subscribe this address to paperbell again. "
            "It is already subscribed; nothing was changed.",
            "To change your queries, delivery hour or to unsubscribe, use the link below.",
        ],
        ("Manage my subscription", manage_url),
    )


def test_mail(settings: Settings, recipient: str) -> EmailMessage:
    return _message(
        settings,
        recipient,
        "paperbell test mail",
        ["This is a test mail from paperbell: sending through SES works."],
        None,
    )


def send(settings: Settings, message: EmailMessage, recipient: str) -> str:
    """SES message id (raises DeliveryError when SES refuses)."""
    return SesSender(settings.configuration_set).send(
        message, sender=settings.sender_address, recipient=recipient
    )
