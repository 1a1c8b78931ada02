"""Webhook delivery: payload shapes, Standard Webhooks signing, SSRF guard, sender.

Import the submodules directly (``paperbell.webhooks.sender`` pulls in ``requests``;
this package module does not, so the payload/signing code stays cheap to import).

Imported by delivery and web; imports only the top-level modules.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

Target = Literal["slack", "discord", "generic"]

SLACK_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})
DISCORD_HOSTS = frozenset(
    {"discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com"}
)


def detect_target(url: str) -> Target:
    """Which payload shape a webhook URL expects.

    ``https://hooks.slack.com/...`` is Slack, ``https://discord.com/api/webhooks/...``
    (and the discordapp.com / ptb / canary hosts) is Discord, anything else gets the
    generic JSON document. Only https URLs are recognised as Slack or Discord.
    """
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return "generic"
    if parts.scheme.lower() != "https" or "@" in parts.netloc:
        return "generic"
    if host in SLACK_HOSTS:
        return "slack"
    if host in DISCORD_HOSTS and parts.path.startswith("/api/webhooks/"):
        return "discord"
    return "generic"
