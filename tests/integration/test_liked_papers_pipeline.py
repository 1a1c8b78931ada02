"""Liked papers named by id are read in the background: the IndexFunction fills them in
from the papers table (the demo's bundled feeds) or from the arXiv export API (a
loopback stand-in here), writes them back, and the profile learns from them."""

from __future__ import annotations

import pytest

from paperbell.models import Paper
from paperbell.recommend import ProfileIndex
from paperbell.services.recommending import profile_store
from paperbell.services.subscriptions import new_subscriber
from paperbell.storage.deliveries import DeliveryRepository
from paperbell.storage.subscribers import SubscriberRepository

DIFFUSION_LM = "2605.06548"  # Continuous Latent Diffusion Language Model (bundled HF list)


def _stored(pipeline, subscriber_id):
    found = SubscriberRepository(pipeline.table_name("SubscribersTable")).get(subscriber_id)
    assert found is not None
    return found


def _profile(pipeline, subscriber_id):
    snapshot = profile_store(pipeline.stack.physical["IndexBucket"]["Ref"]).load()
    assert snapshot is not None
    return ProfileIndex.from_snapshot(snapshot.data).profile(subscriber_id)


def test_the_demo_liker_learns_from_the_bundled_papers_without_the_network(
        pipeline, demo_subscribers, arxiv_api):
    liker = next(s for s in demo_subscribers if s.likes)
    assert [p.id for p in liker.likes] == [DIFFUSION_LM] and liker.likes[0].pending
    assert not liker.queries and not liker.wants_trending  # likes only
    pipeline.add_subscribers(demo_subscribers)
    pipeline.scrape()
    pipeline.match()  # the subscribers stream first, then the papers stream
    stored = _stored(pipeline, liker.id)
    assert stored.likes[0].title == "Continuous Latent Diffusion Language Model"
    assert stored.likes[0].abstract and not stored.like_notes
    assert [like.id for like in _profile(pipeline, liker.id).likes] == [DIFFUSION_LM]
    recs = DeliveryRepository(pipeline.table_name("DeliveriesTable")).pending_recommendations(
        liker.id)
    assert recs and DIFFUSION_LM not in {r.paper_id for r in recs}
    assert all(r.similar_to_id == DIFFUSION_LM for r in recs)
    assert arxiv_api.requests == []  # local runs never ask arXiv (ARXIV_API_URL="")


@pytest.fixture
def with_arxiv(pipeline, arxiv_api):
    """The pipeline's functions ask the loopback stand-in instead of nobody."""
    pipeline.invoker.extra_env["ARXIV_API_URL"] = arxiv_api.url
    pipeline.scrape(["bundled:hf-daily"])
    return arxiv_api


def test_papers_paperbell_lacks_are_fetched_in_one_batched_request(pipeline, with_arxiv):
    remote = Paper(id="2601.00042", title="Remote sensing with sparse transformers",
                   abstract="Satellite images, sparse attention and transformers.")
    with_arxiv.papers = {remote.id: remote}
    subscriber = new_subscriber("ada@example.org", [], like=[
        DIFFUSION_LM, f"https://arxiv.org/abs/{remote.id}v2", "2601.99999"])
    pipeline.add_subscribers([subscriber])
    pipeline.match()
    stored = _stored(pipeline, subscriber.id)
    assert [(p.id, p.title) for p in stored.likes] == [
        (DIFFUSION_LM, "Continuous Latent Diffusion Language Model"),
        (remote.id, remote.title),
    ]
    assert stored.like_notes == ("2601.99999 was not found on arXiv",)
    # One request for both missing ids; the one in the papers table was not asked for.
    assert [q["id_list"] for q in with_arxiv.requests] == [["2601.00042,2601.99999"]]
    profile = _profile(pipeline, subscriber.id)
    assert {like.id for like in profile.likes} == {DIFFUSION_LM, remote.id}


