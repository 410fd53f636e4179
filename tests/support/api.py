"""Call the api function's real handler with an API Gateway REST proxy event, as API Gateway
(or the local cloud's HTTP adapter) would."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from inplay.config import Env
from local.cloud.events import rest_proxy_event

LAMBDA_CONTEXT = SimpleNamespace(
    function_name="api",
    memory_limit_in_mb=256,
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:api",
    aws_request_id="req-1",
)


def api_env(prefix: str) -> dict[str, str]:
    """Every variable ``ApiSettings`` requires (tables named ``<prefix>-<name>``), pool aside."""
    table = {
        Env.GAMES_TABLE: "games",
        Env.BOTS_TABLE: "bots",
        Env.INTENTS_TABLE: "intents",
        Env.FILLS_TABLE: "fills",
        Env.POSITIONS_TABLE: "positions",
        Env.AUDIT_TABLE: "audit",
        Env.IDEMPOTENCY_TABLE: "idem",
        Env.RISK_TABLE: "risk",
        Env.PAPER_TABLE: "paper",
    }
    return {
        **{env.value: f"{prefix}-{name}" for env, name in table.items()},
        Env.ALERTS_TOPIC_ARN.value: "arn:aws:sns:us-east-1:123456789012:alerts",
        Env.ORDER_STATE_MACHINE_ARN.value: "arn:aws:states:us-east-1:123456789012:stateMachine:orders",
        Env.RECONCILER_FUNCTION.value: "reconciler-fn",
        Env.KILL_SWITCH_FUNCTION.value: "kill-switch-fn",
    }


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    text: str
    content_type: str = ""


def call_api(
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = None,
    query: Iterable[tuple[str, str]] | Mapping[str, str] = (),
    headers: Mapping[str, str] | None = None,
    raw: bytes | None = None,
) -> Answer:
    """One request through ``api.handler.handler``; ``token`` becomes ``Authorization: Bearer``."""
    import api.handler

    sent = [("Content-Type", "application/json")]
    if token is not None:
        sent.append(("Authorization", f"Bearer {token}"))
    sent.extend((headers or {}).items())
    payload = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    event = rest_proxy_event(
        method=method,
        path=path,
        resource="/api/{proxy+}",
        path_parameters={"proxy": path.removeprefix("/api/")},
        query=list(query.items() if isinstance(query, Mapping) else query),
        headers=sent,
        body=payload,
        binary=False,
        stage="prod",
        source_ip="127.0.0.1",
    )
    answer = api.handler.handler(event, LAMBDA_CONTEXT)  # type: ignore[arg-type]
    text = str(answer.get("body") or "")
    parsed = json.loads(text) if text else {}
    multi = (answer.get("multiValueHeaders") or {}).get("Content-Type") or []
    content_type = multi[0] if multi else (answer.get("headers") or {}).get("Content-Type", "")
    body = parsed if isinstance(parsed, dict) else {"value": parsed}
    return Answer(int(answer["statusCode"]), body, text, str(content_type))
