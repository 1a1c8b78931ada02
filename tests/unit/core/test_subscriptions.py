import json

import pytest

from paperbell.errors import ConfigError, QueryError
from paperbell.services.subscriptions import load_subscribers_file, new_subscriber


def test_subscriber_ids_are_stable_and_do_not_reveal_the_address():
    a = new_subscriber("Ada@Example.org", ["RoPE"])
    b = new_subscriber("ada@example.org ", ["lottery"])
    assert a.id == b.id and "ada" not in a.id
    assert a.email == "ada@example.org"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"email": "not-an-address", "queries": ["x"]}, "invalid e-mail"),
        ({"email": "a@b.org", "queries": []}, "at least one query"),
        ({"email": "a@b.org", "queries": ["x"], "delivery_hour": 24}, "0-23"),
        ({"email": "a@b.org", "queries": ["x"], "timezone": "Nowhere/Town"}, "unknown timezone"),
        ({"email": "a@b.org", "queries": ["x"], "mode": "hourly"}, "frequency must be"),
    ],
)
def test_bad_subscriber_fields_are_clear_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        new_subscriber(**kwargs)


def test_bad_query_is_rejected_with_its_position():
    with pytest.raises(QueryError) as info:
        new_subscriber("a@b.org", ["titel:rope"])
    assert info.value.position == 0
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
