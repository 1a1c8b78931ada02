"""What one digest mail contains, independent of how it is rendered.

The text and HTML renderers and the MIME builder share everything here: which papers
are shown and in what order, the subject line, the links of a paper, and the small
sanitizers that keep feed content from breaking out of a header line or a link.
Everything coming from a feed (titles, authors, abstracts, URLs) and from a subscriber
(queries) is treated as untrusted text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from urllib.parse import urlsplit

from paperbell.matching import snippet
from paperbell.matching.matcher import merge_spans
from paperbell.matching.scoring import score_match
from paperbell.models import Paper, Subscriber
from paperbell.urls import safe_url

KINDS = ("digest", "empty-note")
SNIPPET_WIDTH = 240
MAX_AUTHORS = 3
SUBJECT_MAX = 90
SUBJECT_QUERY_MAX = 40

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class SubscriberLinks:
    """Per-subscriber URLs (signed tokens are the caller's business)."""

    unsubscribe_url: str
    manage_url: str
    full_list_url: str


@dataclass(frozen=True, slots=True)
class MailSettings:
    """Deployment-wide mail settings."""

    sender: str
    sender_name: str = "paperbell"
    reply_to: str | None = None
    configuration_set: str | None = None
    unsubscribe_mailto: str | None = None
    site_url: str = ""
    max_papers: int = 30


@dataclass(frozen=True, slots=True)
class VoteLinks:
    """The signed "more like this" / "less like this" URLs of one paper in one
    subscriber's mail (each opens a page with one button; only its POST votes)."""

    more_url: str
    less_url: str


@dataclass(frozen=True, slots=True)
class RecommendationReason:
    """Why a paper is in "Recommended for you": the liked paper it resembles most and
    the distinctive terms they share (as the new paper writes them), with the score."""

    score: float
    similar_to_id: str = ""
    similar_to_title: str = ""
    terms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DigestEntry:
    """One paper and every query of the subscriber it matched.

    ``highlights`` maps ``"title"`` / ``"abstract"`` to character spans into the
    original ``paper.title`` / ``paper.abstract``.
    """

    paper: Paper
    queries: tuple[str, ...]
    highlights: dict[str, list[Span]] = field(default_factory=dict, compare=False)
    #: Trending entries: the paper's rank on the list and its comment count at send time.
    rank: int | None = None
    comments: int | None = None
    #: Recommended entries: why (the highlights then mark the shared terms).
    reason: RecommendationReason | None = None
    #: Recommended and matched entries of digest mails: the vote links (issue 14).
    votes: VoteLinks | None = None


#: Section keys in mail order, which is also the order of precedence: a paper appears
#: once per mail, in the first section that holds it (trending, then the subscriber's
#: own queries, then what the liked papers suggest).
TRENDING, QUERIES, RECOMMENDED = "trending", "queries", "recommended"
SECTION_TITLES = {
    TRENDING: "Trending on Hugging Face",
    QUERIES: "Matching your queries",
    RECOMMENDED: "Recommended for you",
}


@dataclass(frozen=True, slots=True)
class DigestSection:
    """A titled part of a digest. ``ordered`` sections keep their entries' order (the
    trending rank); the others (keyword matches) by their match score as of the digest
    day (:func:`paperbell.matching.scoring.score_match`), else :func:`section_order`."""

    key: str
    title: str
    entries: list[DigestEntry]
    ordered: bool = False

    def ranked(self, as_of: datetime | None = None) -> list[DigestEntry]:
        merged = merge_entries(self.entries)
        if self.ordered:
            return merged
        if as_of is None:
            return sorted(merged, key=section_order)
        return sorted(
            merged,
            key=lambda e: (-score_match(e.paper, e.highlights, as_of).total, *_rank_key(e)),
        )


def section(key: str, entries: list[DigestEntry], *, ordered: bool = False,
            title: str | None = None) -> DigestSection:
    """A section with its standard title."""
    return DigestSection(key, title or SECTION_TITLES.get(key, key.title()), entries, ordered)


@dataclass(frozen=True, slots=True)
class Digest:
    """One mail for one subscriber and one day (or week).

    ``sections`` are the mail's parts in order (trending first, then keyword matches,
    then recommendations);
    without them the digest is one keyword section made of ``entries``. ``entries`` may
    name the same paper more than once (one pending match per query); a paper appears
    once per mail, in the first section that holds it. A ``"digest"`` without entries
    renders as the empty note.
    """

    subscriber: Subscriber
    entries: list[DigestEntry]
    digest_date: date
    links: SubscriberLinks
    kind: str = "digest"
    sections: tuple[DigestSection, ...] = ()
    #: "day" or "week": the period the mail covers (weekly digests say "this week").
    period: str = "day"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown digest kind {self.kind!r}; expected one of {KINDS}")

    def laid_out(self) -> list[DigestSection]:
        """The non-empty sections, each paper in the first section that holds it."""
        parts = list(self.sections) or [section(QUERIES, self.entries)]
        end_of_day = datetime.combine(self.digest_date, time.max, UTC)
        seen: set[str] = set()
        out = []
        for part in parts:
            kept = [e for e in part.ranked(end_of_day) if e.paper.id not in seen]
            seen.update(e.paper.id for e in kept)
            if kept:
                out.append(DigestSection(part.key, part.title, kept, ordered=True))
        return out

    @property
    def is_empty(self) -> bool:
        return self.kind == "empty-note" or not self.laid_out()

    @property
    def sectioned(self) -> bool:
        """Whether the mail shows section titles (any section besides keyword matches)."""
        return any(part.key != QUERIES for part in self.laid_out())

    def ranked(self) -> list[DigestEntry]:
        """Each paper once, in mail order: the trending section by rank, keyword matches
        best score first (docs/ranking.md: match quality, upvotes, recency as of the
        digest day's end; ties by upvotes, none last, then newest)."""
        return [entry for part in self.laid_out() for entry in part.entries]

    def page(self, max_papers: int) -> tuple[list[DigestEntry], int]:
        """The entries to show (at most ``max_papers``) and how many more were left out."""
        if self.is_empty:
            return [], 0
        ranked = self.ranked()
        limit = max(max_papers, 1)
        return ranked[:limit], max(len(ranked) - limit, 0)

    def paged_sections(self, max_papers: int) -> tuple[list[DigestSection], int]:
        """The sections cut to ``max_papers`` papers in all, and how many were left out."""
        if self.is_empty:
            return [], 0
        room = max(max_papers, 1)
        shown: list[DigestSection] = []
        more = 0
        for part in self.laid_out():
            kept = part.entries[:room]
            more += len(part.entries) - len(kept)
            room -= len(kept)
            if kept:
                shown.append(DigestSection(part.key, part.title, kept, ordered=True))
        return shown, more


def merge_entries(entries: Iterable[DigestEntry]) -> list[DigestEntry]:
    """One entry per paper id: queries unioned (first-seen order), highlights unioned."""
    merged: dict[str, DigestEntry] = {}
    for entry in entries:
        seen = merged.get(entry.paper.id)
        if seen is None:
            merged[entry.paper.id] = replace(
                entry,
                queries=tuple(dict.fromkeys(entry.queries)),
                highlights=dict(entry.highlights),
            )
            continue
        highlights = {
            key: [*seen.highlights.get(key, []), *entry.highlights.get(key, [])]
            for key in {*seen.highlights, *entry.highlights}
        }
        queries = tuple(dict.fromkeys((*seen.queries, *entry.queries)))
        merged[entry.paper.id] = replace(
            seen,
            queries=queries,
            highlights=highlights,
            rank=seen.rank or entry.rank,
            reason=seen.reason or entry.reason,
            votes=seen.votes or entry.votes,
        )
    return list(merged.values())


def section_order(entry: DigestEntry) -> tuple[bool, int, bool, float, str]:
    """Keyword matches: most upvoted first (papers without upvotes last), then newest."""
    return _rank_key(entry)


def _rank_key(entry: DigestEntry) -> tuple[bool, int, bool, float, str]:
    paper = entry.paper
    published = paper.published
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    return (
        paper.upvotes is None,
        -(paper.upvotes or 0),
        published is None,
        -published.timestamp() if published else 0.0,
        paper.id,
    )


# --- sanitizers -------------------------------------------------------------------------

_SPACE_RE = re.compile(r"\s+")


def squash(text: str) -> str:
    """Collapse every whitespace run (CR, LF, tab, U+2028, ...) to one space and drop
    other control and format characters (bidi overrides, NUL, ...)."""
    collapsed = _SPACE_RE.sub(" ", text)
    return "".join(ch for ch in collapsed if unicodedata.category(ch) not in ("Cc", "Cf"))


def one_line(text: str) -> str:
    """:func:`squash`, stripped: one clean line, safe for a header."""
    return squash(text).strip()


def clean_spans(text: str, spans: Iterable[Sequence[int]]) -> list[Span]:
    """Spans clipped to ``text`` and trimmed of surrounding whitespace, then sorted and
    merged; tolerant of stored spans that no longer fit (lists, Decimals, out of range)."""
    clipped: list[Span] = []
    for span in spans:
        if len(span) != 2:
            continue
        start, end = max(int(span[0]), 0), min(int(span[1]), len(text))
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            clipped.append((start, end))
    return list(merge_spans(clipped))


def split_marked(text: str, spans: Iterable[Sequence[int]]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, highlighted) pieces along ``spans``."""
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for start, end in clean_spans(text, spans):
        if start > pos:
            pieces.append((text[pos:start], False))
        pieces.append((text[start:end], True))
        pos = end
    if pos < len(text):
        pieces.append((text[pos:], False))
    return pieces


# --- what a paper shows -----------------------------------------------------------------


def authors_line(paper: Paper) -> str:
    names = [name for name in (one_line(a) for a in paper.authors) if name]
    if len(names) > MAX_AUTHORS:
        return ", ".join(names[:MAX_AUTHORS]) + " et al."
    return ", ".join(names)


def paper_links(paper: Paper) -> list[tuple[str, str]]:
    """(label, url) pairs: abstract, PDF and HF page for arXiv papers, else the paper url
    labelled with where it leads (a bare "link" told a reader nothing)."""
    arxiv_id = paper.arxiv_id
    if arxiv_id is None:
        url = safe_url(paper.url)
        return [(_link_label(url), url)] if url else []
    links = [
        ("abstract", f"https://arxiv.org/abs/{arxiv_id}"),
        ("PDF", f"https://arxiv.org/pdf/{arxiv_id}"),
    ]
    if "/" not in arxiv_id:  # Hugging Face papers pages exist for new-style ids only
        links.append(("HF", f"https://huggingface.co/papers/{arxiv_id}"))
    return links


def _link_label(url: str) -> str:
    """``search on HF`` for a Hugging Face papers search (what a paper from the trending
    page without an arXiv id links to), else the site's host name."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    if host == "huggingface.co" and parts.path.rstrip("/") == "/papers" and parts.query:
        return "search on HF"
    return host or "link"


def canonical_url(paper: Paper) -> str | None:
    """Where the title links to: the paper's own page, else its arXiv abstract."""
    url = safe_url(paper.url)
    if url is None and paper.arxiv_id is not None:
        url = f"https://arxiv.org/abs/{paper.arxiv_id}"
    return url


def code_link(paper: Paper) -> tuple[str, int | None] | None:
    """(GitHub url, stars) when the feed named a repository with an http(s) url."""
    url = safe_url(str(paper.extra.get("github_repo") or ""))
    if url is None:
        return None
    stars = paper.extra.get("github_stars")
    return url, stars if isinstance(stars, int) and not isinstance(stars, bool) else None


def abstract_snippet(entry: DigestEntry, width: int = SNIPPET_WIDTH) -> tuple[str, list[Span]]:
    """A window of the abstract around its first highlighted span, spans re-based into
    the window; the start of the abstract when only the title matched."""
    abstract = entry.paper.abstract
    summary = entry.paper.extra.get("ai_summary")
    if entry.rank is not None and not entry.highlights.get("abstract") and summary:
        # A trending paper without a filter hit: HF's one-line AI summary, as on HF.
        text = str(summary)
        return (text if len(text) <= width else text[: width - 1].rstrip() + "…"), []
    if not abstract.strip():
        return "", []
    spans = clean_spans(abstract, entry.highlights.get("abstract", []))
    text, window_spans = snippet(abstract, spans, width=width)
    return text, clean_spans(text, window_spans)


# --- subject ----------------------------------------------------------------------------


def queries_by_frequency(digest: Digest) -> list[str]:
    """Matched queries, most papers first; ties keep the subscriber's own order."""
    entries = [e for part in digest.laid_out() if part.key == QUERIES for e in part.entries]
    counts = Counter(q for entry in entries for q in entry.queries)
    order = {q: i for i, q in enumerate(digest.subscriber.queries)}
    return sorted(counts, key=lambda q: (-counts[q], order.get(q, len(order)), q))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def trending_phrase(subscriber: Subscriber) -> str:
    """``the top 10 trending papers (narrowed to: diffusion)`` or empty."""
    if not subscriber.wants_trending:
        return ""
    phrase = f"the top {subscriber.trending_top} trending papers"
    phrase += " of the week" if subscriber.mode == "weekly" else " of the day"
    filter_text = one_line(subscriber.trending_filter)
    return phrase + (f" (narrowed to: {filter_text})" if filter_text else "")


def section_heading(part: DigestSection, period: str = "day") -> str:
    """``Trending on Hugging Face · top 10 today`` / ``Matching your queries · 3 papers``."""
    count = len(part.entries)
    if part.key == TRENDING:
        return f"{part.title} · top {count} " + ("this week" if period == "week" else "today")
    return f"{part.title} · {count} paper" + ("" if count == 1 else "s")


def popularity_line(entry: DigestEntry) -> str:
    """``#1 · ▲ 123 upvotes · 4 comments`` for a trending entry, else empty."""
    if entry.rank is None:
        return ""
    parts = [f"#{entry.rank}", f"▲ {int(entry.paper.upvotes or 0)} upvotes"]
    if entry.comments:
        parts.append(f"{entry.comments} comment" + ("" if entry.comments == 1 else "s"))
    return " · ".join(parts)


def reason_line(entry: DigestEntry) -> tuple[str, tuple[str, ...]]:
    """(the liked title a recommended entry resembles, the shared terms), cleaned for
    one line; ``("", ())`` for any other entry."""
    reason = entry.reason
    if reason is None:
        return "", ()
    terms = tuple(dict.fromkeys(t for t in (one_line(t) for t in reason.terms) if t))
    return one_line(reason.similar_to_title), terms


def recommending_phrase(subscriber: Subscriber) -> str:
    """``papers like the 3 you liked`` or empty (the footer's "why you get this")."""
    count = len(subscriber.likes)
    if not count:
        return ""
    return "papers like the one you liked" if count == 1 else f"papers like the {count} you liked"


def manage_label(subscriber: Subscriber) -> str:
    """The footer's manage link: "Manage your queries" for query subscribers, else (a
    trending- or likes-only subscription has no queries to manage) "Manage your
    subscription"."""
    return "Manage your queries" if subscriber.queries else "Manage your subscription"


def paper_count_phrase(count: int) -> str:
    return f"{count} new paper" if count == 1 else f"{count} new papers"


def digest_subject(digest: Digest) -> str:
    """``7 new papers: lottery tickets, RoPE`` (queries most frequent first, cut to fit);
    ``Nothing new today`` for the empty note. Always one line."""
    if digest.is_empty:
        return "Nothing new this week" if digest.period == "week" else "Nothing new today"
    parts = {part.key: part for part in digest.laid_out()}
    trending = parts.get(TRENDING)
    if trending is not None:
        when = "This week's" if digest.period == "week" else "Today's"
        head = f"{when} top {len(trending.entries)} trending"
        keyword = parts.get(QUERIES)
        if keyword is None:
            recommended = parts.get(RECOMMENDED)
            if recommended is not None:
                head += f" + {len(recommended.entries)} recommended"
            first = one_line(trending.entries[0].paper.title)
            return _shorten(f"{head}: {first}", SUBJECT_MAX)
        matches = len(keyword.entries)
        head += f" + {matches} matching"
        queries = [q for q in (one_line(q) for q in queries_by_frequency(digest)) if q]
        return _shorten(head + (": " + ", ".join(queries) if queries else ""), SUBJECT_MAX)
    recommended = parts.get(RECOMMENDED)
    if recommended is not None and QUERIES not in parts:
        first = one_line(recommended.entries[0].paper.title)
        count = len(recommended.entries)
        return _shorten(f"{count} recommended for you: {first}", SUBJECT_MAX)
    count = len(digest.ranked())
    head = paper_count_phrase(count) + ": "
    queries = [q for q in (one_line(q) for q in queries_by_frequency(digest)) if q]
    if not queries:
        return head[:-2]
    shown: list[str] = []
    for i, query in enumerate(queries):
        rest = len(queries) - i - 1
        tail = f", +{rest} more" if rest else ""
        candidate = ", ".join([*shown, _shorten(query, SUBJECT_QUERY_MAX)])
        if shown and len(head) + len(candidate) + len(tail) > SUBJECT_MAX:
            return head + ", ".join(shown) + f", +{len(queries) - i} more"
        shown.append(_shorten(query, SUBJECT_QUERY_MAX))
    return head + ", ".join(shown)
