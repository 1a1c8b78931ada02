"""Recommendation profiles ride the subscribers stream; the matcher records candidates."""

from __future__ import annotations

from dataclasses import replace

from paperbell import aws
from paperbell.models import PaperText
from paperbell.recommend import DEFAULT_FLOOR, ProfileIndex
from paperbell.services.recommending import PROFILE_SNAPSHOT_KEY, profile_store
from paperbell.services.subscriptions import new_subscriber
from paperbell.sources import read_source
from paperbell.storage.deliveries import DeliveryRepository
from paperbell.storage.subscribers import SubscriberRepository
from paperbell_dev.demo_data import resolve_bundled

SCALING = (
    "Scaling Laws for Downstream Task Performance of Large Language Models",
    "Why Has Predicting Downstream Capabilities of Frontier AI Models with Scale Remained "
    "Elusive?",
)
SCALING_REST = {
    "Unveiling Downstream Performance Scaling of LLMs: A Clustering-Based Perspective",
    "Collaborative Performance Prediction for Large Language Models",
    "Performance Scaling via Optimal Transport: Enabling Data Selection from Partially "
    "Revealed Sources",
}


def _seed() -> dict[str, object]:
    return {p.title: p for p in read_source(resolve_bundled("bundled:seed")).papers}


def _liker(email: str = "liker@example.org"):
    seed = _seed()
    likes = tuple(PaperText(seed[t].id, t, seed[t].abstract) for t in SCALING)
    return replace(new_subscriber(email, ["zebra finches"]), likes=likes), seed


def _profiles(pipeline) -> ProfileIndex | None:
    snapshot = profile_store(pipeline.stack.physical["IndexBucket"]["Ref"]).load()
    return ProfileIndex.from_snapshot(snapshot.data) if snapshot else None


def _recs(pipeline, subscriber):
    repo = DeliveryRepository(pipeline.table_name("DeliveriesTable"))
    return repo.pending_recommendations(subscriber.id)


def test_no_likes_anywhere_writes_no_profile_snapshot(pipeline, demo_subscribers):
    pipeline.add_subscribers([s for s in demo_subscribers if not s.likes])
    pipeline.match()
    bucket = pipeline.stack.physical["IndexBucket"]["Ref"]
    keys = [o["Key"] for o in aws.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert PROFILE_SNAPSHOT_KEY not in keys


def test_a_subscriber_with_likes_gets_candidates_above_the_floor_with_reasons(pipeline):
    liker, seed = _liker()
    pipeline.add_subscribers([liker])
    pipeline.match()  # index function: the profile snapshot
    profiles = _profiles(pipeline)
    assert profiles is not None and liker.id in profiles
    assert "scaling" in profiles.profile(liker.id).top_terms(10)

    pipeline.scrape(["bundled:seed"])
    pipeline.match()
    recs = _recs(pipeline, liker)
    titles = {seed_title for seed_title, p in seed.items() if p.id in {r.paper_id for r in recs}}
    assert titles and titles <= SCALING_REST  # the rest of the topic, nothing else
    assert not {seed[t].id for t in SCALING} & {r.paper_id for r in recs}  # liked: never
    assert all(r.score >= DEFAULT_FLOOR for r in recs)
    assert [r.score for r in recs] == sorted((r.score for r in recs), reverse=True)
    best = recs[0]
    # The liked paper it resembles, by id (the digest shows its title from the likes).
    assert best.similar_to_id in {seed[t].id for t in SCALING}
    assert best.terms and best.keys


def test_a_changed_profile_follows_the_stream_and_a_removed_one_leaves(pipeline):
    liker, seed = _liker()
    plain = new_subscriber("plain@example.org", ["RoPE"])
    pipeline.add_subscribers([liker, plain])
    pipeline.match()
    repo = SubscriberRepository(pipeline.table_name("SubscribersTable"))
    dislike = seed["Collaborative Performance Prediction for Large Language Models"]
    repo.put(replace(liker, dislikes=(PaperText(dislike.id, dislike.title, dislike.abstract),)))
    pipeline.match()
    profiles = _profiles(pipeline)
    assert profiles is not None
    assert profiles.profile(liker.id).dislikes == (dislike.id,)
    assert plain.id not in profiles

    repo.put(replace(liker, likes=(), dislikes=()))
    pipeline.match()
    profiles = _profiles(pipeline)
    assert profiles is not None and liker.id not in profiles and len(profiles) == 0
