"""One validation module for every entry: the same bad input is refused with the same
message by the subscribe page, the JSON API, the webhook API, the operator CLI
(``paperbell subscribers add``) and the subscribers file (``paperbell demo
--subscribers``). Each case names the message :mod:`paperbell.validation` gives."""

from __future__ import annotations

import html
import json

import pytest

from paperbell.errors import RequestError
from paperbell.validation import subscription_from_fields
from paperbell_dev.cli import main

GOOD = {"email": "ada@example.org", "queries": ["RoPE"], "hour": "9", "timezone": "UTC",
        "mode": "daily"}
CASES = [
    pytest.param({"email": "ada.example.org"}, id="address-without-at"),
    pytest.param({"email": "ada@exa mple.org"}, id="address-with-space"),
    pytest.param({"email": "jürgen@example.org"}, id="non-ascii-local-part"),
    pytest.param({"queries": ["titel:RoPE"]}, id="misspelt-field"),
    pytest.param({"queries": ['"unclosed']}, id="unclosed-quote"),
    pytest.param({"hour": "²"}, id="superscript-hour"),
    pytest.param({"hour": "9" * 5000}, id="5000-digit-hour"),
    pytest.param({"hour": "24"}, id="hour-24"),
    pytest.param({"timezone": "Mars/Olympus"}, id="unknown-timezone"),
    pytest.param({"mode": "hourly"}, id="unknown-mode"),
    # Liked papers (issue 14): the profile limit, nothing usable, a BibTeX export of
    # which no entry names an arXiv id or DOI, a paper both liked and disliked, and
    # recommendations (a digest section) asked for instantly.
    pytest.param({"like": [f"2401.{i:05d}" for i in range(51)]}, id="51-liked-papers"),
    pytest.param({"like": ["not-a-paper", "hello"]}, id="nothing-usable-liked"),
    pytest.param({"like": ["@book{bishop2006, title = {Pattern Recognition and Machine "
                           "Learning}, author = {Bishop, C.}}"]}, id="bibtex-without-ids"),
    pytest.param({"like": ["2402.04177"], "dislike": ["arXiv:2402.04177v2"]},
                 id="liked-and-disliked"),
    pytest.param({"like": ["2402.04177"], "mode": "instant"}, id="likes-instant"),
]


def expected(bad: dict) -> RequestError:
    """What paperbell.validation itself says about the input (the reference)."""
    fields = {k: v if isinstance(v, list) else [v] for k, v in {**GOOD, **bad}.items()}
    with pytest.raises(RequestError) as info:
        subscription_from_fields(fields)
    return info.value


@pytest.mark.parametrize("bad", CASES)
def test_web_form_and_json_api_give_the_validation_message(api, bad):
    error = expected(bad)
    data = {**GOOD, **bad}
    as_json = api.post("/subscriptions", json_body=data)
    assert as_json.status == 400
    assert as_json.json()["message"] == error.message
    assert as_json.json()["field"] == error.field
    form = api.post("/subscriptions", form={**data, "queries": "\n".join(data["queries"])})
    assert form.status == 400 and html.escape(error.message) in form.text
    assert not api.mails()


@pytest.mark.parametrize("bad", [c for c in CASES if "email" not in c.values[0]])
def test_webhook_api_gives_the_validation_message(api, bad, monkeypatch):
    monkeypatch.setattr("paperbell.webhooks.ssrf.default_resolver",
                        lambda host, port: ["93.184.215.14"])
    error = expected(bad)
    data = {**GOOD, **bad, "url": "https://hooks.example.org/in"}
    del data["email"]
    reply = api.post("/api/webhooks", json_body=data)
    assert reply.status == 400 and reply.json()["message"] == error.message


@pytest.mark.parametrize("bad", CASES)
def test_operator_cli_gives_the_validation_message(capsys, bad):
    error = expected(bad)
    data = {**GOOD, **bad}
    argv = ["subscribers", "add", data["email"], "--hour", data["hour"],
            "--timezone", data["timezone"], "--mode", data["mode"]]
    for query in data["queries"]:
        argv += ["-q", query]
    for name in ("like", "dislike"):
        for value in data.get(name, []):
            argv += [f"--{name}", value]
    code = main(argv)  # refused before any stack is looked for
    err = capsys.readouterr().err
    assert code in (1, 2) and error.message in err and "Traceback" not in err


@pytest.mark.parametrize("bad", CASES)
def test_subscribers_file_gives_the_validation_message(capsys, tmp_path, bad):
    error = expected(bad)
    path = tmp_path / "subscribers.json"
    path.write_text(json.dumps([GOOD, {**GOOD, **bad}]), encoding="utf-8")
    code = main(["demo", "--subscribers", str(path), "--outbox", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and "subscriber #2" in err and error.message in err
    assert not (tmp_path / "out").exists()
