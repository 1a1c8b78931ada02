"""Form/JSON parsing (web/forms.py) and the one subscriber rule set (validation.py)."""

from __future__ import annotations

import pytest

from paperbell.errors import RequestError
from paperbell.validation import (
    preferences_from_fields as validate_preferences,
)
from paperbell.validation import (
    query_lines,
    validate_email_address,
)
from paperbell.validation import (
    subscription_from_fields as validate_subscription,
)
from paperbell.web.forms import MAX_BODY, parse_body


def test_form_and_json_bodies_give_the_same_fields():
    form = parse_body("email=a%40example.org&queries=RoPE%0Alottery&hour=7",
                      "application/x-www-form-urlencoded")
    as_json = parse_body('{"email": "a@example.org", "queries": ["RoPE", "lottery"], "hour": 7}',
                         "application/json; charset=utf-8")
    assert validate_subscription(form) == validate_subscription(as_json)
    assert validate_subscription(form).preferences.queries == ("RoPE", "lottery")


def test_queries_come_from_lines_and_repeated_fields():
    assert query_lines({"queries": ["a\n\n b \r\nc"], "q": ["d"]}) == ["a", "b", "c", "d"]


@pytest.mark.parametrize("address", ["Ada@Example.ORG", " ada@example.org "])
def test_addresses_are_normalized(address):
    assert validate_email_address(address) == "ada@example.org"


@pytest.mark.parametrize("address", ["", "ada", "ada@", "@example.org", "a b@example.org",
                                     "ada@example..org", "ada@-example.org"])
def test_bad_addresses_are_refused(address):
    with pytest.raises(RequestError) as info:
        validate_email_address(address)
    assert info.value.status == 400 and info.value.field == "email"


def test_a_bad_query_reports_its_position_and_which_one():
    with pytest.raises(RequestError) as info:
        validate_preferences({"queries": ["fine", 'title:"unclosed']})
    error = info.value
    assert (error.field, error.index, error.query) == ("queries", 1, 'title:"unclosed')
    assert error.position is not None
    assert error.as_json()["position"] == error.position


def test_defaults_and_duplicates():
    prefs = validate_preferences({"queries": ["RoPE", "RoPE"]})
    assert prefs.queries == ("RoPE",)
    assert (prefs.delivery_hour, prefs.timezone, prefs.mode) == (8, "UTC", "daily")
    assert validate_preferences({"queries": ["x1y"]}, default_mode="instant").mode == "instant"


@pytest.mark.parametrize(
    "fields, field",
    [({"queries": ["ok"], "hour": ["x"]}, "hour"), ({"queries": ["ok"], "hour": ["-1"]}, "hour"),
     ({"queries": ["ok"], "timezone": ["Nowhere/City"]}, "timezone"),
     ({"queries": ["ok"], "mode": ["hourly"]}, "mode"), ({"queries": ["ok"] * 0}, "queries"),
     ({"queries": [f"q{n}" for n in range(21)]}, "queries")],
)
def test_bad_preferences(fields, field):
    with pytest.raises(RequestError) as info:
        validate_preferences(fields)
    assert info.value.field == field


def test_bodies_that_are_not_objects_or_too_large():
    with pytest.raises(RequestError):
        parse_body("[1, 2]", "application/json")
    with pytest.raises(RequestError):
        parse_body("{nope", "application/json")
    with pytest.raises(RequestError) as info:
        parse_body("x" * (MAX_BODY + 1), "application/x-www-form-urlencoded")
    assert info.value.status == 413


def test_non_ascii_addresses_are_refused_clearly_or_sent_in_ascii_form():
    # was: accepted, then mailed as "=?utf-8?q?j=C3=BCrgen?=@example.org" (invalid)
    with pytest.raises(RequestError) as info:
        validate_email_address("jürgen@example.org")
    assert info.value.field == "email" and "ASCII" in info.value.message
    assert validate_email_address("Ada@Bücher.de") == "ada@xn--bcher-kva.de"


@pytest.mark.parametrize("hour", ["²", "٣", "9" * 5000, "+8", "8.0", "0x8"])
def test_hours_are_ascii_digits_only(hour):
    # "²".isdigit() is True but int("²") fails; 5,000 digits exceed int()'s limit
    with pytest.raises(RequestError) as info:
        validate_preferences({"queries": ["ok"], "hour": [hour]})
    assert info.value.field == "hour" and len(info.value.message) < 120


