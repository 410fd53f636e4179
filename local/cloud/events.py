"""Event payloads the local cloud sends, built from the AWS-shaped samples in the repo's ``events/``.

The same files work with ``sam local invoke -e`` where Docker exists; here they are templates whose
per-request fields are filled in.
"""

from __future__ import annotations

import base64
import copy
import json
import uuid
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Final

from local.cloud.errors import SampleEventError
from local.cloud.moto_runtime import ACCOUNT_ID, REGION

__all__ = [
    "EVENTS_DIR",
    "REST_PROXY_EVENT",
    "SCHEDULED_EVENT",
    "load_event",
    "rest_proxy_event",
    "scheduled_event",
]

EVENTS_DIR: Final = Path(__file__).resolve().parents[2] / "events"
SCHEDULED_EVENT: Final = "eventbridge/scheduled.json"
REST_PROXY_EVENT: Final = "apigw/rest_proxy.json"


@cache
def _load(relative: str) -> str:
    path = EVENTS_DIR / relative
    try:
        text = path.read_text(encoding="utf-8")
        json.loads(text)
    except FileNotFoundError:
        raise SampleEventError(f"sample event {path} is missing") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise SampleEventError(f"sample event {path} is not valid JSON: {exc}") from exc
    return text


def load_event(relative: str) -> dict[str, Any]:
    """A fresh copy of ``events/<relative>`` (e.g. ``"apigw/get_games.json"``)."""
    event = json.loads(_load(relative))
    if not isinstance(event, dict):
        raise SampleEventError(f"sample event {relative} must be a JSON object")
    return event


def scheduled_event(
    rule_arn: str,
    *,
    now: datetime | None = None,
    event_id: str | None = None,
    region: str = REGION,
    account: str = ACCOUNT_ID,
) -> dict[str, Any]:
    """The EventBridge "Scheduled Event" a rule sends its target."""
    event = load_event(SCHEDULED_EVENT)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    event.update(
        id=event_id or str(uuid.uuid4()),
        time=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        resources=[rule_arn],
        region=region,
        account=account,
    )
    return event


def _single_and_multi(
    pairs: list[tuple[str, str]],
) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    if not pairs:
        return None, None
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value  # the last value wins, as in API Gateway
        multi.setdefault(name, []).append(value)
    return single, multi


def rest_proxy_event(
    *,
    method: str,
    path: str,
    resource: str,
    path_parameters: dict[str, str] | None,
    query: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    body: bytes,
    binary: bool,
    stage: str,
    source_ip: str,
    api_id: str = "local",
    now: datetime | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST (v1) Lambda proxy event for one request.

    ``binary`` base64-encodes the body (``isBase64Encoded``), as API Gateway does for binary media
    types; otherwise the body is passed as text.
    """
    event = load_event(REST_PROXY_EVENT)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    request_id = request_id or str(uuid.uuid4())
    single_headers, multi_headers = _single_and_multi(headers)
    single_query, multi_query = _single_and_multi(query)
    text_body: str | None = None
    if body and not binary:
        try:
            text_body = body.decode("utf-8")
        except UnicodeDecodeError:
            binary = True
    if body and binary:
        text_body = base64.b64encode(body).decode("ascii")
    user_agent = next((value for name, value in headers if name.lower() == "user-agent"), None)
    host = next((value for name, value in headers if name.lower() == "host"), "127.0.0.1")
    context = copy.deepcopy(event["requestContext"])
    context.update(
        accountId=ACCOUNT_ID,
        apiId=api_id,
        domainName=host,
        domainPrefix=host.split(".")[0].split(":")[0],
        extendedRequestId=request_id,
        httpMethod=method,
        path=f"/{stage}{path}",
        requestId=request_id,
        requestTime=moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        requestTimeEpoch=int(moment.timestamp() * 1000),
        resourcePath=resource,
        stage=stage,
    )
    context["identity"] = {**context["identity"], "sourceIp": source_ip, "userAgent": user_agent}
    event.update(
        resource=resource,
        path=path,
        httpMethod=method,
        headers=single_headers,
        multiValueHeaders=multi_headers,
        queryStringParameters=single_query,
        multiValueQueryStringParameters=multi_query,
        pathParameters=path_parameters or None,
        stageVariables=None,
        requestContext=context,
        body=text_body,
        isBase64Encoded=bool(binary and body),
    )
    return event
