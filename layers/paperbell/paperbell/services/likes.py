"""Liked and disliked papers: from what a subscriber names to what the profile learns from.

A subscriber names papers (arXiv ids, paper links, DOIs, a BibTeX export; parsed by
:func:`paperbell.validation.validate_papers`); a profile needs their titles and
abstracts. Where they come from, and when (docs/recommendations.md, "Where liked papers
come from"):

* **In the request** (sign-up, manage page, API, operator CLI): the papers table, with
  one batch-get; DOIs against the recent papers (one capped scan, only when a DOI is
  given). This is fast and costs arXiv nothing.
* **In the background**: an arXiv id paperbell does not have is stored as a
  *placeholder* (the id, no text: :attr:`PaperText.pending`). The IndexFunction, which
  sees every subscriber change on the table's stream, fetches the placeholders of
  active subscribers from the arXiv export API and writes the texts back. Why there and
  not in the API: the IndexFunction runs one container at a time (reserved concurrency
  1) and keeps one fetcher per container, so "one request at a time, 3 s apart" holds
  for the whole stack, whatever the number of sign-ups; an API request never waits for
  arXiv. A confirmed subscriber's papers are read within a stream batch (seconds to a
  minute); a run stops asking arXiv after :data:`MAX_ARXIV_REQUESTS` requests or
  :data:`ARXIV_DEADLINE_SECONDS`, and the nightly rebuild picks up the rest.

An id arXiv does not know (or a DOI no paper paperbell has carries) is dropped and
named in the subscriber's ``like_notes``, which the manage page shows. An arXiv outage
drops nothing: the placeholders wait for the next run.

No module here knows HTTP or DynamoDB: storage/ reads and writes the tables,
recommend/lookup.py the export API; this module composes them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from paperbell import clock
from paperbell.config import Settings
from paperbell.errors import RequestError, bad_request, gone
from paperbell.models import PaperText, Subscriber, SubscriberChange
from paperbell.observability import logger, metrics
from paperbell.recommend import MAX_DISLIKES, MAX_LIKES
from paperbell.services.context import RequestContext
from paperbell.services.recommending import paper_text
from paperbell.storage.papers import PaperRepository
from paperbell.storage.subscribers import SubscriberRepository
from paperbell.validation import PAPER_FIELDS, Fields, PaperLists, Preferences, validate_paper_lists

if TYPE_CHECKING:
    from paperbell.recommend.inputs import PaperRef
    from paperbell.sources.fetcher import HttpFetcher

#: arXiv requests one background run makes at most (each asks for up to 50 ids, 3 s
#: apart), and the time after which it starts no new one: the IndexFunction has 300 s
#: and its snapshots to write.
MAX_ARXIV_REQUESTS = 20
ARXIV_DEADLINE_SECONDS = 120.0
#: Recent papers searched for a DOI (the preview's window and cost bound).
DOI_DAYS = 30
DOI_SCAN_LIMIT = 2000
#: Notes kept on the subscriber item (the manage page shows them): room for both
#: fields' own (validation.MAX_PAPER_NOTES + 1 each) and a few lookups'.
MAX_NOTES = 25


def is_doi(paper_id: str) -> bool:
    """Placeholders keep a DOI as it was given; arXiv ids never start with ``10.``."""
    return paper_id.startswith("10.") and "/" in paper_id


def placeholders(refs: Iterable[PaperRef]) -> tuple[PaperText, ...]:
    """Papers named but not read yet: each reference's id (or DOI), no text."""
    return tuple(PaperText(ref.value, "") for ref in refs)


