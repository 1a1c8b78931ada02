"""tantivy, used the obvious way, as the matching benchmark's peer (dev dependency only).

Why tantivy: it is the search engine a user would reach for instead of paperbell (a Rust
Lucene, ``pip install tantivy``). "The obvious way" to percolate with it is to index the
day's papers in RAM and run every stored query against that index, so that is what
:class:`TantivyPeer` does:

* schema: ``title`` and ``abstract`` with the English stemmer (``en_stem``: lower-case +
  Porter/Snowball), their ``*_raw`` twins (``default``: lower-case only) for ``prefix*``
  queries, ``authors`` (``default``), ``category`` and ``source`` (``raw``, stored
  lower-case) and ``upvotes`` (an indexed integer; absent when a paper has none);
* each stored query is translated once, in advance (setup, not the timed loop), from
  paperbell's syntax tree into tantivy query objects: a word or phrase leaf goes through
  tantivy's own query parser on the stemmed field (``title:"fine tuning"``, which
  tokenizes and stems it), an unfielded leaf is ``title OR abstract``, ``prefix*`` a
  regex query on the raw fields, AND/OR/NOT boolean queries (a NOT is ``all AND NOT x``
  so that it also works inside an OR), ``upvotes:`` a range query;
* matching is ``searcher.search(query, limit=<papers>)`` per stored query.

paperbell's own extensions have no tantivy counterpart and are deliberately left out of
the translation (that is what a tantivy user gets): compounds (``fine tuning`` =
``finetuning``), plural folding instead of Porter stemming, accent folding. Every
disagreement that follows is explained, leaf by leaf, by :func:`explain_disagreements`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import tantivy

from paperbell.matching.matcher import AnalyzedPaper
from paperbell.matching.query_parser import And, Category, Node, Not, Or, Source, Term, Upvotes
from paperbell.matching.query_parser import Query as PbQuery
from paperbell.models import Paper

__all__ = ["TantivyPeer", "explain_disagreements"]

_WORDS_RE = re.compile(r"[^\W_]+")


def _leaf_raw(query_text: str, term: Term) -> str:
    """The words the user typed for ``term`` (the tree only keeps normalized keys)."""
    pos = term.pos
    if query_text[pos : pos + 1] == '"':
        end = query_text.find('"', pos + 1)
        return query_text[pos + 1 : end]
    end = pos
    while end < len(query_text) and query_text[end] not in ' \t\r\n\f\v()"':
        end += 1
    return query_text[pos:end]


class TantivyPeer:
    """The day's papers in a tantivy RAM index, and stored queries translated for it."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        sb = tantivy.SchemaBuilder()
        for name in ("title", "abstract"):
            sb.add_text_field(name, tokenizer_name="en_stem")
            sb.add_text_field(f"{name}_raw", tokenizer_name="default")
        sb.add_text_field("authors", tokenizer_name="default")
        sb.add_text_field("category", tokenizer_name="raw")
        sb.add_text_field("source", tokenizer_name="raw")
        sb.add_integer_field("upvotes", indexed=True, fast=True)
        self.schema = sb.build()
        self.index = tantivy.Index(self.schema)
        writer = self.index.writer(heap_size=50_000_000, num_threads=1)
        for p in papers:
            fields: dict[str, list[object]] = {
                "title": [p.title],
                "title_raw": [p.title],
                "abstract": [p.abstract],
                "abstract_raw": [p.abstract],
                "authors": list(p.authors),
                "category": [c.lower() for c in p.categories],
                "source": [(p.source or "").lower()],
            }
            if p.upvotes is not None:
                fields["upvotes"] = [p.upvotes]
            writer.add_document(tantivy.Document(**fields))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()
        self.papers = len(papers)
        self._all = tantivy.Query.all_query()

    # -- translation --------------------------------------------------------------------
    def _field_leaf(self, field_name: str, term: Term, raw: str) -> tantivy.Query:
        if term.prefix:
            target = "authors" if field_name == "authors" else f"{field_name}_raw"
            return tantivy.Query.regex_query(self.schema, target, re.escape(term.parts[0]) + ".*")
        words = " ".join(_WORDS_RE.findall(raw))
        return self.index.parse_query(f'{field_name}:"{words}"')

    def leaf(self, term: Term, query_text: str, *, raw_fields: bool = False) -> tantivy.Query:
        """One word/phrase/prefix leaf (``raw_fields``: unstemmed, for explanations)."""
        raw = _leaf_raw(query_text, term)
        if term.field == "author":
            return self._field_leaf("authors", term, raw)
        fields: tuple[str, ...] = ("title", "abstract") if term.field == "text" else (term.field,)
        if raw_fields and not term.prefix:
            fields = tuple(f"{f}_raw" for f in fields)
        subs = [self._field_leaf(f, term, raw) for f in fields]
        if len(subs) == 1:
            return subs[0]
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in subs])

    def translate(self, query: PbQuery) -> tantivy.Query:
        """paperbell's tree as tantivy queries (see module docstring)."""
        occur = tantivy.Occur

        def walk(node: Node) -> tantivy.Query:
            if isinstance(node, Term):
                return self.leaf(node, query.text)
            if isinstance(node, Category):
                return tantivy.Query.term_query(self.schema, "category", node.value)
            if isinstance(node, Source):
                return tantivy.Query.term_query(self.schema, "source", node.value)
            if isinstance(node, Upvotes):
                lo, hi, inc_lo, inc_hi = {
                    ">=": (node.value, None, True, True),
                    ">": (node.value, None, False, True),
                    "<=": (None, node.value, True, True),
                    "<": (None, node.value, True, False),
                    "=": (node.value, node.value, True, True),
                }[node.op]
                return tantivy.Query.range_query(
                    self.schema, "upvotes", tantivy.FieldType.Integer, lo, hi, inc_lo, inc_hi
                )
            if isinstance(node, Not):
                return tantivy.Query.boolean_query(
                    [(occur.Must, self._all), (occur.MustNot, walk(node.child))]
                )
            if isinstance(node, And):
                subs = []
                for c in node.children:
                    if isinstance(c, Not):  # the idiomatic form: +a -b
                        subs.append((occur.MustNot, walk(c.child)))
                    else:
                        subs.append((occur.Must, walk(c)))
                return tantivy.Query.boolean_query(subs)
            if isinstance(node, Or):
                return tantivy.Query.boolean_query([(occur.Should, walk(c)) for c in node.children])
            raise TypeError(node)  # pragma: no cover

        return walk(query.root)

    # -- matching -----------------------------------------------------------------------
    def docs(self, query: tantivy.Query) -> list[int]:
        """Document numbers (= positions in the papers list) that ``query`` matches."""
        hits = self.searcher.search(query, limit=self.papers, count=False).hits
        return [address.doc for _, address in hits]

    def match_all(self, queries: Iterable[tantivy.Query]) -> list[list[int]]:
        """Every stored query against the index: the timed loop of the benchmark."""
        search, limit = self.searcher.search, self.papers
        return [
            [address.doc for _, address in search(q, limit=limit, count=False).hits]
            for q in queries
        ]


