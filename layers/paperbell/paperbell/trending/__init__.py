"""Trending papers (issue 15): one shared ranked list, applied per subscriber at send time.

Why a package of its own: the scraper keeps one small snapshot of the papers on Hugging
Face's daily lists (``snapshot``), and every reader - the mailer, the pages, the public
feeds, ``paperbell trending`` - ranks it the same way (``ranking``). Nothing here does
I/O; the snapshot's S3 object is ``paperbell.storage.trending_snapshots``'s business.

Imported by :mod:`paperbell.services.trending` and :mod:`paperbell.storage.trending_snapshots`;
imports only models and the query parser (no AWS, no storage).
"""

from paperbell.trending.ranking import RankedPaper, rank_trending
from paperbell.trending.snapshot import TrendingEntry, TrendingSnapshot

__all__ = ["RankedPaper", "TrendingEntry", "TrendingSnapshot", "rank_trending"]
