"""The "Recommended for you" section of the digest (issue 14), on the local pipeline.

Candidates are written here through the same repository call the matcher uses, with
chosen scores, so the top-N cut, the exclusions and the clearing can be checked
exactly; tests/e2e/test_recommend_mail_pipeline.py drives real candidates through the
papers stream.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from mail_support import mails_to
from paperbell import clock
from paperbell.models import Paper, PaperText, PendingRecommendation, Subscriber
from paperbell.scheduling import next_slot_for
from paperbell.services.recommending import RECOMMEND_TOP
from paperbell.services.subscriptions import needs_tick, new_subscriber
from paperbell.sources import read_source
from paperbell.storage.deliveries import DeliveryRepository
from paperbell_dev.demo_data import resolve_bundled
from paperbell_dev.local.faults import FaultInjector, ses_throttling

SCRAPED_AT = datetime(2026, 11, 27, 6, 31, tzinfo=UTC)  # a Friday
#: A liked paper no bundled paper resembles: the only candidates are the test's own.
BIRDS = PaperText("2601.00001", "Song learning in zebra finches",
                  "Juvenile zebra finches memorise a tutor song and rehearse it for months.")


def _seed() -> list[Paper]:
    return list(read_source(resolve_bundled("bundled:seed")).papers)


def _liker(email_address: str = "liker@example.org", **kw) -> Subscriber:
    """A subscriber with likes (and ``queries`` if given; none: likes only)."""
    queries = kw.pop("queries", [])
    made = new_subscriber(email_address, queries or ["placeholder"], delivery_hour=8, **kw)
    return replace(made, queries=tuple(queries), likes=(BIRDS,))


def _candidate(subscriber: Subscriber, paper: Paper, score: float) -> PendingRecommendation:
    word = paper.title.split()[0]
    return PendingRecommendation(
        subscriber_id=subscriber.id, paper_id=paper.id, score=score,
        similar_to_id=BIRDS.id, similar_to_title=BIRDS.title,
        terms=(word,), keys=(word.lower().rstrip(":"),),
    )


def _record(pipeline, subscriber: Subscriber, scored: list[tuple[Paper, float]]) -> None:
    repo = DeliveryRepository(pipeline.table_name("DeliveriesTable"))
    slot = next_slot_for(subscriber, clock.now())
    for paper, score in scored:
        state = repo.record_recommendation(
            _candidate(subscriber, paper, score), due_slot=slot,
            expires_at=int((clock.now() + timedelta(days=30)).timestamp()),
        )
        assert state == "new"


def _deliver_day(pipeline, frozen, start: datetime = SCRAPED_AT) -> None:
    for hour in range(1, 25):
        tick = start.replace(minute=0) + timedelta(hours=hour)
        frozen[0] = tick
        pipeline.plan(tick)
        pipeline.mail()


def _body(message: EmailMessage, kind: str) -> str:
    part = message.get_body(preferencelist=(kind,))
    assert part is not None
    return str(part.get_content())


def _section(text: str, title: str) -> str:
    """The text of one section of the plain-text part (up to the next heading or footer)."""
    start = text.index(title)
    rest = text[start:]
    ends = [m.start() for m in re.finditer(r"\n\n[A-Z][^\n]+\n=+\n|\n-- \n", rest)]
    return rest[: min(ends)] if ends else rest


def _titles_in(text: str, papers: list[Paper]) -> list[str]:
    flat = " ".join(text.split())
    found = [(flat.find(" ".join(p.title.split())), p.title) for p in papers]
    return [title for pos, title in sorted(found) if pos >= 0]


def test_the_section_holds_the_top_n_by_score_each_with_its_reason(pipeline, frozen):
    liker = _liker()
    pipeline.add_subscribers([liker])
    pipeline.scrape(["bundled:seed"])
    pipeline.match()
    seed = _seed()
    scores = [0.31, 0.12, 0.45, 0.18, 0.27, 0.11, 0.22]  # 7 candidates, top 5 shown
    scored = list(zip(seed[:7], scores, strict=True))
    _record(pipeline, liker, scored)

    _deliver_day(pipeline, frozen)

    (mail,) = mails_to(pipeline, liker.email)
    text = _body(mail, "plain")
    best = [p for p, _ in sorted(scored, key=lambda ps: -ps[1])]
    assert RECOMMEND_TOP == 5
    section = _section(text, "Recommended for you")
    assert section.startswith("Recommended for you · 5 papers")
    assert _titles_in(section, seed) == [p.title for p in best[:5]]  # best score first
    assert not set(_titles_in(text, seed)) & {p.title for p in best[5:]}
    assert section.count(f"similar to: {BIRDS.title}") == 5
    first_word = best[0].title.split()[0]
    assert f"shared terms: *{first_word}*" in section
    assert str(mail["Subject"]).startswith("5 recommended for you: ")
    html = _body(mail, "html")
    assert 'data-section="recommended"' in html
    assert f"similar to <em>{BIRDS.title}</em>" in html
    assert '<mark class="pb-mark"' in html
    assert "papers like the one you liked" in text  # the footer says why

    repo = DeliveryRepository(pipeline.table_name("DeliveriesTable"))
    assert repo.pending_recommendations(liker.id) == []  # consumed, the rest dropped
    # A redelivered stream record of a shown or dropped paper records nothing new.
    for paper, score in scored:
        assert repo.record_recommendation(
            _candidate(liker, paper, score), due_slot="2026-11-28T08", expires_at=0
        ) == "delivered"

    _deliver_day(pipeline, frozen, SCRAPED_AT + timedelta(days=1))
    assert len(mails_to(pipeline, liker.email)) == 1  # nothing new: no second mail


def test_never_a_paper_already_sent_and_never_twice_in_one_mail(pipeline, frozen):
    seed = _seed()
    rope = next(p for p in seed if p.title.startswith("Resonance RoPE"))
    liker = _liker(queries=["RoPE"])
    pipeline.add_subscribers([liker])
    pipeline.scrape(["bundled:seed"])
    pipeline.match()
    others = [p for p in seed if p.id != rope.id][:2]
    # The matched paper is also the best candidate: it is shown once, under the query.
    _record(pipeline, liker, [(rope, 0.9), (others[0], 0.3)])

    _deliver_day(pipeline, frozen)
    (first,) = mails_to(pipeline, liker.email)
    text = _body(first, "plain")
    flat = " ".join(text.split())
    assert flat.count(" ".join(rope.title.split())) == 1
    assert _section(text, "Matching your queries").count("Resonance RoPE") == 1
    recommended = _section(text, "Recommended for you")
    assert "Resonance RoPE" not in recommended
    assert _titles_in(recommended, seed) == [others[0].title]

    # The next day the same papers come back as candidates (say, re-listed): already
    # sent, they stay out; a new one is shown.
    frozen[0] = SCRAPED_AT + timedelta(days=1)
    repo = DeliveryRepository(pipeline.table_name("DeliveriesTable"))
    for item in ("rec#" + rope.id, "rec#" + others[0].id):  # as if TTL had removed them
        from paperbell import aws

        aws.table(pipeline.table_name("DeliveriesTable")).delete_item(
            Key={"subscriber_id": liker.id, "sk": item})
    _record(pipeline, liker, [(rope, 0.9), (others[0], 0.5), (others[1], 0.2)])
    _deliver_day(pipeline, frozen, SCRAPED_AT + timedelta(days=1))
    second = mails_to(pipeline, liker.email)[1]
    text2 = _body(second, "plain")
    assert _titles_in(text2, seed) == [others[1].title]
    assert repo.pending_recommendations(liker.id) == []


def test_a_transient_failure_keeps_the_candidates_for_the_retry(pipeline, frozen, no_sdk_sleep):
    liker = _liker()
    pipeline.add_subscribers([liker])
    pipeline.scrape(["bundled:seed"])
    pipeline.match()
    seed = _seed()
    _record(pipeline, liker, [(seed[0], 0.4), (seed[1], 0.2)])
    throttle = ses_throttling(times=12)  # more than the SDK retries: back to the queue
    with FaultInjector(throttle):
        _deliver_day(pipeline, frozen)

    assert throttle.injected == 12 and pipeline.digest_queue.stats.failed_attempts >= 1
    (mail,) = mails_to(pipeline, liker.email)
    assert _titles_in(_body(mail, "plain"), seed) == [seed[0].title, seed[1].title]


def test_likes_only_subscribers_get_mail_on_days_with_candidates_only(pipeline, frozen):
    quiet = _liker("quiet@example.org")
    notes = _liker("notes@example.org", notify_empty=True)
    weekly = _liker("weekly@example.org", mode="weekly", weekday=0)  # Mondays
    pipeline.add_subscribers([quiet, notes, weekly])
    pipeline.scrape(["bundled:seed"])
    pipeline.match()
    seed = _seed()
    _record(pipeline, weekly, [(seed[2], 0.3)])  # a Friday candidate, for Monday's mail

    _deliver_day(pipeline, frozen)  # Friday: nothing for quiet, a note for notes
    assert mails_to(pipeline, quiet.email) == []
    # No tick for likes-only subscribers: no job was even planned (no ledger item).
    assert not needs_tick(quiet)
    repo = DeliveryRepository(pipeline.table_name("DeliveriesTable"))
    assert repo.recent_ledger(quiet.id) == []
    (note,) = mails_to(pipeline, notes.email)
    assert "Nothing new" in str(note["Subject"])
    assert mails_to(pipeline, weekly.email) == []

    frozen[0] = SCRAPED_AT + timedelta(days=1)
    _record(pipeline, quiet, [(seed[0], 0.4)])
    _deliver_day(pipeline, frozen, SCRAPED_AT + timedelta(days=1))  # Saturday
    (mail,) = mails_to(pipeline, quiet.email)
    assert _titles_in(_body(mail, "plain"), seed) == [seed[0].title]

    for day in (2, 3):  # Sunday, then Monday: the weekly mail comes on its weekday
        _deliver_day(pipeline, frozen, SCRAPED_AT + timedelta(days=day))
    (weekly_mail,) = mails_to(pipeline, weekly.email)
    assert weekly_mail["Date"].datetime.weekday() == 0
    assert _titles_in(_body(weekly_mail, "plain"), seed) == [seed[2].title]


def test_an_inactive_subscriber_s_candidates_are_cleared_not_sent(pipeline, frozen):
    paused = replace(_liker("paused@example.org"), status="paused")
    pipeline.add_subscribers([paused])
    pipeline.scrape(["bundled:seed"])
    pipeline.match()
    _record(pipeline, paused, [(_seed()[0], 0.4)])
    _deliver_day(pipeline, frozen)
    assert mails_to(pipeline, paused.email) == []
    repo = DeliveryRepository(pipeline.table_name("DeliveriesTable"))
    assert repo.pending_recommendations(paused.id) == []