# -- finding papers --------------------------------------------------------------------
@dataclass
class Found:
    """What a lookup found for placeholder ids: texts by id (and by DOI), the ids arXiv
    answered without (unknown there), and the arXiv requests it took."""

    texts: dict[str, PaperText] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    requests: int = 0

    def fill(self, papers: Sequence[PaperText]) -> tuple[tuple[PaperText, ...], list[str]]:
        """``papers`` with each found placeholder replaced by its text, and notes on the
        ones dropped. An unknown DOI is dropped (only papers paperbell has carry DOIs);
        an unknown arXiv id only once arXiv itself answered without it."""
        out: list[PaperText] = []
        notes: list[str] = []
        for paper in papers:
            if not paper.pending:
                out.append(paper)
            elif paper.id in self.texts:
                out.append(self.texts[paper.id])
            elif is_doi(paper.id):
                notes.append(f"DOI {paper.id} is not an arXiv paper paperbell has seen")
            elif paper.id in self.unknown:
                notes.append(f"{paper.id} was not found on arXiv")
            else:
                out.append(paper)  # still to be fetched
        return tuple(dict((p.id, p) for p in out).values()), notes


def _doi_texts(papers: PaperRepository, dois: set[str]) -> dict[str, PaperText]:
    """DOIs -> texts among the recent papers (papers carry their DOI in ``extra``)."""
    recent, _ = papers.recent(clock.now() - timedelta(days=DOI_DAYS), scan_limit=DOI_SCAN_LIMIT)
    found: dict[str, PaperText] = {}
    for paper in recent:
        doi = str(paper.extra.get("doi") or "").strip().lower()
        if doi in dois:
            found[doi] = paper_text(paper)
    return found


def find_known(papers: PaperRepository, pending: Iterable[PaperText]) -> Found:
    """The placeholders paperbell already has: one batch-get, plus a capped scan of the
    recent papers only when a DOI is among them."""
    ids = {p.id for p in pending if p.pending}
    found = Found()
    arxiv_ids = sorted(i for i in ids if not is_doi(i))
    if arxiv_ids:
        found.texts.update((pid, paper_text(paper))
                           for pid, paper in papers.get_many(arxiv_ids).items())
    dois = {i for i in ids if is_doi(i)}
    if dois:
        found.texts.update(_doi_texts(papers, dois))
    return found


@dataclass
class ArxivBudget:
    """How much one run may ask arXiv: a number of requests and a deadline."""

    requests: int = MAX_ARXIV_REQUESTS
    seconds: float = ARXIV_DEADLINE_SECONDS
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=-1.0)

    def allows(self, made: int) -> bool:
        if self.started < 0:
            self.started = self.clock()
        return made < self.requests and self.clock() - self.started < self.seconds


def fetch_missing(found: Found, ids: Iterable[str], fetcher: HttpFetcher, api_url: str,
                  budget: ArxivBudget) -> None:
    """Ask the export API for ``ids`` not yet in ``found`` (batched ``id_list``, one
    request at a time through ``fetcher``, which spaces them 3 s apart). Ids of a batch
    it answered go to ``found.texts`` or ``found.unknown``; a batch that failed (outage,
    timeout) leaves its ids as placeholders for a later run."""
    from paperbell.recommend.lookup import ID_LIST_BATCH, fetch_arxiv_papers

    missing = sorted({i for i in ids if i not in found.texts and not is_doi(i)})
    for start in range(0, len(missing), ID_LIST_BATCH):
        if not budget.allows(found.requests):
            break
        chunk = missing[start : start + ID_LIST_BATCH]
        papers, problems, requests = fetch_arxiv_papers(chunk, fetcher, api_url=api_url)
        found.requests += requests
        if problems:
            logger.warning("arXiv lookup failed", extra={"ids": len(chunk),
                                                         "reason": problems[0][:300]})
            continue
        for paper in papers.values():
            found.texts[paper.id] = paper_text(paper)
        found.unknown.update(i for i in chunk if i not in papers)
    if found.requests:
        metrics.add_metric(name="LikedPapersArxivRequests", unit="Count", value=found.requests)