# ---------------------------------------------------------------------------------------
# Explaining disagreements
# ---------------------------------------------------------------------------------------

#: class -> why paperbell and tantivy differ there (printed with the counts)
REASONS: dict[str, str] = {
    "compound (paperbell only)": "paperbell finds the words written as one or as two "
    "(fine tuning = finetuning = fine-tuning); tantivy sees different tokens",
    "plural folding vs Porter (paperbell only)": "paperbell's plural folding equates a pair "
    "Porter keeps apart (e.g. irregular plurals such as analyses/analysis)",
    "Porter stemming (tantivy only)": "Porter folds more than plurals (modeling/model, "
    "generalization/general); paperbell only folds plurals, by design",
    "prefix inside a compound (paperbell only)": "paperbell's prefix* also matches the "
    "joined form of hyphenated words (pretrain* finds pre-training)",
    "negated leaf": "a leaf under NOT that one side matches and the other does not "
    "(any of the classes above, inverted)",
    "unexplained": "no leaf of the query differs: a bug on one side",
}


@dataclass
class Disagreements:
    """Counts per class, a few examples, and the totals compared."""

    compared_pairs: int = 0
    paperbell_only: int = 0
    tantivy_only: int = 0
    classes: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)


def _leaves(node: Node, negated: bool = False) -> Iterable[tuple[Term, bool]]:
    if isinstance(node, Term):
        yield node, negated
    elif isinstance(node, Not):
        yield from _leaves(node.child, not negated)
    elif isinstance(node, And | Or):
        for c in node.children:
            yield from _leaves(c, negated)


