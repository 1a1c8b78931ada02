"""Fuzz subscriber validation: ``new_subscriber`` and ``load_subscribers_file`` raise only
RequestError (the web's refusal, paperbell.validation) / ConfigError, whatever the fields
or the file hold."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from fuzz_support import FUZZ, count, wild_text
from hypothesis import given
from hypothesis import strategies as st

from paperbell.errors import ConfigError, RequestError
from paperbell.models import Subscriber
from paperbell.services.subscriptions import load_subscribers_file, new_subscriber

emails = st.one_of(
    st.sampled_from(["ada@example.org", "ADA@Example.ORG ", "a@b", "a@b.c", "@x.org", "a@",
                     "a b@c.org", "a@-x.org", "a@x..org", "a@x.org\r\nBcc: y@z.org",
                     "<a@x.org>", '"a"@x.org', "ä@bücher.de", "a@[127.0.0.1]", ""]),
    st.emails().map(str), wild_text(40),
    st.tuples(wild_text(10, min_size=1), st.sampled_from(["@example.org", "@x", "@é.org"]))
    .map("".join),
)
hours = st.one_of(st.integers(-5, 30), st.floats(allow_nan=True, allow_infinity=True),
                  st.sampled_from(["8", "x", "", None, True, 10**30]))
query_lists = st.lists(st.one_of(st.sampled_from(["RoPE", "lottery tickets", "titel:x", "(",
                                                  "-x", "ab*", "", "   "]), wild_text(30)),
                       max_size=4)
timezones = st.one_of(st.sampled_from(["UTC", "Europe/Berlin", "Europe", "America/", "",
                                       "../etc/passwd", "Etc/GMT+14", "a" * 300, "\x00"]),
                      wild_text(20))
SCRATCH = Path(tempfile.mkdtemp(prefix="paperbell-fuzz-"))
modes = st.one_of(st.sampled_from(["daily", "instant", "DAILY", ""]), wild_text(10))


def expect_clean_error(call: Any) -> Subscriber | None:
    try:
        return call()
    except RequestError as exc:
        assert exc.message.strip() and exc.status == 400 and exc.field
    except ConfigError as exc:
        assert str(exc).strip()
    return None


@FUZZ
@given(email=emails, queries=query_lists, hour=hours, timezone=timezones,
       mode=modes)
def test_new_subscriber_raises_only_config_or_query_errors(
    email: str, queries: list[str], hour: Any, timezone: str, mode: str
) -> None:
    count("subscribers: new_subscriber")
    subscriber = expect_clean_error(lambda: new_subscriber(
        email, queries, delivery_hour=hour, timezone=timezone, mode=mode))
    if subscriber is not None:
        assert 0 <= subscriber.delivery_hour <= 23 and subscriber.queries
        assert "\n" not in subscriber.email and "\r" not in subscriber.email


json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                        st.floats(allow_nan=True), wild_text(20))
json_any = st.recursive(json_scalar, lambda c: st.one_of(
    st.lists(c, max_size=3), st.dictionaries(wild_text(8), c, max_size=3)), max_leaves=8)
entries = st.fixed_dictionaries(
    {},
    optional={
        "email": st.one_of(emails, json_any),
        "queries": st.one_of(query_lists, json_any),
        "hour": st.one_of(st.integers(-3, 30), st.sampled_from(["8", "x", "", "1e3", "08"]),
                          st.floats(allow_nan=True, allow_infinity=True), json_any),
        "delivery_hour": json_any,
        "timezone": st.one_of(timezones, json_any),
        "mode": st.one_of(modes, json_any),
        "notify_empty": json_any,
    },
)
documents = st.one_of(
    st.lists(st.one_of(entries, json_any), max_size=3).map(lambda v: json.dumps(v)),
    json_any.map(lambda v: json.dumps(v)),
    wild_text(60),
)


@FUZZ
@given(text=documents, raw=st.one_of(st.none(), st.binary(max_size=60)))
def test_load_subscribers_file_raises_only_config_errors(text: str, raw: bytes | None) -> None:
    count("subscribers: load_subscribers_file")
    path = SCRATCH / "subs.json"
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        subscribers = load_subscribers_file(path)
    except ConfigError as exc:
        assert str(exc).strip()
        return
    assert all(isinstance(s, Subscriber) for s in subscribers)


paper_texts = st.one_of(
    st.sampled_from(["2402.04177", "arXiv:2402.04177v2", "hep-th/9901001", "10.1145/3292500",
                     "https://huggingface.co/papers/2605.06548", "@article{a, eprint={",
                     "@book{b, title={x}}", "@misc{c, doi = {10.48550/arXiv.2401.00001}}",
                     "{}}}{{", "@", "", "   "]),
    wild_text(60),
    st.lists(st.sampled_from(["@article{k,", "eprint={2401.00001}", "title={T}", "}", "{",
                              "doi=", "2401.0000", "arxiv:", ",", "\n"]), max_size=12)
    .map("".join),
)


@FUZZ
@given(like=st.lists(paper_texts, max_size=4), dislike=st.lists(paper_texts, max_size=2))
def test_liked_papers_are_kept_or_refused_naming_their_field(like: list[str],
                                                               dislike: list[str]) -> None:
    count("subscribers: like/dislike")
    try:
        subscriber = new_subscriber("ada@example.org", ["RoPE"], like=like, dislike=dislike)
    except RequestError as exc:
        assert exc.status == 400 and exc.field in ("like", "dislike") and exc.message.strip()
        return
    assert len(subscriber.likes) <= 50 and len(subscriber.dislikes) <= 50
    assert not {p.id for p in subscriber.likes} & {p.id for p in subscriber.dislikes}
    assert all(p.pending and p.id for p in (*subscriber.likes, *subscriber.dislikes))
