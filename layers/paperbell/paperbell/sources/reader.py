"""``read_source``: one source spec -> its current papers, plus the state to remember.

Why here and not in the fetch Lambda: paging rules (Hugging Face ``p``/``limit``,
arXiv API ``start``/``max_results`` with opensearch totals), change detection (ETag,
Last-Modified, content hash) and de-duplication by canonical id are properties of the
sources, and the CLI needs exactly the same behaviour as the Lambda.

Contract: returns a ``SourceReadResult`` or raises ``FeedError`` / ``SourceSpecError``;
nothing else escapes.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from typing import TYPE_CHECKING

from paperbell.errors import FeedError, SourceSpecError

from .parse import parse_feed
from .results import FeedResult, PaperCollector, SourceReadResult, SourceState
from .specs import SourceSpec, parse_source_spec

if TYPE_CHECKING:
    from .fetcher import HttpFetcher, HttpResponse

MAX_FILE_BYTES = 50 * 1024 * 1024


def read_source(
    spec: str | SourceSpec,
    *,
    state: SourceState | None = None,
    fetcher: HttpFetcher | None = None,
    max_items: int | None = None,
) -> SourceReadResult:
    """Read one source.

    ``state`` is what the previous read returned (``None`` the first time). A 304, or
    a body identical to the last one, gives ``not_modified=True`` and no papers.
    ``fetcher`` lets a caller share one session (and arXiv's spacing) across
    sources; one is created (and closed) otherwise. ``max_items`` overrides the cap
    on paged sources.
    """
    started = time.perf_counter()
    source = spec if isinstance(spec, SourceSpec) else parse_source_spec(spec)
    previous = state or SourceState()
    if source.kind == "file":
        result = _read_file(source, previous)
        result.duration_s = time.perf_counter() - started
        return result
    own_fetcher = fetcher is None
    if fetcher is None:
        from .fetcher import HttpFetcher

        fetcher = HttpFetcher()
    requests_before = fetcher.requests
    try:
        if source.kind == "hf":
            result = _read_hf_pages(source, previous, fetcher, max_items)
        elif source.kind == "arxiv-api":
            result = _read_arxiv_api_pages(source, previous, fetcher, max_items)
        else:
            result = _read_single(source, previous, fetcher)
    except (FeedError, SourceSpecError):
        raise
    except Exception as exc:  # the contract: never anything else
        raise FeedError(
            f"reading {source.name} failed: unexpected {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        if own_fetcher:
            fetcher.close()
    result.requests = fetcher.requests - requests_before
    result.duration_s = time.perf_counter() - started
    return result


def _read_file(spec: SourceSpec, state: SourceState) -> SourceReadResult:
    path = spec.path or ""
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise FeedError(f"{path}: {size} bytes is over the {MAX_FILE_BYTES}-byte limit")
        with open(path, "rb") as handle:
            body = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise FeedError(f"cannot read {path}: {exc.strerror or exc}") from None
    feed = parse_feed(body)
    return SourceReadResult(
        spec=spec.name, papers=feed.papers, skipped=feed.skipped, errors=feed.errors,
        state=state,
    )


def _get(
    fetcher: HttpFetcher, spec: SourceSpec, url: str, state: SourceState | None
) -> HttpResponse:
    """GET with conditional headers; turn an explained error status into its message."""
    from .fetcher import HttpStatusError

    try:
        return fetcher.get(
            url,
            etag=state.etag if state else None,
            last_modified=state.last_modified if state else None,
        )
    except HttpStatusError as exc:
        if exc.body and spec.kind in ("arxiv", "arxiv-api") and 400 <= exc.status < 500:
            try:
                parse_feed(exc.body, base_url=exc.url, content_type=exc.content_type)
            except FeedError as explained:
                raise FeedError(f"{explained} (HTTP {exc.status} for {exc.url})") from exc
        raise


def _not_modified(spec: SourceSpec, state: SourceState, response: HttpResponse
                  ) -> SourceReadResult:
    return SourceReadResult(
        spec=spec.name,
        state=SourceState(
            response.etag or state.etag,
            response.last_modified or state.last_modified,
            state.content_hash,
        ),
        not_modified=True,
    )


def _read_single(spec: SourceSpec, state: SourceState, fetcher: HttpFetcher
                 ) -> SourceReadResult:
    response = _get(fetcher, spec, spec.request_url(), state)
    if response.not_modified:
        return _not_modified(spec, state, response)
    digest = hashlib.sha256(response.body).hexdigest()
    new_state = SourceState(response.etag, response.last_modified, digest)
    if state.content_hash == digest:
        return SourceReadResult(spec=spec.name, state=new_state, not_modified=True)
    feed = parse_feed(response.body, base_url=response.url, content_type=response.content_type)
    return SourceReadResult(
        spec=spec.name, papers=feed.papers, skipped=feed.skipped, errors=feed.errors,
        state=new_state,
    )


def _read_hf_pages(spec: SourceSpec, state: SourceState, fetcher: HttpFetcher,
                   max_items: int | None) -> SourceReadResult:
    """Hugging Face: ``limit``/``p`` pages until an empty page, a repeat or the cap."""
    page_size = spec.page_size or 100
    cap = max(1, max_items or spec.max_items or page_size)
    read = _PagedRead(spec, state, fetcher)
    for page in range(math.ceil(cap / page_size)):
        got = read.page(spec.request_url(limit=min(page_size, cap), p=page),
                        label=f"page {page}: " if page else "")
        if got is None:
            break
        feed, new = got
        if not feed.papers and not feed.skipped:
            break  # the empty page after the last one (or a weekend: no papers at all)
        if new == 0 or len(read.pages.papers) >= cap:
            break  # the API ignored paging, or we reached the cap
    del read.pages.papers[cap:]
    return read.finish()


def _read_arxiv_api_pages(spec: SourceSpec, state: SourceState, fetcher: HttpFetcher,
                          max_items: int | None) -> SourceReadResult:
    """arXiv export API: ``start``/``max_results`` pages bounded by opensearch totals."""
    page_size = spec.page_size or 100
    cap = max(1, max_items or spec.max_items or page_size)
    read = _PagedRead(spec, state, fetcher)
    start = 0
    while start < cap:
        got = read.page(spec.request_url(start=start, max_results=min(page_size, cap - start)),
                        label=f"results from {start}: " if start else "")
        if got is None:
            break
        feed, _ = got
        count = len(feed.papers) + feed.skipped
        total = feed.meta.get("total_results")
        if count == 0:
            break
        start += count
        if isinstance(total, int) and start >= total:
            break
    return read.finish()


class _PagedRead:
    """What the pages of one paged read share, whatever the paging scheme.

    One collector (repeats across pages counted once, errors capped), one hash over all
    bodies (the change detector), the first response's validators, and the rule that
    only the first page's failure fails the read: a later page's failure keeps what
    was read and forgets the validators, so the next run reads everything again.
    """

    def __init__(self, spec: SourceSpec, state: SourceState, fetcher: HttpFetcher) -> None:
        self.spec, self.state, self.fetcher = spec, state, fetcher
        self.pages = PaperCollector()
        self.digest = hashlib.sha256()
        self.first: HttpResponse | None = None
        self.partial = False
        self.unchanged: SourceReadResult | None = None

    def page(self, url: str, *, label: str) -> tuple[FeedResult, int] | None:
        """Read one page: its result and how many new papers it brought; None: stop."""
        first_page = self.first is None
        try:
            response = _get(self.fetcher, self.spec, url, self.state if first_page else None)
            if response.not_modified:
                self.unchanged = _not_modified(self.spec, self.state, response)
                return None
            feed = parse_feed(response.body, base_url=response.url,
                              content_type=response.content_type)
        except FeedError as exc:
            if first_page:
                raise
            self.pages.note(f"{label}{exc}")
            self.partial = True
            return None
        self.first = self.first or response
        self.digest.update(response.body)
        return feed, self.pages.absorb(feed, label=label)

    def finish(self) -> SourceReadResult:
        if self.unchanged is not None:
            return self.unchanged
        pages = self.pages.result()
        result = SourceReadResult(spec=self.spec.name, papers=pages.papers,
                                  skipped=pages.skipped, errors=pages.errors)
        if self.partial or self.first is None:
            # Forget validators so the next run reads everything again.
            result.state = SourceState()
            return result
        digest = self.digest.hexdigest()
        result.state = SourceState(self.first.etag, self.first.last_modified, digest)
        if self.state.content_hash == digest:
            result.papers = []
            result.skipped = 0
            result.errors = []
            result.not_modified = True
        return result
