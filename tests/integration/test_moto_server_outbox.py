"""Mails sent through a real moto server are read back from /moto-api/data.json
(what `sam local` runs and operators with AWS_ENDPOINT_URL use)."""

from __future__ import annotations

import boto3
from moto.server import ThreadedMotoServer

from paperbell_dev.local.outbox import sent_mails_from_server


def test_sent_mails_are_read_from_a_moto_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        ses = boto3.client("ses", endpoint_url=endpoint, region_name="us-east-1")
        ses.verify_email_identity(EmailAddress="digest@paperbell.example")
        raw = (b"From: digest@paperbell.example\r\nTo: ada@example.org\r\n"
               b"Subject: 1 new paper: RoPE\r\n\r\nhello\r\n")
        boto3.client("sesv2", endpoint_url=endpoint, region_name="us-east-1").send_email(
            FromEmailAddress="digest@paperbell.example",
            Destination={"ToAddresses": ["ada@example.org"]},
            Content={"Raw": {"Data": raw}},
        )
        (mail,) = sent_mails_from_server(endpoint)
    finally:
        server.stop()
    assert mail.destinations == ("ada@example.org",)
    assert b"Subject: 1 new paper: RoPE" in mail.raw
