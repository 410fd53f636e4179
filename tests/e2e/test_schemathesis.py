"""Abuse resistance: schemathesis drives every operation of the committed ``docs/openapi.json``
against the local cloud (HTTP on 127.0.0.1, schedules off, Kalshi = the local simulator).

For every generated request, valid and invalid: no 5xx, the answer is JSON, and every 4xx carries a
non-empty ``message``. Also: every operation except the public ones answers 401 with a message to
a request without a token, well-formed or not (authentication before validation, as behind API
Gateway's authorizer), and a body over the size limit is 413 with a message.
Bounded: a fixed number of examples per operation, no shrinking, derandomized (reproducible).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from api.handler import MAX_BODY_BYTES
from inplay.config import Env
from local.cloud import LocalCloud
from local.kalshi_sim import KalshiSimulator, SimServer
from tests.support.coldstart import cold_start

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

DOCUMENT: Final = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
EXAMPLES_PER_OPERATION: Final = 12
USERNAME: Final = "fuzzer"
PASSWORD: Final = "Fuzzer-password-1"
METHODS: Final = ("get", "put", "post", "delete", "patch")


def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return document


def _operations() -> list[tuple[str, str, bool]]:
    """(METHOD, path, public) of every operation in the committed document."""
    return [
        (method.upper(), path, item[method].get("security") == [])
        for path, item in _document()["paths"].items()
        for method in METHODS
        if method in item
    ]


OPERATIONS: Final = _operations()


@dataclass
class Target:
    cloud: LocalCloud
    token: str

    @property
    def base_url(self) -> str:
        return self.cloud.http_url

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _sign_in(cloud: LocalCloud) -> str:
    """A user of the local cloud's user pool, signed in through the API."""
    cold_start()  # clients cached by an earlier test's cloud point at its (gone) endpoints
    cloud.create_user(USERNAME, PASSWORD, user_id=USERNAME)
    answer = httpx.post(
        cloud.api_url + "/auth/sign-in", json={"username": USERNAME, "password": PASSWORD}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["id_token"]
    return token


@pytest.fixture(scope="module")
def target(template_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    sim = KalshiSimulator(seed=7, rate_limits=False)
    with SimServer(sim) as kalshi:
        overrides = {
            Env.KALSHI_BASE_URL.value: kalshi.base_url,
            Env.LOG_LEVEL.value: "CRITICAL",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
        with LocalCloud(
            template_path,
            http_port=0,
            schedules_enabled=False,
            env_overrides=overrides,
            frontend_dir=tmp_path_factory.mktemp("frontend"),
        ) as cloud:
            yield Target(cloud, _sign_in(cloud))


def _problem(response: Any, *, expect: int | None = None) -> str | None:
    """What is wrong with one answer, or ``None``."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if expect is not None and status != expect:
        return f"expected {expect}, got {status}"
    content_type = next(iter(response.headers.get("content-type") or []), "")  # lower-cased, lists
    if not content_type.startswith("application/json"):
        return f"content type {content_type!r} is not JSON"
    if 400 <= status < 500:
        try:
            body = json.loads(response.content)
        except ValueError:
            return f"{status} with a body that is not JSON"
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, str) or not message.strip():
            return f"{status} without a message"
    return None


def _report(case: Any, response: Any, problem: str) -> str:
    body = response.content[:500].decode("utf-8", "replace") if response is not None else ""
    status = response.status_code if response is not None else "-"
    return f"{problem}\n  request: {case.as_curl_command()}\n  answer: {status} {body}"


def _run(
    method: str,
    path: str,
    token: str | None,
    *,
    base_url: str,
    examples: int,
    modes: tuple[GenerationMode, ...],
    expect: int | None = None,
) -> list[str]:
    """Generate ``examples`` requests for one operation, send each (with the caller's ID token, or
    with no ``Authorization`` header at all), return the problems found."""
    schema = schemathesis.openapi.from_path(str(DOCUMENT))
    operation = schema[path][method]
    strategy = st.one_of(*(operation.as_strategy(mode) for mode in modes))
    problems: list[str] = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def fuzz(case: Any) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else None
        if token is None and case.headers:
            case.headers = {k: v for k, v in case.headers.items() if k.lower() != "authorization"}
        try:
            response = case.call(base_url=base_url, headers=headers, timeout=60)
        except Exception as exc:  # a dropped connection is a finding too
            problems.append(f"{type(exc).__name__}: {exc}\n  request: {case.as_curl_command()}")
            return
        problem = _problem(response, expect=expect)
        if problem is not None:
            problems.append(_report(case, response, problem))

    fuzz()
    return problems


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _ in OPERATIONS], ids=lambda v: str(v))
def test_fuzzed_requests_never_fail_the_server(target: Target, method: str, path: str) -> None:
    started = time.monotonic()
    problems = _run(
        method,
        path,
        target.token,
        base_url=target.base_url,
        examples=EXAMPLES_PER_OPERATION,
        modes=(GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    )
    assert not problems, f"{len(problems)} bad answers for {method} {path}:\n" + "\n".join(problems[:5])
    assert time.monotonic() - started < 60


PRIVATE: Final = [(m, p) for m, p, public in OPERATIONS if not public]


@pytest.mark.parametrize(("method", "path"), PRIVATE, ids=lambda v: str(v))
def test_every_private_operation_without_a_token_is_401(target: Target, method: str, path: str) -> None:
    problems = _run(
        method, path, None, base_url=target.base_url, examples=2, modes=(GenerationMode.POSITIVE,), expect=401
    )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("method", "path"), PRIVATE, ids=lambda v: str(v))
def test_an_invalid_request_without_a_token_is_401_too(target: Target, method: str, path: str) -> None:
    """Authentication comes before validation, as behind API Gateway's authorizer: a caller
    without a token learns nothing from how its input is judged."""
    problems = _run(
        method, path, None, base_url=target.base_url, examples=2, modes=(GenerationMode.NEGATIVE,), expect=401
    )
    assert not problems, "\n".join(problems)


def test_the_document_has_operations_and_public_ones() -> None:
    assert len(OPERATIONS) >= 20
    assert {(m, p) for m, p, public in OPERATIONS if public} >= {("GET", "/api/health")}


def test_an_oversized_body_is_413_with_a_message(target: Target) -> None:
    with_bodies = [(m, p) for m, p, _ in OPERATIONS if m in ("POST", "PUT")]
    assert with_bodies
    oversized = json.dumps({"padding": "x" * (MAX_BODY_BYTES + 1)})
    wrong = []
    for method, path in with_bodies:
        for headers in (target.auth(), {}):
            answer = httpx.request(
                method,
                target.base_url + path,
                content=oversized,
                headers={"Content-Type": "application/json", **headers},
                timeout=30,
            )
            if answer.status_code != 413 or not answer.json().get("message"):
                wrong.append(
                    f"{method} {path} ({'with' if headers else 'without'} a token): "
                    f"{answer.status_code} {answer.text[:200]}"
                )
    assert not wrong, "\n".join(wrong)
