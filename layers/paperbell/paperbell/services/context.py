"""What one subscriber-facing use case needs: settings, the link key, repositories, a clock.

The web routes build one per request (:meth:`RequestContext.from_env`); tests and the
CLI build one by hand. Signed links are made and checked here because every use case
that answers a subscriber (confirm, manage, unsubscribe, feeds, webhooks) needs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from paperbell.config import Settings, settings
from paperbell.errors import RequestError, bad_token, gone
from paperbell.models import Subscriber
from paperbell.observability import metrics
from paperbell.services.rate_limits import RateLimiter
from paperbell.storage.deliveries import DeliveryRepository
from paperbell.storage.papers import PaperRepository
from paperbell.storage.subscribers import SubscriberRepository
from paperbell.tokens import TokenError, make_token, verify_token

#: Between the subscriber id and the feed epoch in a feed token (ids never contain it).
FEED_EPOCH_MARK = "~"


@dataclass
class RequestContext:
    """Dependencies of one request: settings, the link key, repositories, the clock."""

    config: Settings
    key: bytes = field(repr=False)  # the link-signing key: never in a log line or repr
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @classmethod
    def from_env(cls) -> RequestContext:
        from paperbell.secrets import token_key

        return cls(config=settings(), key=token_key())

    @property
    def subscribers(self) -> SubscriberRepository:
        return SubscriberRepository(self.config.subscribers_table)

    @property
    def deliveries(self) -> DeliveryRepository:
        return DeliveryRepository(self.config.deliveries_table)

    @property
    def papers(self) -> PaperRepository:
        return PaperRepository(self.config.papers_table)

    @property
    def limiter(self) -> RateLimiter:
        return RateLimiter(self.config.subscribers_table)

    # -- links -----------------------------------------------------------------------
    def link(self, purpose: str, subscriber_id: str, *, ttl: int | None = -1) -> str:
        """The absolute URL of a signed ``purpose`` link for ``subscriber_id``."""
        token = self.token(purpose, subscriber_id, ttl=ttl)
        base = self.config.site_url.rstrip("/")
        if purpose == "feed":
            return f"{base}/feed/{token}"
        return f"{base}/{purpose}?token={token}"

    def token(self, purpose: str, subscriber_id: str, *, ttl: int | None = -1) -> str:
        return make_token(self.key, purpose, subscriber_id, ttl=ttl)

    def verify(self, token: str | None, purpose: str) -> str:
        """The subscriber id of a valid ``purpose`` token; RequestError 400/403 otherwise."""
        if not token:
            raise RequestError(400, "missing_token", "This link is incomplete (no token).",
                               field="token")
        try:
            return verify_token(self.key, token, purpose)
        except TokenError as exc:
            metrics.add_metric(name="InvalidTokens", unit="Count", value=1)
            raise bad_token(str(exc)) from None

    def feed_link(self, subscriber: Subscriber) -> str:
        """The subscriber's current feed URL (read-only; replaced by a new feed epoch)."""
        return self.link("feed", f"{subscriber.id}{FEED_EPOCH_MARK}{subscriber.feed_epoch}")

    def feed_subscriber(self, token: str | None) -> Subscriber:
        """The subscriber a feed token is for, if it was made for their current epoch
        (tokens from before feed epochs carry none and count as epoch 0)."""
        subscriber_id, _, epoch = self.verify(token, "feed").partition(FEED_EPOCH_MARK)
        subscriber = self.subscribers.get(subscriber_id)
        if subscriber is None:
            raise gone()
        if (int(epoch) if epoch.isascii() and epoch.isdigit() else 0) != subscriber.feed_epoch:
            raise bad_token("this feed link was replaced by a newer one")
        return subscriber

    def subscriber_for(self, token: str | None, purpose: str) -> Subscriber:
        """The subscriber a valid ``purpose`` token names; 404 when they are gone."""
        subscriber = self.subscribers.get(self.verify(token, purpose))
        if subscriber is None:
            raise gone()
        return subscriber
