import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from local.cloud import events
from local.cloud.errors import SampleEventError

NOW = datetime(2026, 11, 24, 12, 34, 56, tzinfo=UTC)


def test_sample_events_are_aws_shaped_json():
    root = Path(events.EVENTS_DIR)
    scheduled = json.loads((root / "eventbridge/scheduled.json").read_text())
    assert scheduled["detail-type"] == "Scheduled Event" and scheduled["source"] == "aws.events"
    for path in sorted((root / "apigw").glob("*.json")):
        proxy = json.loads(path.read_text())
        assert {"resource", "path", "httpMethod", "headers", "requestContext", "isBase64Encoded"} <= set(
            proxy
        )
        assert proxy["requestContext"]["identity"]["sourceIp"]


def test_load_event_returns_fresh_copies():
    first = events.load_event(events.SCHEDULED_EVENT)
    first["detail"]["mutated"] = True
    assert events.load_event(events.SCHEDULED_EVENT)["detail"] == {}


def test_missing_sample_event_is_a_clear_error():
    with pytest.raises(SampleEventError, match="missing"):
        events.load_event("nope/none.json")


def test_scheduled_event_fills_in_time_rule_and_id():
    event = events.scheduled_event(
        "arn:aws:events:us-east-1:123456789012:rule/Poll", now=NOW, event_id="id-1"
    )
    assert event["time"] == "2026-11-24T12:34:56Z"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/Poll"]
    assert event["id"] == "id-1"
    assert events.scheduled_event("r")["id"] != events.scheduled_event("r")["id"]


def proxy(**overrides):
    arguments: dict[str, Any] = {
        "method": "POST",
        "path": "/api/games/nba",
        "resource": "/api/{proxy+}",
        "path_parameters": {"proxy": "games/nba"},
        "query": [("league", "nba"), ("state", "in"), ("league", "nfl")],
        "headers": [("Host", "127.0.0.1:8000"), ("X-Test", "a"), ("X-Test", "b"), ("User-Agent", "pytest")],
        "body": b'{"x": 1}',
        "binary": False,
        "stage": "prod",
        "source_ip": "127.0.0.1",
        "now": NOW,
        "request_id": "req-1",
    }
    arguments.update(overrides)
    return events.rest_proxy_event(**arguments)


def test_rest_proxy_event_fields():
    event = proxy()
    assert event["httpMethod"] == "POST"
    assert event["path"] == "/api/games/nba"
    assert event["resource"] == "/api/{proxy+}"
    assert event["pathParameters"] == {"proxy": "games/nba"}
    assert event["queryStringParameters"] == {"league": "nfl", "state": "in"}
    assert event["multiValueQueryStringParameters"] == {"league": ["nba", "nfl"], "state": ["in"]}
    assert event["headers"]["X-Test"] == "b"
    assert event["multiValueHeaders"]["X-Test"] == ["a", "b"]
    assert event["body"] == '{"x": 1}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["stage"] == "prod"
    assert context["path"] == "/prod/api/games/nba"
    assert context["requestId"] == "req-1"
    assert context["resourcePath"] == "/api/{proxy+}"
    assert context["httpMethod"] == "POST"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "pytest"
    assert context["requestTime"] == "24/Nov/2026:12:34:56 +0000"
    assert context["requestTimeEpoch"] == int(NOW.timestamp() * 1000)


def test_rest_proxy_event_nulls_when_absent():
    event = proxy(query=[], body=b"", path_parameters={})
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False


def test_rest_proxy_event_binary_bodies_are_base64():
    event = proxy(body=b"\x00\xff", binary=True)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xff"
    undecodable = proxy(body=b"\xff\xfe", binary=False)
    assert undecodable["isBase64Encoded"] is True
    assert base64.b64decode(undecodable["body"]) == b"\xff\xfe"