# -- in the request ----------------------------------------------------------------------
@dataclass(frozen=True)
class Named:
    """Liked and disliked papers as a request leaves them: texts (placeholders for what
    is still to be fetched) and what could not be used."""

    likes: tuple[PaperText, ...]
    dislikes: tuple[PaperText, ...]
    notes: tuple[str, ...] = ()

    @property
    def pending(self) -> int:
        return sum(p.pending for p in (*self.likes, *self.dislikes))

    def as_json(self) -> dict[str, Any]:
        """The API's account of the papers: read, waiting for arXiv, not usable."""
        return {
            "like": [_paper_json(p) for p in self.likes],
            "dislike": [_paper_json(p) for p in self.dislikes],
            "waiting_for_arxiv": [p.id for p in (*self.likes, *self.dislikes) if p.pending],
            "not_used": list(self.notes),
        }

    def sentences(self, *, when: str = "once you confirm") -> list[str]:
        """The same for a page, in words."""
        read = sum(not p.pending for p in self.likes)
        out = [f"{read} of your {len(self.likes)} liked paper(s) found."] if self.likes else []
        if self.pending:
            out.append(f"{self.pending} paper(s) will be fetched from arXiv {when} "
                       "(usually within a minute).")
        if self.notes:
            out.append("Not used: " + "; ".join(self.notes[:MAX_NOTES]) + ".")
        return out


def _paper_json(paper: PaperText) -> dict[str, Any]:
    return {"id": paper.id, "title": paper.title or None, "pending": paper.pending}


def read_named(papers: PaperRepository, likes: Sequence[PaperText],
               dislikes: Sequence[PaperText], notes: Sequence[str] = (), *,
               fetcher: HttpFetcher | None = None, api_url: str = "") -> Named:
    """Fill in what paperbell has of the named papers; with a ``fetcher`` (the operator
    CLI, one process) also what the export API at ``api_url`` has. A request path never
    passes one (see the module docstring)."""
    found = find_known(papers, (*likes, *dislikes))
    if fetcher is not None and api_url:
        fetch_missing(found, (p.id for p in (*likes, *dislikes) if p.pending), fetcher,
                      api_url, ArxivBudget())
    liked, like_notes = found.fill(likes)
    disliked, dislike_notes = found.fill(dislikes)
    return Named(liked, disliked,
                 (tuple(notes) + tuple(like_notes + dislike_notes))[:MAX_NOTES])


def named_from_preferences(papers: PaperRepository, prefs: Preferences) -> Named:
    """The papers a sign-up names (``like``/``dislike`` in the form or JSON)."""
    return read_named(papers, placeholders(prefs.likes or ()),
                      placeholders(prefs.dislikes or ()), prefs.notes)


def added(subscriber: Subscriber, lists: PaperLists) -> tuple[tuple[PaperText, ...],
                                                              tuple[PaperText, ...]]:
    """The subscriber's lists with the papers of ``lists`` added at the end: a paper
    moves out of the other list, one already there stays where it is. More than 50 in
    a list is refused (an explicit addition is never silently cut; votes, which are one
    paper each, drop the oldest instead)."""
    new_likes = placeholders(lists.likes or ())
    new_dislikes = placeholders(lists.dislikes or ())
    like_ids = {p.id for p in new_likes}
    dislike_ids = {p.id for p in new_dislikes}
    likes = _appended([p for p in subscriber.likes if p.id not in dislike_ids], new_likes)
    dislikes = _appended([p for p in subscriber.dislikes if p.id not in like_ids], new_dislikes)
    for name, papers, limit in (("like", likes, MAX_LIKES), ("dislike", dislikes, MAX_DISLIKES)):
        if len(papers) > limit:
            raise bad_request(f"At most {limit} {PAPER_FIELDS[name]} papers, please: this would "
                              f"make {len(papers)}. Remove some first.", field=name)
    return likes, dislikes


def _appended(current: Sequence[PaperText], new: Sequence[PaperText]) -> tuple[PaperText, ...]:
    ids = {p.id for p in current}
    return (*current, *(p for p in new if p.id not in ids))


