"""Trending subscriptions end to end (issue 15): HF lists in files -> scrape -> shared
snapshot in S3 -> planner (ticks, no pending matches) -> mail, on in-process moto."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from trending_support import (
    Listed,
    frozen_clock,
    ledger,
    mails_to,
    plain_text,
    trending_subscriber,
    write_list,
)

from paperbell.services.subscriptions import new_subscriber
from paperbell.storage.trending_snapshots import TRENDING_KEY
from paperbell_dev.local.api_calls import ApiCallCounter
from paperbell_dev.local.pipeline import LocalPipeline

ROOT = Path(__file__).resolve().parents[2]
DAY1 = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # a Thursday


@pytest.fixture
def hf_file(tmp_path: Path) -> Path:
    return tmp_path / "hf-daily.json"


@pytest.fixture
def stack(hf_file: Path) -> Iterator[LocalPipeline]:
    """The template on moto whose Sources parameter is the HF list file."""
    with LocalPipeline(ROOT / "template.yaml", parameters={"Sources": str(hf_file)}) as running:
        yield running


def _day_list(day: datetime = DAY1, **upvotes: int) -> list[Listed]:
    titles = {"a": "Agents that plan", "b": "Diffusion for everything", "c": "More agents"}
    return [
        Listed(f"2611.0000{n}", titles[key], votes, day, comments=n)
        for n, (key, votes) in enumerate(sorted(upvotes.items()), start=1)
    ]


def _refresh(stack: LocalPipeline) -> dict:
    result: dict = stack.invoker.invoke("ScrapeFunction", {"refresh": "trending"})
    return result


def _deliver_at(stack: LocalPipeline, clock: list[datetime], when: datetime) -> int:
    clock[0] = when
    stack.plan(when)
    return stack.mail()


@pytest.mark.e2e
def test_ranked_by_upvotes_at_send_time_and_never_sent_twice(stack, hf_file, monkeypatch):
    with frozen_clock(monkeypatch, DAY1 + timedelta(minutes=30)) as clock:
        ada = trending_subscriber("ada@example.org", top=2)
        stack.add_subscribers([ada])
        stack.scrape([write_list(hf_file, _day_list(a=10, b=5, c=1))])
        # Between the scrape and the send, b overtakes a on Hugging Face.
        clock[0] = DAY1 + timedelta(hours=1, minutes=15)
        write_list(hf_file, _day_list(a=10, b=50, c=1))
        refreshed = _refresh(stack)
        assert refreshed["trending_snapshot_written"] is True
        assert refreshed["papers_new"] == 0  # only counts moved

        _deliver_at(stack, clock, DAY1.replace(hour=8))
        (first,) = mails_to(stack, ada.email)
        text = plain_text(first)
        assert str(first["Subject"]).startswith("Today's top 2 trending")
        assert text.index("Diffusion for everything") < text.index("Agents that plan")
        assert "#1 · ▲ 50 upvotes" in text and "More agents" not in text

        # Day 2: a new paper; a and b are still in the 2-day window but were sent.
        day2 = DAY1 + timedelta(days=1)
        clock[0] = day2
        newest = Listed("2611.00009", "Fresh scaling laws", 3, day2)
        stack.scrape([write_list(hf_file, [*_day_list(a=12, b=60, c=1), newest])])
        _deliver_at(stack, clock, day2.replace(hour=8))
        second = mails_to(stack, ada.email)[1]
        text2 = plain_text(second)
        assert "Diffusion for everything" not in text2 and "Agents that plan" not in text2
        assert text2.index("Fresh scaling laws") < text2.index("More agents")
        assert "#3 · ▲ 3 upvotes" in text2  # ranks count the list, sent papers included
        assert [len(i["paper_ids"]) for i in ledger(stack, ada.id)] == [2, 2]


@pytest.mark.e2e
def test_both_kinds_arrive_as_one_mail_with_each_paper_once(stack, hf_file, monkeypatch):
    with frozen_clock(monkeypatch, DAY1) as clock:
        grace = trending_subscriber("grace@example.org", top=2, queries=["agents"])
        stack.add_subscribers([grace])
        stack.scrape([write_list(hf_file, _day_list(a=10, b=50, c=1))])
        stack.match()
        _deliver_at(stack, clock, DAY1.replace(hour=8))

    (mail,) = mails_to(stack, grace.email)
    text = plain_text(mail)
    trending_at = text.index("Trending on Hugging Face · top 2 today")
    queries_at = text.index("Matching your queries · 1 paper")
    assert trending_at < text.index("Agents that plan") < queries_at < text.index("More agents")
    # Matched a query too: shown once, in the trending section.
    assert text.count("https://arxiv.org/abs/2611.00001") == 1
    assert "matched: agents" in text[trending_at:queries_at]
    assert str(mail["Subject"]) == "Today's top 2 trending + 1 matching: agents"


@pytest.mark.e2e
def test_narrowed_trending_keeps_only_papers_matching_the_filter(stack, hf_file, monkeypatch):
    with frozen_clock(monkeypatch, DAY1) as clock:
        alan = trending_subscriber("alan@example.org", top=5, trending_filter="title:agent*")
        stack.add_subscribers([alan])
        stack.scrape([write_list(hf_file, _day_list(a=10, b=50, c=1))])
        _deliver_at(stack, clock, DAY1.replace(hour=8))

    text = plain_text(mails_to(stack, alan.email)[0])
    assert "Diffusion for everything" not in text
    assert text.index("Agents that plan") < text.index("More agents")
    assert "#2 · ▲ 1 upvotes" in text  # ranked among what the filter lets through
    assert "narrowed to: title:agent*" in text


@pytest.mark.e2e
def test_weekly_trending_sends_the_weeks_top_on_its_weekday(stack, hf_file, monkeypatch):
    monday = DAY1 - timedelta(days=3)
    with frozen_clock(monkeypatch, monday) as clock:
        kath = trending_subscriber("kath@example.org", top=3, mode="weekly", weekday="friday")
        stack.add_subscribers([kath])
        old = Listed("2611.00007", "Monday's big paper", 99, monday)
        stack.scrape([write_list(hf_file, [old, *_day_list(a=10, b=50, c=1)])])
        sent_on = []
        for day in range(7):
            when = (monday + timedelta(days=day)).replace(hour=8)
            if _deliver_at(stack, clock, when):
                sent_on.append(when.strftime("%A"))

    assert sent_on == ["Friday"]
    (mail,) = mails_to(stack, kath.email)
    text = plain_text(mail)
    # Listed on Monday: outside a daily 2-day window, inside the week.
    assert text.index("Monday's big paper") < text.index("Diffusion for everything")
    assert str(mail["Subject"]).startswith("This week's top 3 trending")


@pytest.mark.e2e
def test_trending_is_planned_at_the_local_hour_across_dst(stack, hf_file, monkeypatch):
    start = datetime(2026, 10, 30, 6, 0, tzinfo=UTC)  # New York leaves DST on Nov 1
    with frozen_clock(monkeypatch, start) as clock:
        nyc = trending_subscriber("nyc@example.org", top=1, timezone="America/New_York")
        stack.add_subscribers([nyc])
        planned = []
        for hour in range(1, 4 * 24):
            tick = start + timedelta(hours=hour)
            clock[0] = tick
            jobs = stack.plan(tick)["jobs"]
            planned += [j["slot"] for j in jobs if j["subscriber_id"] == nyc.id]
            stack.mail()
    assert planned == ["2026-10-30T12", "2026-10-31T12", "2026-11-01T13", "2026-11-02T13"]


@pytest.mark.e2e
def test_a_window_without_hf_papers_sends_nothing_and_says_why(stack, hf_file, monkeypatch):
    with frozen_clock(monkeypatch, DAY1) as clock:
        ada = trending_subscriber("ada@example.org")
        stack.add_subscribers([ada])
        stale = _day_list(DAY1 - timedelta(days=5), a=10, b=50)
        stack.scrape([write_list(hf_file, stale)])
        _deliver_at(stack, clock, DAY1.replace(hour=8))
    assert mails_to(stack, ada.email) == []
    (entry,) = ledger(stack, ada.id)
    assert entry["status"] == "skipped-empty"
    assert entry["detail"] == "no trending papers in the window"


@pytest.mark.e2e
def test_an_arxiv_only_stack_says_trending_is_unavailable(monkeypatch):
    from paperbell.config import Settings
    from paperbell.services.trending import trending_view

    arxiv = ROOT / "tests" / "fixtures" / "feeds" / "arxiv_rss_cs.LG.xml"
    params = {"Sources": "arxiv:cs.LG"}
    with LocalPipeline(ROOT / "template.yaml", parameters=params) as stack, \
            frozen_clock(monkeypatch, DAY1) as clock:
        ada = trending_subscriber("ada@example.org")
        stack.add_subscribers([ada])
        stack.scrape([str(arxiv)])
        _deliver_at(stack, clock, DAY1.replace(hour=8))
        config = Settings(index_bucket=stack.stack.physical["IndexBucket"]["Ref"],
                          sources=("arxiv:cs.LG",))
        view = trending_view(config, now=DAY1)
        assert mails_to(stack, ada.email) == []
        (entry,) = ledger(stack, ada.id)
    assert not view.available and "no popularity signal" not in view.reason
    assert "without a popularity signal (arxiv:cs.LG)" in view.reason
    assert "not available" in entry["detail"]


@pytest.mark.e2e
def test_rereading_unchanged_hf_lists_writes_nothing(stack, hf_file, monkeypatch):
    from paperbell import aws

    papers = aws.table(stack.table_name("PapersTable"))
    bucket = stack.stack.physical["IndexBucket"]["Ref"]

    def snapshot_etag() -> str:
        return str(aws.client("s3").head_object(Bucket=bucket, Key=TRENDING_KEY)["ETag"])

    with frozen_clock(monkeypatch, DAY1) as clock:
        stack.scrape([write_list(hf_file, _day_list(a=10, b=50, c=1))])
        before = sorted(papers.scan()["Items"], key=lambda i: i["paper_id"])
        etag = snapshot_etag()
        for layout in ("same bytes", "same counts, other layout"):
            clock[0] += timedelta(hours=3)  # the next re-read
            if layout != "same bytes":
                hf_file.write_text(hf_file.read_text().replace("\n", "\n  "), "utf-8")
            with ApiCallCounter() as calls:
                result = _refresh(stack)
            assert result["papers_fetched"] == 3, layout  # read and parsed again
            assert calls.count("dynamodb", "UpdateItem") == 0, sorted(calls.calls.items())
            assert calls.count("dynamodb", "BatchWriteItem") == 0
            # At most the source-health run record; no paper, no pending match.
            assert calls.count("dynamodb", "PutItem") <= 1, sorted(calls.calls.items())
            assert calls.count("s3", "PutObject") == 0
            assert result["trending_snapshot_written"] is False
            assert sorted(papers.scan()["Items"], key=lambda i: i["paper_id"]) == before
            assert snapshot_etag() == etag

        write_list(hf_file, _day_list(a=10, b=51, c=1))  # one count moved
        with ApiCallCounter() as calls:
            _refresh(stack)
        assert calls.count("dynamodb", "UpdateItem") == 1
        assert calls.count("s3", "PutObject") == 1


def test_keyword_only_subscribers_get_no_tick():
    from paperbell.services.subscriptions import needs_tick

    assert not needs_tick(new_subscriber("a@b.org", ["RoPE"]))
    assert needs_tick(new_subscriber("a@b.org", [], trending_top=5))
    assert not needs_tick(new_subscriber("a@b.org", ["RoPE"], mode="instant"))
