"""Send a built MIME message through the SES v2 API, classifying failures.

Why classify here: the mail service must retry throttling (the job goes back to the
queue) but must not retry a permanent rejection forever - it records it instead.
"""

from __future__ import annotations

from email.message import EmailMessage

from botocore.exceptions import ClientError

from paperbell import aws
from paperbell.errors import DeliveryError

#: SES error codes that a later retry can fix (rate limits, transient service trouble).
TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "LimitExceededException",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalServiceErrorException",
        "RequestTimeout",
    }
)


class SesSender:
    def __init__(self, configuration_set: str | None = None):
        self.configuration_set = configuration_set

    def send(self, message: EmailMessage, *, sender: str, recipient: str) -> str:
        """The SES MessageId; DeliveryError(permanent=...) when SES refuses."""
        kwargs: dict = {
            "FromEmailAddress": sender,
            "Destination": {"ToAddresses": [recipient]},
            "Content": {"Raw": {"Data": message.as_bytes()}},
        }
        if self.configuration_set:
            kwargs["ConfigurationSetName"] = self.configuration_set
        try:
            response = aws.client("sesv2").send_email(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            text = exc.response.get("Error", {}).get("Message", str(exc))
            transient = code in TRANSIENT_CODES or "Maximum sending rate exceeded" in text
            raise DeliveryError(f"SES {code}: {text}", permanent=not transient) from exc
        return str(response["MessageId"])