def without(subscriber: Subscriber, paper_ids: Iterable[str]) -> tuple[tuple[PaperText, ...],
                                                                       tuple[PaperText, ...]]:
    """The subscriber's lists without ``paper_ids`` (in either list); RequestError when
    none of them is there (a stale page: say so instead of answering "removed")."""
    gone = {i.strip() for i in paper_ids if i.strip()}
    likes = tuple(p for p in subscriber.likes if p.id not in gone)
    dislikes = tuple(p for p in subscriber.dislikes if p.id not in gone)
    if len(likes) + len(dislikes) == len(subscriber.likes) + len(subscriber.dislikes):
        shown = ", ".join(sorted(gone)[:3])[:120] or "nothing"
        raise RequestError(400, "not_liked", f"Not among your liked or disliked papers: {shown}.",
                           field="paper")
    return likes, dislikes


def add_papers(ctx: RequestContext, subscriber: Subscriber, fields: Fields
               ) -> tuple[Subscriber, Named]:
    """Add the ``like``/``dislike`` papers of a manage form or API call; the subscriber
    as stored now and what became of the papers."""
    lists = validate_paper_lists(fields)
    if not (lists.likes or lists.dislikes):
        raise bad_request("Paste at least one paper: an arXiv id, a paper link, a DOI or a "
                          "BibTeX export.", field="like")
    likes, dislikes = added(subscriber, lists)
    return _store(ctx, subscriber, read_named(ctx.papers, likes, dislikes, lists.notes))


def replace_papers(ctx: RequestContext, subscriber: Subscriber, prefs: Preferences
                   ) -> tuple[Subscriber, Named]:
    """A save that names ``like`` and/or ``dislike``: those lists are replaced (a list
    not named is kept), keeping the texts of papers already read."""
    known = {p.id: p for p in (*subscriber.likes, *subscriber.dislikes) if not p.pending}

    def listed(refs: tuple[PaperRef, ...] | None, current: tuple[PaperText, ...]
               ) -> tuple[PaperText, ...]:
        if refs is None:
            return current
        return tuple(known.get(p.id, p) for p in placeholders(refs))

    likes = listed(prefs.likes, subscriber.likes)
    dislikes = listed(prefs.dislikes, subscriber.dislikes)
    if prefs.likes is not None and prefs.dislikes is None:  # a paper moves between lists
        dislikes = tuple(p for p in dislikes if p.id not in {q.id for q in likes})
    if prefs.dislikes is not None and prefs.likes is None:
        likes = tuple(p for p in likes if p.id not in {q.id for q in dislikes})
    return _store(ctx, subscriber, read_named(ctx.papers, likes, dislikes, prefs.notes))


def remove_papers(ctx: RequestContext, subscriber: Subscriber, paper_ids: Iterable[str]
                  ) -> Subscriber:
    """Forget liked/disliked papers (the manage page's remove buttons, the API)."""
    likes, dislikes = without(subscriber, paper_ids)
    updated = ctx.subscribers.set_likes(subscriber.id, likes, dislikes)
    if updated is None:
        raise gone()
    return updated


def _store(ctx: RequestContext, subscriber: Subscriber, named: Named
           ) -> tuple[Subscriber, Named]:
    updated = ctx.subscribers.set_likes(subscriber.id, named.likes, named.dislikes,
                                        notes=named.notes[-MAX_NOTES:])
    if updated is None:
        raise gone()
    return updated, named


# -- in the background (IndexFunction) --------------------------------------------------
_fetchers: dict[str, HttpFetcher] = {}


def background_fetcher(api_url: str) -> HttpFetcher:
    """One fetcher per container and URL: its spacing (3 s between arXiv requests)
    then also holds between the runs of a warm container."""
    from paperbell.sources.fetcher import HttpFetcher

    fetcher = _fetchers.get(api_url)
    if fetcher is None:
        # Short timeouts and one retry: a slow arXiv leaves placeholders for the next
        # run instead of holding the index function.
        fetcher = HttpFetcher(connect_timeout=5.0, read_timeout=20.0, max_retries=1,
                              backoff_max=10.0, max_retry_after=10.0)
        _fetchers[api_url] = fetcher
    return fetcher


