"""paperbell defers Powertools' catalogue packages without changing what they export."""

from __future__ import annotations

import json
import subprocess
import sys


def _run(code: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", "import json, sys\n" + code], capture_output=True, text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_batch_and_http_resolver_load_only_the_submodules_they_use() -> None:
    seen = _run(
        "import paperbell\n"
        "from aws_lambda_powertools.utilities.batch import BatchProcessor\n"
        "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response\n"
        "print(json.dumps({'loaded': sorted(sys.modules)}))"
    )["loaded"]
    assert "aws_lambda_powertools.utilities.data_classes.sqs_event" in seen
    assert "aws_lambda_powertools.event_handler.api_gateway" in seen
    for unused in ("utilities.data_classes.cloud_watch_alarm_event",
                   "utilities.data_classes.code_pipeline_job_event",
                   "event_handler.appsync", "event_handler.bedrock_agent",
                   "event_handler.vpc_lattice"):
        assert f"aws_lambda_powertools.{unused}" not in seen, unused


def test_every_public_name_is_still_there_and_the_same_object() -> None:
    result = _run(
        "import paperbell, importlib, inspect\n"
        "out = {}\n"
        "for name in ('aws_lambda_powertools.utilities.data_classes',\n"
        "             'aws_lambda_powertools.event_handler'):\n"
        "    package = importlib.import_module(name)\n"
        "    names = package.__all__\n"
        "    same = [n for n in names if getattr(package, n) is\n"
        "            getattr(importlib.import_module(inspect.getmodule(getattr(package, n))\n"
        "                    .__name__), n)]\n"
        "    out[name] = [len(names), len(same)]\n"
        "from aws_lambda_powertools.utilities.data_classes import SQSEvent, DynamoDBStreamEvent\n"
        "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response\n"
        "print(json.dumps(out))"
    )
    for name, (count, same) in result.items():
        assert count > 5, name
        assert same == count, name


def test_an_unknown_name_is_an_attribute_error() -> None:
    result = _run(
        "import paperbell\n"
        "import aws_lambda_powertools.utilities.data_classes as dc\n"
        "try:\n"
        "    dc.NoSuchEvent\n"
        "except AttributeError as exc:\n"
        "    print(json.dumps({'error': str(exc)}))\n"
    )
    assert "NoSuchEvent" in result["error"]


def test_a_sync_batch_never_loads_asyncio_and_asyncio_still_works() -> None:
    """Powertools' batch module imports asyncio for its async processor; paperbell defers
    it. A synchronous batch runs without loading it, and the first real use gets the
    real module."""
    result = _run(
        "import paperbell\n"
        "from aws_lambda_powertools.utilities.batch import (\n"
        "    BatchProcessor, EventType, process_partial_response)\n"
        "seen = []\n"
        "event = {'Records': [{'messageId': '1', 'body': 'a', 'receiptHandle': 'r',\n"
        "    'attributes': {}, 'messageAttributes': {}, 'md5OfBody': '', 'eventSource':\n"
        "    'aws:sqs', 'eventSourceARN': 'arn:aws:sqs:us-east-1:1:q', 'awsRegion': 'x'}]}\n"
        "def handle(record): seen.append(record.body)\n"
        "out = process_partial_response(event=event, record_handler=handle,\n"
        "    processor=BatchProcessor(event_type=EventType.SQS))\n"
        "lazy = type(sys.modules['asyncio']).__name__\n"
        "loaded = 'asyncio.base_events' in sys.modules\n"
        "import asyncio\n"
        "async def two(): return 2\n"
        "print(json.dumps({'seen': seen, 'out': out, 'lazy': lazy, 'loaded': loaded,\n"
        "                  'run': asyncio.run(two())}))"
    )
    assert result["seen"] == ["a"] and result["out"] == {"batchItemFailures": []}
    assert result["lazy"] == "_DeferredModule" and result["loaded"] is False
    assert result["run"] == 2


def test_a_deferred_package_imported_through_a_submodule_runs_in_the_usual_order() -> None:
    result = _run(
        "import paperbell\n"
        "import asyncio.events\n"
        "policy = type(asyncio.events.get_event_loop_policy()).__name__\n"
        "from asyncio import gather\n"
        "print(json.dumps({'policy': policy, 'gather': gather.__name__}))"
    )
    assert result == {"policy": "_UnixDefaultEventLoopPolicy", "gather": "gather"}