def test_lone_surrogates_and_nested_objects_are_refused_by_field():
    from paperbell.validation import fields_from_json

    with pytest.raises(RequestError) as info:
        fields_from_json({"queries": ["Ro\ud800PE"]})
    assert info.value.field == "queries" and "surrogate" in info.value.message
    with pytest.raises(RequestError) as info:
        fields_from_json({"hour": {"h": 8}})
    assert info.value.field == "hour"
    with pytest.raises(RequestError) as info:
        parse_body("[" * 10_000 + "]" * 10_000, "application/json")
    assert "nested too deeply" in info.value.message


# -- liked papers (issue 14) -------------------------------------------------------------
def test_liked_papers_make_a_subscription_without_queries():
    prefs = validate_preferences({"like": ["2402.04177 https://huggingface.co/papers/2605.06548"]})
    assert prefs.queries == () and prefs.trending_top == 0
    assert [r.value for r in prefs.likes or ()] == ["2402.04177", "2605.06548"]
    assert prefs.dislikes is None  # not given: a manage save keeps the stored ones


def test_a_list_and_a_pasted_text_are_the_same_papers():
    as_list = validate_preferences({"like": ["2402.04177", "arXiv:2605.06548v2"]})
    as_text = validate_preferences({"like": ["2402.04177\narXiv:2605.06548v2"]})
    assert [r.value for r in as_list.likes or ()] == [r.value for r in as_text.likes or ()]


def test_unusable_bibtex_entries_are_noted_not_fatal_when_others_are_usable():
    prefs = validate_preferences({"like": [
        "@article{good, eprint={2402.04177}, archivePrefix={arXiv}}\n"
        "@book{bishop, title={Pattern Recognition}}"]})
    assert [r.value for r in prefs.likes or ()] == ["2402.04177"]
    assert prefs.notes == ("liked papers: entry 'bishop' (Pattern Recognition): no arXiv id, "
                           "eprint or DOI",)


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"like": [" ".join(f"2401.{i:05d}" for i in range(51))]}, "like",
     "At most 50 liked papers, please (51 given)."),
    ({"like": ["2402.04177"], "dislike": [" ".join(f"2401.{i:05d}" for i in range(51))]},
     "dislike", "At most 50 disliked papers, please (51 given)."),
    ({"like": ["hello world"]}, "like", "None of the liked papers could be used: 'hello'"),
    ({"like": ["2402.04177"], "dislike": ["2402.04177v3"]}, "dislike",
     "A paper cannot be liked and disliked at once: 2402.04177."),
    ({"like": ["2402.04177"], "frequency": ["instant"]}, "frequency",
     "Recommendations come daily or weekly"),
    ({"kind": ["likes"]}, "like", "Please name at least one paper you like"),
    ({"dislike": ["2402.04177"]}, "queries", "Please enter at least one query"),
])
def test_liked_paper_refusals_name_the_field(fields, field, message):
    with pytest.raises(RequestError) as info:
        validate_preferences(fields)
    assert info.value.field == field and info.value.message.startswith(message)


def test_the_same_paper_given_twice_counts_once_toward_the_limit():
    ids = [f"2401.{i:05d}" for i in range(50)]
    prefs = validate_preferences({"like": [" ".join(ids), ids[0], f"arXiv:{ids[1]}v2"]})
    assert len(prefs.likes or ()) == 50


def test_a_manage_save_of_a_likes_only_subscriber_keeps_needing_no_query():
    with pytest.raises(RequestError):
        validate_preferences({"hour": ["7"]})
    assert validate_preferences({"hour": ["7"]}, has_likes=True).queries == ()


def test_a_pasted_essay_gives_a_few_notes_and_a_count_not_thousands():
    prefs = validate_preferences({"like": ["2402.04177 " + "word " * 1000]})
    assert [r.value for r in prefs.likes or ()] == ["2402.04177"]
    assert len(prefs.notes) == 10 and prefs.notes[-1] == "liked papers: and 991 more not used"
