""""More / less like this": a GET changes nothing, a POST votes, forged tokens fail,
and the vote reaches the profile the next digest is built from."""

from __future__ import annotations

import pytest

from paperbell.recommend import ProfileIndex
from paperbell.services.recommending import profile_store
from paperbell.services.votes import vote_subject
from paperbell.tokens import make_token

ROPE = "2403.00071"  # Resonance RoPE, in the bundled arXiv feed
ADAM = "2502.08441"  # Better Embeddings with Coupled Adam


@pytest.fixture
def ada(api, subscribe):
    subscribe()
    api.confirm_from_last_mail()
    return api.subscriber_id("ada@example.org")


def vote_token(api, direction, paper_id, subscriber_id=None, **kwargs):
    subscriber_id = subscriber_id or api.subscriber_id("ada@example.org")
    return make_token(api.key(), direction, vote_subject(subscriber_id, paper_id), **kwargs)


def _liked(api):
    item = api.subscriber_item(api.subscriber_id("ada@example.org")) or {}
    return ([p["id"] for p in item.get("likes", [])], [p["id"] for p in item.get("dislikes", [])])


def test_the_vote_page_changes_nothing_and_names_the_paper(api, ada):
    page = api.get("/more", query={"token": vote_token(api, "more", ROPE)})
    assert page.status == 200
    assert "Resonance RoPE" in page.text
    assert 'method="post"' in page.text
    assert _liked(api) == ([], [])


def test_a_post_votes_and_moves_a_paper_between_the_lists(api, ada):
    reply = api.post("/more", query={"token": vote_token(api, "more", ROPE), "format": "json"})
    assert reply.status == 200 and reply.json() == {"like": [ROPE], "dislike": []}
    api.post("/less", query={"token": vote_token(api, "less", ADAM)})
    assert _liked(api) == ([ROPE], [ADAM])
    api.post("/less", query={"token": vote_token(api, "less", ROPE)})
    assert _liked(api) == ([], [ADAM, ROPE])
    item = api.subscriber_item(api.subscriber_id("ada@example.org"))
    assert item and item["dislikes"][1]["title"].startswith("Resonance RoPE")
    assert item["dislikes"][1]["abstract"]


def test_a_vote_reaches_the_profile_snapshot(api, ada, pipeline):
    api.post("/more", query={"token": vote_token(api, "more", ROPE)})
    pipeline.match()  # the subscribers stream -> the index function
    snapshot = profile_store(pipeline.stack.physical["IndexBucket"]["Ref"]).load()
    assert snapshot is not None
    profile = ProfileIndex.from_snapshot(snapshot.data).profile(ada)
    assert [like.id for like in profile.likes] == [ROPE]
    assert "rope" in profile.top_terms(10)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_forged_expired_and_misdirected_vote_tokens_are_refused(api, ada, method):
    good = vote_token(api, "more", ROPE)
    forged = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    other_key = make_token(b"not the key", "more", vote_subject(ada, ROPE))
    expired = vote_token(api, "more", ROPE, now=0)
    wrong_way = vote_token(api, "less", ROPE)  # a "less" token on the "more" endpoint
    not_a_vote = make_token(api.key(), "more", ada)  # no paper in it
    for bad in (forged, other_key, expired, wrong_way):
        assert api.call(method, "/more", query={"token": bad}).status == 403
    assert api.call(method, "/more", query={"token": not_a_vote}).status == 400
    assert api.call(method, "/more").status == 400
    assert _liked(api) == ([], [])


def test_a_vote_on_a_paper_paperbell_no_longer_keeps_is_gone(api, ada):
    reply = api.post("/more", query={"token": vote_token(api, "more", "2001.00001")})
    assert reply.status == 410
    assert _liked(api) == ([], [])


def test_votes_keep_at_most_50_likes_dropping_the_oldest(api, ada, pipeline):
    from dataclasses import replace

    from paperbell.models import PaperText
    from paperbell.storage.subscribers import SubscriberRepository

    repo = SubscriberRepository(pipeline.table_name("SubscribersTable"))
    subscriber = repo.get(ada)
    assert subscriber is not None
    full = tuple(PaperText(f"2601.{i:05d}", f"Paper {i}", "words") for i in range(50))
    repo.put(replace(subscriber, likes=full))
    api.post("/more", query={"token": vote_token(api, "more", ROPE)})
    likes, _ = _liked(api)
    assert len(likes) == 50 and likes[-1] == ROPE and "2601.00000" not in likes
