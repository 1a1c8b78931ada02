"""Abuse bounds of issue 16: mail limits per mailbox, IP limits per IPv6 /64, a transient
SES failure that does not use up the allowance, and a rate-limited /preview."""

from __future__ import annotations

import pytest

from paperbell.services.rate_limits import mailbox_of, network_of
from paperbell_dev.local.faults import FaultInjector, ses_throttling


@pytest.mark.parametrize(("address", "mailbox"), [
    ("victim+1@example.org", "victim@example.org"),
    ("Victim@Example.ORG", "victim@example.org"),
    ("VICTIM+news+more@EXAMPLE.ORG", "victim@example.org"),
    ("straße@example.org", "strasse@example.org"),  # casefold, not lower
])
def test_a_mailbox_is_the_casefolded_address_without_its_tag(address, mailbox):
    assert mailbox_of(address) == mailbox


@pytest.mark.parametrize(("ip", "network"), [
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ("2001:db8:1:2::ffff", "2001:db8:1:2::/64"),
    ("::ffff:198.51.100.7", "198.51.100.7"),
    ("198.51.100.7", "198.51.100.7"),
    ("not-an-ip", "not-an-ip"),
    ("", "unknown"),
])
def test_clients_are_counted_per_ipv4_address_or_ipv6_64(ip, network):
    assert network_of(ip) == network


def test_spellings_of_one_mailbox_share_one_mail_a_day(api, subscribe):
    spellings = ["victim@example.org", "victim+1@example.org", "Victim@example.org",
                 "VICTIM+news@EXAMPLE.ORG", "victim+2@Example.Org"]
    for number, address in enumerate(spellings):
        assert subscribe(address, ip=f"198.51.100.{number + 1}").status == 202
    assert len(api.mails()) == 1


def test_an_ipv6_client_is_limited_per_64_not_per_address(api, subscribe):
    statuses = [subscribe(f"user{n}@example.org", ip=f"2001:db8:0:1::{n + 1:x}").status
                for n in range(21)]
    assert statuses[:20] == [202] * 20 and statuses[20] == 429
    assert subscribe("other@example.org", ip="2001:db8:0:2::1").status == 202


def test_a_transient_ses_failure_does_not_use_up_the_days_mail(api, subscribe):
    with FaultInjector(ses_throttling(times=100)) as faults:
        failed = subscribe()
    assert faults.injected >= 1
    assert failed.status == 503 and "try again later" in failed.text
    assert api.mails() == []

    again = subscribe()

    assert again.status == 202
    assert len(api.mails()) == 1


def test_the_preview_is_rate_limited_per_network(api, monkeypatch):
    monkeypatch.setattr("paperbell.services.rate_limits.PREVIEW_LIMIT_PER_HOUR", 3)
    answers = [api.get("/preview", query={"q": "RoPE", "format": "fragment"},
                       ip="2001:db8:9:9::1" if n % 2 else "2001:db8:9:9::2")
               for n in range(4)]
    assert [a.status for a in answers] == [200, 200, 200, 429]
    assert "Too many previews" in answers[3].text
    as_json = api.get("/preview", query={"q": "RoPE", "format": "json"}, ip="2001:db8:9:9::3")
    assert as_json.status == 429 and as_json.json()["error"] == "rate_limited"
    assert api.get("/preview", query={"q": "RoPE"}, ip="198.51.100.1").status == 200