def test_an_arxiv_outage_keeps_the_ids_for_a_later_run(pipeline, with_arxiv):
    with_arxiv.status = 503
    subscriber = new_subscriber("ada@example.org", [], like=["2601.00042"])
    pipeline.add_subscribers([subscriber])
    pipeline.match()
    stored = _stored(pipeline, subscriber.id)
    assert [p.id for p in stored.likes] == ["2601.00042"] and stored.likes[0].pending
    assert stored.like_notes == ()
    with_arxiv.status = 200
    with_arxiv.papers = {"2601.00042": Paper(id="2601.00042", title="Back again",
                                             abstract="Words to learn from.")}
    pipeline.invoker.invoke("IndexFunction", pipeline.event("index.json"))  # the nightly run
    assert _stored(pipeline, subscriber.id).likes[0].title == "Back again"


def test_an_unconfirmed_sign_up_costs_arxiv_nothing(pipeline, with_arxiv):
    from dataclasses import replace

    subscriber = replace(new_subscriber("ada@example.org", [], like=["2601.00042"]),
                         status="pending")
    pipeline.add_subscribers([subscriber])
    pipeline.match()
    assert with_arxiv.requests == []
    assert _stored(pipeline, subscriber.id).likes[0].pending


def _settings(pipeline, arxiv_url: str):
    from paperbell.config import Settings

    return Settings(papers_table=pipeline.table_name("PapersTable"),
                    subscribers_table=pipeline.table_name("SubscribersTable"),
                    deliveries_table=pipeline.table_name("DeliveriesTable"),
                    arxiv_api_url=arxiv_url)


def test_filling_in_never_undoes_a_vote_cast_meanwhile(pipeline, arxiv_api):
    from paperbell.models import PaperText
    from paperbell.services.likes import resolve_subscribers

    arxiv_api.papers = {"2601.00042": Paper(id="2601.00042", title="Remote", abstract="Far.")}
    subscriber = new_subscriber("ada@example.org", [], like=["2601.00042"])
    pipeline.add_subscribers([subscriber])
    repo = SubscriberRepository(pipeline.table_name("SubscribersTable"))
    vote = PaperText("2605.06548", "Continuous Latent Diffusion Language Model", "Words.")
    repo.set_likes(subscriber.id, (*subscriber.likes, vote), ())  # a vote after the read
    changed = resolve_subscribers(_settings(pipeline, arxiv_api.url), [subscriber])
    assert changed == {}  # the stale read wrote nothing ...
    stored = _stored(pipeline, subscriber.id)
    assert [p.id for p in stored.likes] == ["2601.00042", "2605.06548"]  # ... the vote stays
    # and the next run (the vote's own stream record) fills the placeholder in.
    resolve_subscribers(_settings(pipeline, arxiv_api.url), [stored])
    assert [p.title for p in _stored(pipeline, subscriber.id).likes] == [
        "Remote", "Continuous Latent Diffusion Language Model"]


def test_a_run_asks_arxiv_within_its_budget_and_leaves_the_rest(pipeline, arxiv_api):
    from paperbell.services.likes import ArxivBudget, resolve_subscribers

    ids = [f"2601.{i:05d}" for i in range(60)]
    arxiv_api.papers = {i: Paper(id=i, title=f"Paper {i}", abstract="Words.") for i in ids}
    first = new_subscriber("ada@example.org", [], like=ids[:50])
    second = new_subscriber("bob@example.org", [], like=ids[50:])
    pipeline.add_subscribers([first, second])
    resolve_subscribers(_settings(pipeline, arxiv_api.url), [first, second],
                        budget=ArxivBudget(requests=1))
    assert len(arxiv_api.requests) == 1  # 60 ids would take two batched requests
    stored = [_stored(pipeline, s.id) for s in (first, second)]
    read = sum(not p.pending for s in stored for p in s.likes)
    assert read == 50 and sum(p.pending for s in stored for p in s.likes) == 10
    assert not any(s.like_notes for s in stored)  # not asked is not "not found"
