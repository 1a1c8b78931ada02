"""The profile index: same answers as brute force, the floor, exclusions, snapshots."""

from __future__ import annotations

import itertools

import pytest

from paperbell.recommend import DocumentFrequencies, ProfileIndex, build_profile


@pytest.fixture
def built(topics):
    df = DocumentFrequencies.shipped()
    for papers in topics.values():
        for p in papers:
            df.observe_paper(p.title, p.abstract)
    profiles = []
    for topic, papers in sorted(topics.items()):
        if not topic:
            continue
        for n, (a, b) in enumerate(itertools.combinations(papers[:4], 2)):
            profiles.append(build_profile(f"{topic}-{n}", [a, b], df=df))
    return ProfileIndex.build(profiles, df=df), profiles


def _all_papers(topics):
    return [p for papers in topics.values() for p in papers]


def test_indexed_scores_equal_brute_force_for_every_profile_they_return(built, topics):
    index, _ = built
    agree = total = 0
    for paper in _all_papers(topics):
        vec = index.vectorize(paper.title, paper.abstract)
        fast = {c.profile_id: c.score for c in index.score(vec, floor=0.1, paper_id=paper.id)}
        slow = {c.profile_id: c.score
                for c in index.score_brute_force(vec, floor=0.1, paper_id=paper.id)}
        assert set(fast) <= set(slow)
        for pid, score in fast.items():
            assert score == pytest.approx(slow[pid])
        total += 1
        agree += fast.keys() == slow.keys()
    assert agree / total >= 0.95


def test_a_paper_of_the_topic_reaches_its_profiles_and_the_floor_keeps_others_out(built, topics):
    index, _ = built
    paper = topics["speech"][4]  # not among the liked ones (papers[:4])
    vec = index.vectorize(paper.title, paper.abstract)
    hits = index.score(vec, floor=0.1)
    assert hits and all(h.profile_id.startswith("speech-") for h in hits[:3])
    assert all(h.score >= 0.1 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert index.score(vec, floor=0.99) == []


def test_liked_papers_are_not_recommended_back(built, topics):
    index, _ = built
    liked = topics["graphs"][0]
    vec = index.vectorize(liked.title, liked.abstract)
    ids = {h.profile_id for h in index.score(vec, floor=0.05, paper_id=liked.id)}
    assert "graphs-0" not in ids  # graphs-0 liked papers 0 and 1
    assert "graphs-0" in {h.profile_id for h in index.score(vec, floor=0.05)}


def test_explanation_names_the_closest_liked_paper_and_shared_terms(built, topics):
    index, _ = built
    paper = topics["protein"][4]
    vec = index.vectorize(paper.title, paper.abstract)
    why = index.explain("protein-0", vec, title=paper.title, abstract=paper.abstract)
    assert why.similar_to is not None
    assert why.similar_to.id in {topics["protein"][0].id, topics["protein"][1].id}
    assert "protein" in [t.lower() for t in why.terms]


def test_snapshot_round_trip_keeps_profiles_scores_and_frequencies(built, topics):
    index, profiles = built
    data = index.to_snapshot()
    loaded = ProfileIndex.from_snapshot(data)
    assert len(loaded) == len(index) == len(profiles)
    assert loaded.df.papers == index.df.papers and loaded.df.counts == index.df.counts
    for profile in profiles:
        back = loaded.profile(profile.id)
        assert back.likes == profile.likes
        assert back.dislikes == profile.dislikes
        assert back.vector.keys() == profile.vector.keys()
        for k, w in profile.vector.items():
            assert back.vector[k] == pytest.approx(w, rel=1e-6)
    paper = topics["rlhf"][4]
    vec = index.vectorize(paper.title, paper.abstract)
    assert [(c.profile_id, round(c.score, 6)) for c in loaded.score(vec)] == [
        (c.profile_id, round(c.score, 6)) for c in index.score(vec)
    ]
    assert loaded.to_snapshot() == data


def test_changes_after_a_load_score_at_once_and_survive_the_next_snapshot(built, topics):
    index, _ = built
    loaded = ProfileIndex.from_snapshot(index.to_snapshot())
    df = loaded.df
    removed = "speech-0"
    assert loaded.remove(removed) and not loaded.remove(removed)
    newcomer = build_profile("new", topics["speech"][3:5], df=df)
    loaded.add(newcomer)
    paper = topics["speech"][2]
    vec = loaded.vectorize(paper.title, paper.abstract)
    ids = {c.profile_id for c in loaded.score(vec)}
    assert "new" in ids and removed not in ids
    again = ProfileIndex.from_snapshot(loaded.to_snapshot())
    assert "new" in again and removed not in again
    assert {c.profile_id for c in again.score(vec)} == ids
    assert len(again) == len(index)


def test_replacing_a_profile_keeps_one_copy(built, topics):
    index, _ = built
    before = len(index)
    index.add(build_profile("rag-0", topics["diffusion"][:2], df=index.df))
    assert len(index) == before
    index.compact()
    assert len(index) == before
    assert index.profile("rag-0").likes[0].id == topics["diffusion"][0].id


@pytest.mark.parametrize(
    "mangle",
    [
        lambda d: d[:10],
        lambda d: b"XXXXXXXX" + d[8:],
        lambda d: d[:-3],
        lambda d: d + b"\x00",
    ],
    ids=["too-short", "bad-magic", "truncated", "trailing"],
)
def test_a_damaged_snapshot_is_refused(built, mangle):
    index, _ = built
    with pytest.raises(ValueError, match="profile-index snapshot"):
        ProfileIndex.from_snapshot(mangle(index.to_snapshot()))


def test_an_empty_index_round_trips():
    empty = ProfileIndex(DocumentFrequencies())
    loaded = ProfileIndex.from_snapshot(empty.to_snapshot())
    assert len(loaded) == 0
    assert loaded.score({"graph": 1.0}) == []
