"""``paperbell demo``: one simulated day of the whole pipeline, mails to an outbox.

Besides the mail subscribers (bundled or from ``--subscribers``), the demo adds two
webhook subscribers whose endpoint is a receiver on loopback (generic JSON): an
instant-mode keyword one and a daily one with trending and liked papers (so the
trending and "Recommended for you" parts of the payload, with their vote links, are
exercised too). Their signed deliveries are verified and written to
``outbox/webhooks/`` next to the ``.eml`` files.

A subscribers-file entry may name its own webhook instead of a mailbox, so an
integrator can point it at their own receiver and verify the signatures with their own
Standard Webhooks library::

    {"webhook": "http://127.0.0.1:9000/hook", "webhook_secret": "whsec_...",
     "queries": ["diffusion"], "mode": "instant"}

Loopback and plain-http URLs are accepted only because the demo runs in local mode
(PAPERBELL_LOCAL_MODE=1); deployed, a webhook must be https on a public address. Without
``webhook_secret`` a secret is generated and printed with the summary.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from paperbell.errors import ConfigError, RequestError
from paperbell.models import Subscriber
from paperbell.services.subscriptions import load_subscribers_file, new_subscriber
from paperbell_dev.demo_data import demo_subscribers_path
from paperbell_dev.local.outbox import write_outbox
from paperbell_dev.local.pipeline import DaySummary, LocalPipeline
from paperbell_dev.local.webhook_receiver import running_receiver

DEMO_WEBHOOK_QUERIES = ["RoPE OR \"agentic search\" OR \"collaborative filtering\""]
#: The demo's daily webhook subscriber (a lab posting the morning's top papers): trending
#: top 3, plus two liked papers of the bundled seed page, so ``make demo`` also exercises
#: the trending and "Recommended for you" parts of the webhook payload.
DEMO_DAILY_HOOK_TRENDING = 3
DEMO_DAILY_HOOK_LIKES = (
    "Scaling Laws for Downstream Task Performance of Large Language Models",
    "Why Has Predicting Downstream Capabilities of Frontier AI Models with Scale Remained "
    "Elusive?",
)


@dataclass(frozen=True)
class OwnWebhook:
    """A subscribers-file entry delivered to the integrator's own receiver."""

    url: str
    secret: str
    subscriber_id: str


@contextmanager
def local_mode() -> Iterator[None]:
    """PAPERBELL_LOCAL_MODE=1 for the block: plain http and loopback webhooks allowed."""
    previous = os.environ.get("PAPERBELL_LOCAL_MODE")
    os.environ["PAPERBELL_LOCAL_MODE"] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("PAPERBELL_LOCAL_MODE", None)
        else:
            os.environ["PAPERBELL_LOCAL_MODE"] = previous


def load_demo_subscribers(path: str | Path) -> tuple[list[Subscriber], list[OwnWebhook]]:
    """The subscribers file: mail entries exactly as ``load_subscribers_file`` reads them
    (the one rule set), plus entries with ``"webhook"`` (call in local mode)."""
    from paperbell.validation import validate_webhook_url
    from paperbell.webhooks.signing import WebhookSecretError, decode_secret, generate_secret

    try:
        data: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return load_subscribers_file(path), []  # its error names the file and the cause
    if not isinstance(data, list) or not any(
        isinstance(e, dict) and "webhook" in e for e in data
    ):
        return load_subscribers_file(path), []
    hooks: dict[int, tuple[str, str]] = {}
    entries = []
    for number, entry in enumerate(data, start=1):
        if isinstance(entry, dict) and "webhook" in entry:
            entry = dict(entry)
            where = f"{path}: subscriber #{number}"
            try:
                url = validate_webhook_url(str(entry.pop("webhook")))
                secret = str(entry.pop("webhook_secret", "") or generate_secret())
                decode_secret(secret)  # whsec_ + base64, as Standard Webhooks libraries expect
            except RequestError as exc:
                raise ConfigError(f"{where}: {exc.message}") from None
            except WebhookSecretError as exc:
                raise ConfigError(f"{where}: webhook_secret: {exc}") from None
            entry.setdefault("email", f"webhook-{number}@paperbell.example")
            hooks[number - 1] = (url, secret)
        entries.append(entry)
    # The mail rules stay in one place: the stripped entries go through the same loader.
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / Path(path).name
        copy.write_text(json.dumps(entries), encoding="utf-8")
        try:
            loaded = load_subscribers_file(copy)
        except ConfigError as exc:
            raise ConfigError(str(exc).replace(str(copy), str(path))) from None
    subscribers, own = [], []
    for index, subscriber in enumerate(loaded):
        if index in hooks:
            url, secret = hooks[index]
            subscriber = replace(subscriber, webhook_url=url, webhook_secret=secret)
            own.append(OwnWebhook(url, secret, subscriber.id))
        subscribers.append(subscriber)
    return subscribers, own


