"""ApiFunction's place in template.yaml: thin handler and HTTP API routes. Its exact
permissions are in the one per-function table, tests/security/test_security_iam.py."""

from __future__ import annotations

from pathlib import Path

from paperbell_dev.local.template import load_template

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES = TEMPLATE["Resources"]


def test_api_function_is_wired_to_the_http_api():
    props = RESOURCES["ApiFunction"]["Properties"]
    assert props["CodeUri"] == "functions/api/"
    assert props["Handler"] == "api_handler.handler"
    events = props["Events"]
    assert {e["Type"] for e in events.values()} == {"HttpApi"}
    assert {e["Properties"]["Path"] for e in events.values()} == {"/", "/{proxy+}"}
    assert RESOURCES["ApiFunctionLogGroup"]["Properties"]["RetentionInDays"] == {
        "Ref": "LogRetentionDays"
    }
    assert "ApiUrl" in TEMPLATE["Outputs"]


def test_the_handler_is_thin():
    source = (ROOT / "functions" / "api" / "api_handler.py").read_text(encoding="utf-8")
    assert "return handle(event, context)" in source
    assert len(source.splitlines()) < 25
