"""Vectors, profiles and their limits."""

from __future__ import annotations

import math

import pytest

from paperbell.models import Paper
from paperbell.recommend import (
    MAX_LIKES,
    DocumentFrequencies,
    ProfileError,
    build_profile,
    cosine,
    vectorize,
)


@pytest.fixture
def df() -> DocumentFrequencies:
    return DocumentFrequencies.shipped()


def test_vectors_are_unit_length_and_fold_plurals_like_the_matcher(df: DocumentFrequencies):
    vec = vectorize("Lottery Tickets", "The lottery ticket hypothesis for transformers.", df)
    assert math.isclose(math.sqrt(sum(w * w for w in vec.values())), 1.0, rel_tol=1e-9)
    assert "ticket" in vec and "tickets" not in vec
    assert "transformer" in vec
    assert "the" not in vec and "for" not in vec  # stopwords carry no topic


def test_document_frequencies_grow_from_observed_papers(df: DocumentFrequencies):
    before = df.idf("zeolite")
    for _ in range(30):
        df.observe_paper("Zeolite catalysts", "zeolite zeolite")
    assert df.idf("zeolite") < before
    assert df.too_common("zeolite", 0.5)


def test_profile_from_liked_papers_holds_their_distinctive_terms(topics, df):
    diffusion = topics["diffusion"]
    profile = build_profile("p", diffusion[:2], df=df)
    assert "diffusion" in profile.top_terms(8)
    assert [like.id for like in profile.likes] == [p.id for p in diffusion[:2]]
    assert all(like.terms for like in profile.likes)
    assert math.isclose(sum(w * w for w in profile.vector.values()), 1.0, rel_tol=1e-9)
    assert len(profile.vector) <= 32


def test_a_dislike_lowers_what_it_is_about(topics, df):
    liked = topics["rag"][:2]
    disliked = topics["rag"][2:3]
    plain = build_profile("p", liked, df=df)
    taught = build_profile("p", liked, disliked, df=df)
    target = vectorize(disliked[0].title, disliked[0].abstract, df)
    assert cosine(taught.vector, target) < cosine(plain.vector, target)
    assert taught.dislikes == (disliked[0].id,)


def test_profile_limits(df):
    papers = [Paper(id=f"2601.{i:05d}", title=f"Paper {i} on graphs", abstract="graph")
              for i in range(MAX_LIKES + 1)]
    build_profile("p", papers[:MAX_LIKES], df=df)  # exactly at the limit is fine
    with pytest.raises(ProfileError, match="at most 50 liked"):
        build_profile("p", papers, df=df)
    with pytest.raises(ProfileError, match="at most 50 disliked"):
        build_profile("p", papers[:1], papers, df=df)
    with pytest.raises(ProfileError, match="none of the liked papers"):
        build_profile("p", [Paper(id="x", title="", abstract="")], df=df)
