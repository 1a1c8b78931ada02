"""The match index snapshot in S3: one object, replaced whole, read by ETag.

Why S3 and not the subscribers table: a cold match function loads 1M stored queries
from one flat snapshot in a fraction of a second (see BENCHMARKS.md), instead of
scanning the table; warm containers only HEAD the object to see whether it changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from paperbell import aws

SNAPSHOT_KEY = "match-index/snapshot.bin"


@dataclass(frozen=True)
class Snapshot:
    """A snapshot's bytes and the ETag they were read with (the next check compares it)."""

    data: bytes
    etag: str


class IndexSnapshotStore:
    def __init__(self, bucket: str, key: str = SNAPSHOT_KEY):
        self.bucket = bucket
        self.key = key

    def etag(self) -> str | None:
        """The current snapshot's ETag (one cheap HEAD), None when there is none yet."""
        try:
            return str(aws.client("s3").head_object(Bucket=self.bucket, Key=self.key)["ETag"])
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def load(self) -> Snapshot | None:
        try:
            response = aws.client("s3").get_object(Bucket=self.bucket, Key=self.key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return Snapshot(response["Body"].read(), str(response["ETag"]))

    def save(self, data: bytes, *, content_type: str = "application/octet-stream") -> str:
        response = aws.client("s3").put_object(
            Bucket=self.bucket, Key=self.key, Body=data, ContentType=content_type
        )
        return str(response["ETag"])
