import json

import pytest

from paperbell.errors import ConfigError, RequestError
from paperbell.services.subscriptions import load_subscribers_file, new_subscriber


def test_subscriber_ids_do_not_reveal_the_address():
    import hashlib

    from paperbell.services.subscriptions import subscriber_id_for

    plain_hash = hashlib.sha256(b"ada@example.org").hexdigest()
    a = new_subscriber("Ada@Example.org", ["RoPE"])
    b = new_subscriber("ada@example.org ", ["lottery"])
    assert a.email == b.email == "ada@example.org"
    assert a.id != b.id and a.id.startswith("sub_")  # direct creation: random ids
    keyed = subscriber_id_for("Ada@Example.org ", b"key-1")
    assert keyed == subscriber_id_for("ada@example.org", b"key-1")  # one id per address
    assert keyed != subscriber_id_for("ada@example.org", b"key-2")  # the key decides
    for sid in (a.id, b.id, keyed):
        # No part of the address (letters that are not hex digits, so a random id
        # cannot hold them by chance, as it could "ada"), and not its plain hash.
        assert "@" not in sid and "example" not in sid and sid[4:] not in plain_hash


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"email": "not-an-address", "queries": ["x"]}, "e-mail address is not valid"),
        ({"email": "a@b.org", "queries": []}, "at least one query"),
        ({"email": "a@b.org", "queries": ["x"], "delivery_hour": 24}, "0-23"),
        ({"email": "a@b.org", "queries": ["x"], "timezone": "Nowhere/Town"}, "Unknown timezone"),
        ({"email": "a@b.org", "queries": ["x"], "mode": "hourly"}, "mode must be"),
    ],
)
def test_bad_subscriber_fields_are_clear_errors(kwargs, message):
    with pytest.raises(RequestError, match=message):
        new_subscriber(**kwargs)


def test_bad_query_is_rejected_with_its_position():
    with pytest.raises(RequestError) as info:
        new_subscriber("a@b.org", ["titel:rope"])
    assert info.value.position == 0 and info.value.field == "queries"
    assert "title" in info.value.message


def test_subscribers_file_errors_name_the_entry(tmp_path):
    path = tmp_path / "subs.json"
    path.write_text(json.dumps([{"email": "a@b.org", "queries": ["ok"]}, {"email": "c@d.org"}]))
    with pytest.raises(ConfigError, match=r"subscriber #2 needs"):
        load_subscribers_file(path)
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_subscribers_file(path)
    path.write_text(json.dumps([{"email": "a@b.org", "queries": ["(unbalanced"]}]))
    with pytest.raises(ConfigError, match=r"subscriber #1"):
        load_subscribers_file(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_subscribers_file(tmp_path / "missing.json")
