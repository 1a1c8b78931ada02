"""Fixtures for the digest rendering tests (helpers live in rendering_support.py)."""

from __future__ import annotations

import pytest
from rendering_support import DIGEST_DATE, load_hf_papers, load_seed_papers

from paperbell.delivery.digest_model import Digest, DigestEntry, MailSettings, SubscriberLinks
from paperbell.models import Paper, Subscriber


@pytest.fixture
def seed_papers() -> list[Paper]:
    return load_seed_papers()


@pytest.fixture
def hf_papers() -> list[Paper]:
    return load_hf_papers()


@pytest.fixture
def settings() -> MailSettings:
    return MailSettings(
        sender="digest@paperbell.example.org",
        sender_name="paperbell",
        reply_to="help@paperbell.example.org",
        configuration_set="paperbell-digests",
        unsubscribe_mailto="unsubscribe@paperbell.example.org",
        site_url="https://paperbell.example.org/",
    )


@pytest.fixture
def links() -> SubscriberLinks:
    return SubscriberLinks(
        unsubscribe_url="https://api.paperbell.example.org/unsubscribe?s=sub-1&t=tok_abc",
        manage_url="https://paperbell.example.org/manage?s=sub-1&t=tok_abc",
        full_list_url="https://paperbell.example.org/digest/sub-1/2026-05-08?t=tok_abc",
    )


@pytest.fixture
def subscriber() -> Subscriber:
    return Subscriber(
        id="sub-1",
        email="ada@example.com",
        queries=("lottery tickets", "RoPE", "downstream", "continual"),
    )


@pytest.fixture
def make_digest(subscriber: Subscriber, links: SubscriberLinks):
    def make(entries: list[DigestEntry], kind: str = "digest", sub: Subscriber | None = None):
        return Digest(sub or subscriber, entries, DIGEST_DATE, links, kind)

    return make
