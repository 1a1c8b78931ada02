"""``paperbell preview-mail``: the mail a subscriber would get next, built by the runtime.

Why through the local stack and not a shortcut over the parsed feeds: the mail a
subscriber gets has up to three sections (trending, keyword matches, "Recommended for
you"), and each comes from stored state — the trending snapshot the scrape writes, the
pending matches the stream-driven matcher records, the recommendation candidates it
scores against the profile the IndexFunction built from the liked papers. A preview
that re-implemented that composition over a list of papers would drift from the real
mail (it did: it showed keyword matches only). So the feeds go through the same
functions as in ``make demo`` (scrape, papers stream → match, subscribers stream →
index), and the digest is composed exactly as the ``/preview/next`` page composes it
(:func:`paperbell.services.preview.next_mail`), which is the mailer's own composition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from paperbell.delivery.digest_model import Digest, MailSettings
from paperbell.models import Subscriber
from paperbell_dev.local.demo import local_mode
from paperbell_dev.local.pipeline import LocalPipeline
from paperbell_dev.local.runtime import function_environment

#: preview-mail renders links as a deployed stack would (the demo uses the local server).
PREVIEW_SITE = "https://paperbell.example.org"


@dataclass(frozen=True)
class NextMail:
    """The composed digest, the settings it renders with, and its two bodies."""

    digest: Digest
    settings: MailSettings
    html: str
    text: str

    def summary(self) -> str:
        """``3 paper(s) for ada@example.org: trending 0, queries 3, recommended 0``."""
        counts = ", ".join(f"{part.key} {len(part.entries)}" for part in self.digest.laid_out())
        return (f"{len(self.digest.ranked())} paper(s) for {self.digest.subscriber.email}"
                + (f" ({counts})" if counts else ""))


def next_mail_for(subscriber: Subscriber, feeds: Sequence[str],
                  *, site_url: str = PREVIEW_SITE) -> NextMail:
    """Scrape ``feeds`` into a fresh local stack holding only ``subscriber``, let the
    streams drive the matcher and the profile index, and compose their next mail."""
    from paperbell.delivery.render_html import render_html
    from paperbell.delivery.render_text import render_text
    from paperbell.services.context import RequestContext
    from paperbell.services.digests import mail_settings
    from paperbell.services.preview import next_mail

    with local_mode(), LocalPipeline(parameters={"SiteUrl": site_url}) as pipeline:
        pipeline.add_subscribers([subscriber])
        pipeline.scrape(list(feeds))
        pipeline.match()  # subscriber changes → IndexFunction first, then the papers
        env = pipeline.stack.function_environment("ApiFunction")
        with function_environment(env):
            ctx = RequestContext.from_env()
            digest = next_mail(ctx, subscriber)
            settings = mail_settings(ctx.config)
            return NextMail(digest, settings, render_html(digest, settings),
                            render_text(digest, settings))