def run_demo(
    *,
    feeds: Sequence[str] = (),
    subscribers_file: str | None = None,
    outbox: str = "outbox",
    site_url: str | None = None,
) -> tuple[DaySummary, list[Path], list[Path], list[OwnWebhook]]:
    """Scrape the feeds (default: the bundled feeds in events/scrape.json), match the
    subscribers (default: the bundled demo subscribers), deliver, write the outbox.

    ``site_url`` renders links as a deployed stack would (an https one also brings the
    one-click ``List-Unsubscribe-Post`` header); the default is the local server's."""
    from paperbell.webhooks.signing import generate_secret

    parameters = {"SiteUrl": site_url} if site_url else {}
    secret = generate_secret()
    with local_mode():  # the receivers are plain http on loopback
        subscribers, own = load_demo_subscribers(subscribers_file or demo_subscribers_path())
        with running_receiver(secret) as receiver, LocalPipeline(
            parameters=parameters
        ) as pipeline:
            hook = new_subscriber("webhook@paperbell.example", DEMO_WEBHOOK_QUERIES,
                                  mode="instant")
            webhook_subscribers = [replace(h, webhook_url=receiver.url, webhook_secret=secret)
                                   for h in (hook, daily_webhook_subscriber())]
            pipeline.add_subscribers([*subscribers, *webhook_subscribers])
            summary = pipeline.run_day(list(feeds) or None)
            written = write_outbox(pipeline.sent_mails(), Path(outbox))
            hooks = receiver.write(Path(outbox))
    return summary, written, hooks, own


def daily_webhook_subscriber() -> Subscriber:
    """The demo's daily trending + liked-papers webhook subscriber (generic JSON), whose
    liked papers are read from the bundled seed page (no network)."""
    from paperbell.models import PaperText
    from paperbell.sources import read_source
    from paperbell_dev.demo_data import resolve_bundled

    seed = {p.title: p for p in read_source(resolve_bundled("bundled:seed")).papers}
    likes = tuple(PaperText(seed[t].id, t, seed[t].abstract) for t in DEMO_DAILY_HOOK_LIKES)
    made = new_subscriber("webhook-daily@paperbell.example", [], delivery_hour=9,
                          timezone="Europe/Berlin", trending_top=DEMO_DAILY_HOOK_TRENDING)
    return replace(made, likes=likes)


def format_summary(summary: DaySummary, written: list[Path], hooks: list[Path],
                   outbox: str, own: Sequence[OwnWebhook] = ()) -> str:
    lines = [
        f"papers fetched: {summary.papers_fetched} (new: {summary.papers_new}, "
        f"sources failed: {summary.sources_failed})",
        f"matches: {summary.matches}",
        f"digests planned: {summary.digests_planned} (+ instant notifications), "
        f"deliveries: {summary.deliveries}",
        f"outbox: {len(written)} .eml file(s) in {outbox}/ (open {outbox}/index.html), "
        f"{len(hooks)} signed webhook payload(s) in {outbox}/webhooks/",
    ]
    lines.extend(f"your webhook {hook.url}: verify with secret {hook.secret}" for hook in own)
    return "\n".join(lines)
