"""HMAC-signed link tokens bound to a purpose and a subscriber.

Why not random tokens stored in a table: a signed token is verified without a read,
cannot be enumerated, and carries its own expiry. A token for one purpose (say "feed")
can never be replayed for another ("unsubscribe") because the purpose is signed too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from paperbell.errors import PaperbellError

PURPOSES = frozenset({"confirm", "manage", "unsubscribe", "feed", "more", "less"})
#: Default lifetimes in seconds; None = valid until the key rotates (unsubscribe links
#: in old mails must keep working, RFC 8058).
DEFAULT_TTL: dict[str, int | None] = {
    "confirm": 3 * 24 * 3600,
    "manage": 30 * 24 * 3600,
    "unsubscribe": None,
    "feed": None,
    # "more like this" / "less like this" under a recommended or matched paper (issue 14):
    # bound to the subscriber and the paper, valid as long as a weekly mail is worth it.
    "more": 60 * 24 * 3600,
    "less": 60 * 24 * 3600,
}


#: Between the subscriber id and the paper id inside a vote ("more"/"less") token.
VOTE_SEP = "\x1f"


def vote_subject(subscriber_id: str, paper_id: str) -> str:
    """What a vote token signs: the subscriber *and* the paper, so a token for one paper
    cannot vote on another. Here, not in services/votes.py, because the mailer makes
    these tokens too and should not import the web-facing vote use case to do so."""
    return f"{subscriber_id}{VOTE_SEP}{paper_id}"


class TokenError(PaperbellError):
    """A token is malformed, forged, expired or for another purpose."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode("utf-8"), hashlib.sha256).digest()[:24])


def make_token(
    key: bytes, purpose: str, subscriber_id: str, *, now: float | None = None, ttl: int | None = -1
) -> str:
    """A URL-safe token ``<purpose>.<subscriber>.<expiry>.<mac>``."""
    if purpose not in PURPOSES:
        raise TokenError(f"unknown token purpose {purpose!r}")
    lifetime = DEFAULT_TTL[purpose] if ttl == -1 else ttl
    expiry = 0 if lifetime is None else int((time.time() if now is None else now) + lifetime)
    payload = f"{purpose}.{_b64(subscriber_id.encode('utf-8'))}.{expiry}"
    return f"{payload}.{_mac(key, payload)}"


def verify_token(key: bytes, token: str, purpose: str, *, now: float | None = None) -> str:
    """The subscriber id the token was made for; TokenError for anything else."""
    if not isinstance(token, str) or not token.isascii():  # make_token's are always ASCII
        raise TokenError("malformed token")
    parts = token.split(".")
    if len(parts) != 4:
        raise TokenError("malformed token")
    token_purpose, sid_b64, expiry_text, mac = parts
    payload = f"{token_purpose}.{sid_b64}.{expiry_text}"
    if not hmac.compare_digest(mac.encode("ascii", "replace"), _mac(key, payload).encode()):
        raise TokenError("invalid token signature")
    if token_purpose != purpose:
        raise TokenError(f"token is for {token_purpose!r}, not {purpose!r}")
    try:
        expiry = int(expiry_text)
        subscriber_id = _unb64(sid_b64).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenError("malformed token") from exc
    if expiry and (time.time() if now is None else now) > expiry:
        raise TokenError("token expired")
    return subscriber_id
