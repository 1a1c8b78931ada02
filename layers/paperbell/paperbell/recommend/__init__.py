"""Recommendations: "papers like these", learned from a subscriber's liked papers.

Lexical and explainable (tf-idf over the matcher's own word keys, Rocchio profiles),
scored through an inverted index of each profile's most distinctive terms so that a
paper meets only the profiles it can resemble. See docs/recommendations.md.

Imported by services/recommending.py, services/votes.py, services/indexing.py (through
recommending) and the developer CLI (``paperbell recommend``). It imports only the
standard library, paperbell.models, paperbell.errors, paperbell.matching (normalize,
word frequencies) and, for fetching liked papers, paperbell.sources (fetcher, parser).

Public API::

    vectorize(title, abstract, df) -> TermVector
    build_profile(profile_id, liked, disliked, df=...) -> Profile
    ProfileIndex (add / remove / score / explain / to_snapshot / from_snapshot)
    parse_paper_list(text) -> PaperListParse   (ids, HF URLs, BibTeX)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from paperbell.lazy_packages import lazy_attributes

from .index import DEFAULT_FLOOR, Candidate, Explanation, ProfileIndex, highlight_spans
from .profile import (
    MAX_DISLIKES,
    MAX_LIKES,
    LikedPaper,
    Profile,
    ProfileError,
    ProfileSettings,
    build_profile,
)
from .terms import DocumentFrequencies, TermVector, VectorSettings, cosine, vectorize

if TYPE_CHECKING:
    from .inputs import PaperListParse, parse_paper_list

#: Reading pasted ids and BibTeX (sign-up, the manage page, the CLI) loads on first use:
#: the match, index and mail functions score and explain profiles, they never parse a
#: list, and its patterns cost their cold start several ms (BENCHMARKS.md, "Cold start").
__getattr__ = lazy_attributes(
    __name__, {"PaperListParse": "inputs", "parse_paper_list": "inputs"}, globals()
)

__all__ = [
    "DEFAULT_FLOOR",
    "MAX_DISLIKES",
    "MAX_LIKES",
    "Candidate",
    "DocumentFrequencies",
    "Explanation",
    "LikedPaper",
    "PaperListParse",
    "Profile",
    "ProfileError",
    "ProfileIndex",
    "ProfileSettings",
    "TermVector",
    "VectorSettings",
    "build_profile",
    "cosine",
    "highlight_spans",
    "parse_paper_list",
    "vectorize",
]