def _word_found_as_written(ap: AnalyzedPaper, term: Term) -> bool:
    """Does ``term`` match using words only (no compound, no joins)?"""
    fts = {"text": (ap.title, ap.abstract), "title": (ap.title,), "abstract": (ap.abstract,)}
    for ft in fts.get(term.field, (ap.author,)):
        keys = ft.keys
        n = len(term.parts)
        if term.prefix:
            if any(s.startswith(term.parts[0]) for s in ft.surfaces):
                return True
            continue
        for i in ft.positions.get(term.parts[0], ()):
            if keys[i : i + n] == list(term.parts):
                return True
    return False


def _classify_leaf(
    ap: AnalyzedPaper, term: Term, pb: bool, raw_match: Callable[[], bool]
) -> str:
    if pb:  # paperbell matched the leaf, tantivy did not
        if _word_found_as_written(ap, term):
            return "prefix inside a compound (paperbell only)" if term.prefix else (
                "plural folding vs Porter (paperbell only)"
            )
        return "prefix inside a compound (paperbell only)" if term.prefix else (
            "compound (paperbell only)"
        )
    # tantivy matched the leaf, paperbell did not
    return "Porter stemming (tantivy only)" if not raw_match() else "unexplained"


def explain_disagreements(
    peer: TantivyPeer,
    papers: Sequence[Paper],
    queries: Sequence[PbQuery],
    paperbell: Sequence[set[int]],
    tantivy_docs: Sequence[Sequence[int]],
    *,
    max_examples: int = 1,
) -> Disagreements:
    """Compare per query; classify every differing (query, paper) by its differing leaves.

    ``paperbell[i]`` / ``tantivy_docs[i]``: the paper positions query ``i`` matched.
    """
    out = Disagreements()
    analyzed: dict[int, AnalyzedPaper] = {}
    for q, pb_docs, tv_list in zip(queries, paperbell, tantivy_docs, strict=True):
        tv_docs = set(tv_list)
        out.compared_pairs += len(pb_docs | tv_docs)
        differing = pb_docs ^ tv_docs
        if not differing:
            continue
        leaf_docs: dict[int, tuple[set[int], tantivy.Query]] = {}
        for d in differing:
            if d in pb_docs:
                out.paperbell_only += 1
            else:
                out.tantivy_only += 1
            ap = analyzed.get(d)
            if ap is None:
                ap = analyzed[d] = AnalyzedPaper(papers[d])
            found: set[str] = set()
            for term, negated in _leaves(q.root):
                key = id(term)
                if key not in leaf_docs:
                    tq = peer.leaf(term, q.text)
                    leaf_docs[key] = (set(peer.docs(tq)), tq)
                pb = ap.term(term)[0]
                tv = d in leaf_docs[key][0]
                if pb == tv:
                    continue
                if negated:
                    found.add("negated leaf")
                    continue

                def raw_match(t: Term = term, doc: int = d, text: str = q.text) -> bool:
                    return doc in set(peer.docs(peer.leaf(t, text, raw_fields=True)))

                found.add(_classify_leaf(ap, term, pb, raw_match))
            for cls in found or {"unexplained"}:
                out.classes[cls] += 1
                if cls not in out.examples:
                    title = papers[d].title[:60]
                    side = "paperbell" if d in pb_docs else "tantivy"
                    out.examples[cls] = f"`{q.text}` on “{title}” ({side} only)"
    return out