def _api_url(config: Settings) -> str:
    if config.arxiv_api_url is not None:
        return config.arxiv_api_url
    from paperbell.sources.specs import ARXIV_API_URL

    return ARXIV_API_URL


def resolve_subscribers(
    config: Settings,
    subscribers: Iterable[Subscriber],
    *,
    fetcher: HttpFetcher | None = None,
    budget: ArxivBudget | None = None,
) -> dict[str, Subscriber]:
    """Fill in the placeholders of active subscribers (papers table, then arXiv) and
    write them back; the subscribers that changed, as stored now.

    The write is conditional on the lists being unchanged since they were read, so a
    vote cast meanwhile is never undone (its own stream record brings the subscriber
    back here)."""
    waiting = [s for s in subscribers if s.status == "active"
               and any(p.pending for p in (*s.likes, *s.dislikes))]
    if not waiting:
        return {}
    papers = PaperRepository(config.papers_table)
    pending = [p for s in waiting for p in (*s.likes, *s.dislikes) if p.pending]
    found = find_known(papers, pending)
    url = _api_url(config)
    if url:
        fetch_missing(found, (p.id for p in pending), fetcher or background_fetcher(url), url,
                      budget or ArxivBudget())
    repo = SubscriberRepository(config.subscribers_table)
    changed: dict[str, Subscriber] = {}
    for subscriber in waiting:
        likes, like_notes = found.fill(subscriber.likes)
        dislikes, dislike_notes = found.fill(subscriber.dislikes)
        if (likes, dislikes) == (subscriber.likes, subscriber.dislikes):
            continue
        notes = (*subscriber.like_notes, *like_notes, *dislike_notes)[-MAX_NOTES:]
        updated = repo.set_likes(subscriber.id, likes, dislikes, notes=notes,
                                 only_if=(subscriber.likes, subscriber.dislikes))
        if updated is not None:
            changed[subscriber.id] = updated
    resolved = sum(1 for p in pending if p.id in found.texts)
    logger.info("liked papers resolved", extra={"subscribers": len(waiting), "papers": len(pending),
                                                "resolved": resolved,
                                                "arxiv_requests": found.requests})
    return changed


def resolve_changes(config: Settings, changes: Sequence[SubscriberChange]
                    ) -> list[SubscriberChange]:
    """The stream batch with each subscriber whose liked papers were just filled in
    replaced by their new state, so this batch's profile update already learns from
    them."""
    changed = resolve_subscribers(config, [c.subscriber for c in changes
                                           if c.subscriber is not None])
    return [replace(c, subscriber=changed[c.subscriber_id]) if c.subscriber_id in changed
            else c for c in changes]



# -- the profile as the API shows it ------------------------------------------------------
def profile_json(ctx: RequestContext, subscriber: Subscriber) -> dict[str, Any]:
    """``GET /api/profile``: the liked and disliked papers, what is still to be fetched,
    what could not be used, the profile's top terms and what it would recommend among
    the recent papers (the manage page shows the same)."""
    from paperbell.services.preview import likes_preview

    preview = likes_preview(ctx.config.papers_table, subscriber.likes, subscriber.dislikes) \
        if subscriber.likes else None
    papers = (*subscriber.likes, *subscriber.dislikes)
    return {
        "like": [_paper_json(p) for p in subscriber.likes],
        "dislike": [_paper_json(p) for p in subscriber.dislikes],
        "limit": MAX_LIKES,
        "waiting_for_arxiv": [p.id for p in papers if p.pending],
        "not_used": list(subscriber.like_notes),
        "top_terms": list(preview.top_terms) if preview else [],
        "preview": preview.as_json() if preview else None,
    }
