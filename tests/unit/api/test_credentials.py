"""Credentials onboarding without AWS or Kalshi: shape checks, the live check's answers mapped to
HTTP errors, the save/status/delete rules, the Secrets Manager store's edge cases, and that no
message, repr or log line carries the key."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError, ParamValidationError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from pydantic import ValidationError

from inplay.api.credentials import (
    CredentialsApiDeps,
    KalshiCredentialsRequest,
    credentials_overview,
    delete_kalshi_credentials,
    save_kalshi_credentials,
)
from inplay.api.errors import ApiError, BadRequest, Conflict, NotFound, ServiceUnavailable, UpstreamFailed
from inplay.audit.chain import AuditKind
from inplay.audit.store import InMemoryAuditLog
from inplay.bots.lifecycle import BotRecord, BotState
from inplay.credentials import (
    CheckUnavailableError,
    CredentialsRejectedError,
    CredentialsShapeError,
    CredentialStoreError,
    InMemoryCredentialStore,
    KalshiBalanceCheck,
    SecretsManagerCredentialStore,
    kalshi_environment,
    key_id_hint,
    normalize_pem,
    parse_credentials,
)
from inplay.redaction import SecretLineFilter, install_boto_log_scrubber
from inplay.venues.base import Balance
from inplay.venues.factory import KalshiVenues, SecretsManagerReader, SecretUnavailableError

NOW = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)
KEY_ID = "3f2b8c1e-9d4a-4e7b-8c2d-1a5f6e7d8c9b"
BASE_URL = "https://external-api.demo.kalshi.co/trade-api/v2"


def _pem(key: Any, fmt: serialization.PrivateFormat, password: bytes | None = None) -> str:
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    pem: bytes = key.private_bytes(serialization.Encoding.PEM, fmt, encryption)
    return pem.decode()


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def rsa_pem(rsa_key: rsa.RSAPrivateKey) -> str:
    return _pem(rsa_key, serialization.PrivateFormat.TraditionalOpenSSL)


def _body_windows(pem: str, size: int = 40) -> set[str]:
    body = "".join(line for line in pem.splitlines() if line and not line.startswith("-----"))
    return {body[i : i + size] for i in range(len(body) - size + 1)}


def _leaks(text: str, pem: str, key_id: str = KEY_ID) -> bool:
    return key_id in text or any(window in text for window in _body_windows(pem))


# --------------------------------------------------------------------------- shape


def test_rsa_pkcs1_pkcs8_and_ed25519_keys_load(rsa_key: rsa.RSAPrivateKey, rsa_pem: str) -> None:
    pkcs8 = _pem(rsa_key, serialization.PrivateFormat.PKCS8)
    ed = _pem(ed25519.Ed25519PrivateKey.generate(), serialization.PrivateFormat.PKCS8)
    assert parse_credentials(KEY_ID, rsa_pem).key_type == "rsa"
    assert parse_credentials(KEY_ID, pkcs8).key_type == "rsa"
    assert parse_credentials(KEY_ID, ed).key_type == "ed25519"


@pytest.mark.parametrize(
    ("case", "field_name", "words"),
    [
        ("bad_key_id", "key_id", "UUID"),
        ("public_key", "private_key_pem", "public key"),
        ("encrypted", "private_key_pem", "encrypted"),
        ("no_markers", "private_key_pem", "BEGIN RSA PRIVATE KEY"),
        ("corrupt_body", "private_key_pem", "could not be"),
        ("small_rsa", "private_key_pem", "1024 bits"),
        ("too_long", "private_key_pem", "longer than"),
    ],
)
def test_unusable_keys_are_refused_without_echoing_them(
    rsa_key: rsa.RSAPrivateKey, rsa_pem: str, case: str, field_name: str, words: str
) -> None:
    key_id, pem = KEY_ID, rsa_pem
    if case == "bad_key_id":
        key_id = "not-a-key-id-" + KEY_ID[:8]
    elif case == "public_key":
        pem = (
            rsa_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
    elif case == "encrypted":
        pem = _pem(rsa_key, serialization.PrivateFormat.PKCS8, b"hunter22hunter22")
    elif case == "no_markers":
        pem = "\n".join(rsa_pem.splitlines()[1:-1])
    elif case == "corrupt_body":
        lines = rsa_pem.splitlines()
        lines[5] = lines[5][::-1]
        pem = "\n".join(lines)
    elif case == "small_rsa":
        pem = _pem(
            rsa.generate_private_key(public_exponent=65537, key_size=1024),
            serialization.PrivateFormat.TraditionalOpenSSL,
        )
    elif case == "too_long":
        pem = rsa_pem + "\n" * 8192
    with pytest.raises(CredentialsShapeError) as caught:
        parse_credentials(key_id, pem)
    assert caught.value.field == field_name
    assert words in caught.value.message
    assert not _leaks(str(caught.value), pem, key_id)


def test_pasted_pems_are_tidied(rsa_pem: str) -> None:
    assert normalize_pem("  " + rsa_pem.replace("\n", "\r\n") + "\n\n") == rsa_pem
    assert normalize_pem(rsa_pem.strip().replace("\n", "\\n")) == rsa_pem
    parse_credentials(KEY_ID, normalize_pem(rsa_pem.strip().replace("\n", "\\n")))


def test_key_id_hint_and_environment() -> None:
    assert key_id_hint(KEY_ID) == "…8c9b"
    assert key_id_hint("short") == "…"
    assert kalshi_environment("https://external-api.kalshi.com/trade-api/v2") == "production"
    assert kalshi_environment("https://api.elections.kalshi.com/trade-api/v2") == "production"
    assert kalshi_environment(BASE_URL) == "demo"
    assert kalshi_environment("http://127.0.0.1:8123/trade-api/v2") == "local"
    assert kalshi_environment("https://kalshi.example.net/trade-api/v2") == "custom"


def test_request_model_hides_the_key_in_repr_errors_and_schema(rsa_pem: str) -> None:
    request = KalshiCredentialsRequest.model_validate({"key_id": f" {KEY_ID}\n", "private_key_pem": rsa_pem})
    assert request.key_id == KEY_ID
    assert request.private_key_pem.get_secret_value() == rsa_pem
    assert not _leaks(repr(request) + str(request), rsa_pem)
    with pytest.raises(ValidationError) as caught:
        KalshiCredentialsRequest.model_validate(
            {"key_id": KEY_ID + "0", "private_key_pem": rsa_pem + "x" * 9000, "extra": rsa_pem}
        )
    text = str(caught.value) + repr(caught.value.errors(include_input=False))
    assert not _leaks(text, rsa_pem, KEY_ID)
    assert {e["loc"][0] for e in caught.value.errors()} == {"key_id", "private_key_pem", "extra"}
    schema = KalshiCredentialsRequest.model_json_schema()
    assert schema["additionalProperties"] is False
    pem_schema = schema["properties"]["private_key_pem"]
    assert (pem_schema["writeOnly"], pem_schema["maxLength"], pem_schema["format"]) == (
        True,
        8192,
        "password",
    )
    assert schema["properties"]["key_id"]["maxLength"] == 64


# --------------------------------------------------------------------------- the live check


def _balance_answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"balance": 12345, "balance_dollars": "123.45"})


@dataclass
class Recorder:
    answer: Any
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if isinstance(self.answer, Exception):
            raise self.answer
        result: httpx.Response = self.answer(request)
        return result


def _check(recorder: Recorder) -> KalshiBalanceCheck:
    return KalshiBalanceCheck(BASE_URL, timeout_seconds=2, transport=httpx.MockTransport(recorder))


def test_the_live_check_is_one_signed_balance_read(rsa_pem: str) -> None:
    recorder = Recorder(_balance_answer)
    balance = _check(recorder).check(parse_credentials(KEY_ID, rsa_pem))
    assert balance.available == Decimal("123.45")
    [request] = recorder.requests  # no GET /account/limits first
    assert request.url.path == "/trade-api/v2/portfolio/balance"
    assert request.headers["KALSHI-ACCESS-KEY"] == KEY_ID
    assert request.headers["KALSHI-ACCESS-SIGNATURE"]


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (
            401,
            {"error": {"code": "authentication_error", "details": "desc = INCORRECT_API_KEY_SIGNATURE"}},
            "signature did not verify",
        ),
        (401, {"error": {"code": "unauthorized", "message": "INVALID_API_KEY: unknown key id"}}, "key id"),
        (401, {"error": {"code": "unauthorized", "message": "STALE_TIMESTAMP"}}, "clock"),
        (403, {"error": {"code": "forbidden", "message": "scope"}}, "scopes"),
    ],
)
def test_kalshi_refusals_become_rejections(
    rsa_pem: str, status: int, body: dict[str, Any], reason: str
) -> None:
    recorder = Recorder(lambda request: httpx.Response(status, json=body))
    with pytest.raises(CredentialsRejectedError) as caught:
        _check(recorder).check(parse_credentials(KEY_ID, rsa_pem))
    assert caught.value.status == status
    assert reason in caught.value.reason
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    "answer",
    [
        lambda request: httpx.Response(503, json={"error": {"code": "service_unavailable"}}),
        lambda request: httpx.Response(200, text="<html>proxy</html>"),
        httpx.ConnectError("connection refused"),
    ],
    ids=["503", "garbage", "connect"],
)
def test_an_unreachable_kalshi_is_unavailable(rsa_pem: str, answer: Any) -> None:
    recorder = Recorder(answer)
    with pytest.raises(CheckUnavailableError) as caught:
        _check(recorder).check(parse_credentials(KEY_ID, rsa_pem))
    assert "Kalshi could not be asked" in caught.value.reason
    assert 1 <= len(recorder.requests) <= 2


# --------------------------------------------------------------------------- the use cases


@dataclass
class FakeCheck:
    outcome: Any = field(default_factory=lambda: Balance(available=Decimal("250.00")))
    checked: list[str] = field(default_factory=list)

    def check(self, credentials: Any) -> Balance:
        self.checked.append(credentials.key_id)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        result: Balance = self.outcome
        return result


@dataclass
class FakeBots:
    records: list[BotRecord] = field(default_factory=list)

    def bots(self, user_id: str) -> list[BotRecord]:
        return [r for r in self.records if r.user_id == user_id]


class FailingAudit(InMemoryAuditLog):
    def append(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("audit table unavailable")


@dataclass
class World:
    store: InMemoryCredentialStore = field(default_factory=lambda: InMemoryCredentialStore(now=lambda: NOW))
    check: FakeCheck = field(default_factory=FakeCheck)
    bots: FakeBots = field(default_factory=FakeBots)
    audit: InMemoryAuditLog = field(default_factory=InMemoryAuditLog)
    forgotten: list[str] = field(default_factory=list)

    @property
    def deps(self) -> CredentialsApiDeps:
        return CredentialsApiDeps(
            store=self.store,
            check=self.check,
            bots=self.bots,
            audit=self.audit,
            environment="demo",
            forget_client=self.forgotten.append,
        )

    def save(self, pem: str, key_id: str = KEY_ID, user: str = "alice") -> Any:
        request = KalshiCredentialsRequest.model_validate({"key_id": key_id, "private_key_pem": pem})
        return save_kalshi_credentials(self.deps, request, user_id=user, now=NOW)

    def kinds(self, user: str = "alice") -> list[tuple[str, dict[str, Any]]]:
        return [(r.kind, json.loads(r.payload)) for r in self.audit.records(user)]


def test_save_checks_then_stores_audits_and_drops_the_cached_client(rsa_pem: str) -> None:
    world = World()
    saved = world.save(rsa_pem)
    assert (saved.key_id_hint, saved.key_type, saved.balance, saved.replaced) == (
        "…8c9b",
        "rsa",
        Decimal("250.00"),
        False,
    )
    assert saved.environment == "demo" and saved.validated_at == NOW
    assert world.check.checked == [KEY_ID]
    assert json.loads(world.store.secrets["alice"][0]) == {"key_id": KEY_ID, "private_key_pem": rsa_pem}
    assert world.forgotten == ["alice"]
    [(kind, payload)] = world.kinds()
    assert kind == AuditKind.CREDENTIALS_SAVED
    assert payload["key_id_hint"] == "…8c9b" and payload["replaced"] is False
    assert not _leaks(json.dumps(payload) + saved.model_dump_json(), rsa_pem)
    assert world.save(rsa_pem).replaced is True


@pytest.mark.parametrize(
    ("outcome", "error", "message"),
    [
        (CredentialsRejectedError(401, "the signature did not verify"), BadRequest, "Kalshi rejected"),
        (
            CheckUnavailableError("Kalshi could not be asked (HTTP 503)", 503),
            UpstreamFailed,
            "could not check",
        ),
    ],
)
def test_a_failed_check_stores_nothing(
    rsa_pem: str, outcome: Exception, error: type[ApiError], message: str
) -> None:
    world = World(check=FakeCheck(outcome))
    with pytest.raises(error) as caught:
        world.save(rsa_pem)
    assert message in caught.value.message
    assert "nothing was saved" in caught.value.message
    assert world.store.secrets == {} and world.kinds() == [] and world.forgotten == []


def test_a_malformed_key_is_400_before_kalshi_is_asked(rsa_pem: str) -> None:
    world = World()
    lines = rsa_pem.splitlines()
    lines[3] = lines[3][::-1]
    with pytest.raises(BadRequest) as caught:
        world.save("\n".join(lines))
    assert caught.value.message == "invalid request"
    assert caught.value.errors[0].startswith("private_key_pem: ")
    assert world.check.checked == [] and world.store.secrets == {}


def test_a_store_failure_is_503_and_an_audit_failure_does_not_undo_the_save(rsa_pem: str) -> None:
    class BrokenStore(InMemoryCredentialStore):
        def save(self, user_id: str, key_id: str, private_key_pem: str) -> bool:
            raise CredentialStoreError("Secrets Manager put_secret_value failed (ThrottlingException)")

    with pytest.raises(ServiceUnavailable, match="ThrottlingException"):
        World(store=BrokenStore()).save(rsa_pem)
    world = World(audit=FailingAudit())
    assert world.save(rsa_pem).configured is True
    assert "alice" in world.store.secrets


def test_overview_shows_a_hint_and_the_time_never_the_key(rsa_pem: str) -> None:
    world = World()
    [before] = credentials_overview(world.deps, user_id="alice").venues
    assert (before.configured, before.key_id_hint, before.updated_at) == (False, None, None)
    world.save(rsa_pem)
    overview = credentials_overview(world.deps, user_id="alice")
    [after] = overview.venues
    assert (after.configured, after.key_id_hint, after.updated_at, after.problem) == (
        True,
        "…8c9b",
        NOW,
        None,
    )
    assert not _leaks(overview.model_dump_json(), rsa_pem)
    assert credentials_overview(world.deps, user_id="bob").venues[0].configured is False
    world.store.secrets["bob"] = ("not json", NOW)
    [broken] = credentials_overview(world.deps, user_id="bob").venues
    assert broken.configured is True and broken.problem is not None and broken.key_id_hint is None


@pytest.mark.parametrize("state", [BotState.STARTING, BotState.RUNNING, BotState.PAUSED, BotState.STOPPING])
def test_delete_is_refused_while_a_bot_may_use_the_key(rsa_pem: str, state: BotState) -> None:
    world = World(bots=FakeBots([BotRecord("alice", "default", state), BotRecord("alice", "b2")]))
    world.save(rsa_pem)
    with pytest.raises(Conflict) as caught:
        delete_kalshi_credentials(world.deps, user_id="alice", now=NOW)
    assert caught.value.extra["bots"] == [{"bot_id": "default", "state": state.value}]
    assert "alice" in world.store.secrets


def test_delete_schedules_removal_audits_and_then_404s(rsa_pem: str) -> None:
    world = World(bots=FakeBots([BotRecord("alice", "default", BotState.ERROR)]))
    world.save(rsa_pem)
    world.forgotten.clear()
    deleted = delete_kalshi_credentials(world.deps, user_id="alice", now=NOW)
    assert deleted.configured is False and deleted.recoverable_until == NOW + timedelta(days=7)
    assert world.store.secrets == {} and world.forgotten == ["alice"]
    kind, payload = world.kinds()[-1]
    assert kind == AuditKind.CREDENTIALS_DELETED and payload["key_id_hint"] == "…8c9b"
    with pytest.raises(NotFound):
        delete_kalshi_credentials(world.deps, user_id="alice", now=NOW)


# --------------------------------------------------------------------------- the Secrets Manager store


def _client_error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"{code} happened"}}, operation)


class FakeSecretsClient:
    """Answers each operation from a queue (an exception is raised); records the calls."""

    def __init__(self, **answers: list[Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, operation: str) -> Any:
        def call(**params: Any) -> Any:
            self.calls.append((operation, params))
            queue = self.answers.get(operation) or [{}]
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
            if isinstance(answer, Exception):
                raise answer
            return answer

        return call

    def operations(self) -> list[str]:
        return [name for name, _ in self.calls]


def test_saving_over_a_deleted_secret_restores_it_first() -> None:
    client = FakeSecretsClient(describe_secret=[{"Name": "inplay/kalshi/alice", "DeletedDate": NOW}])
    store = SecretsManagerCredentialStore("inplay/kalshi/", client=client)
    assert store.save("alice", KEY_ID, "PEM") is False
    assert client.operations() == ["describe_secret", "restore_secret", "tag_resource", "put_secret_value"]
    assert json.loads(client.calls[-1][1]["SecretString"]) == {"key_id": KEY_ID, "private_key_pem": "PEM"}


def test_saving_creates_a_tagged_secret_or_overwrites_one_created_meanwhile() -> None:
    missing = _client_error("ResourceNotFoundException", "DescribeSecret")
    client = FakeSecretsClient(describe_secret=[missing])
    assert SecretsManagerCredentialStore(client=client).save("alice", KEY_ID, "PEM") is False
    [(_, _), (operation, params)] = client.calls
    assert operation == "create_secret" and params["Name"] == "inplay/kalshi/alice"
    assert params["Tags"] == [{"Key": "inplay:user", "Value": "alice"}]
    raced = FakeSecretsClient(
        describe_secret=[missing], create_secret=[_client_error("ResourceExistsException", "CreateSecret")]
    )
    assert SecretsManagerCredentialStore(client=raced).save("alice", KEY_ID, "PEM") is True
    assert raced.operations() == ["describe_secret", "create_secret", "put_secret_value"]


def test_store_errors_name_the_code_never_the_parameters() -> None:
    leaky = ParamValidationError(report=f"Invalid length for parameter SecretString, value: {KEY_ID}")
    client = FakeSecretsClient(describe_secret=[{"Name": "x"}], put_secret_value=[leaky])
    with pytest.raises(CredentialStoreError) as caught:
        SecretsManagerCredentialStore(client=client).save("alice", KEY_ID, "PEM")
    assert KEY_ID not in str(caught.value) and "ParamValidationError" in str(caught.value)
    throttled = FakeSecretsClient(get_secret_value=[_client_error("ThrottlingException", "GetSecretValue")])
    with pytest.raises(CredentialStoreError, match="ThrottlingException"):
        SecretsManagerCredentialStore(client=throttled).load("alice")


def test_a_secret_scheduled_for_deletion_reads_as_none_and_deletes_as_none() -> None:
    marked = _client_error("InvalidRequestException", "GetSecretValue")
    client = FakeSecretsClient(get_secret_value=[marked], delete_secret=[marked])
    store = SecretsManagerCredentialStore(client=client)
    assert store.load("alice") is None
    assert store.delete("alice") is None
    [(_, params)] = [call for call in client.calls if call[0] == "delete_secret"]
    assert params["RecoveryWindowInDays"] == 7


def test_the_venues_read_a_deleted_key_as_no_key() -> None:
    marked = _client_error("InvalidRequestException", "GetSecretValue")
    assert SecretsManagerReader(FakeSecretsClient(get_secret_value=[marked])).secret_string("x") is None
    throttled = _client_error("ThrottlingException", "GetSecretValue")
    with pytest.raises(SecretUnavailableError):
        SecretsManagerReader(FakeSecretsClient(get_secret_value=[throttled])).secret_string("x")


def test_botocore_debug_lines_with_secret_values_are_withheld(caplog: pytest.LogCaptureFixture) -> None:
    install_boto_log_scrubber()
    install_boto_log_scrubber()
    endpoint = logging.getLogger("botocore.endpoint")
    assert sum(isinstance(f, SecretLineFilter) for f in endpoint.filters) == 1
    with caplog.at_level(logging.DEBUG, logger="botocore"):
        endpoint.debug("Making request with params: %s", {"body": {"SecretString": KEY_ID}})
        logging.getLogger("botocore.parsers").debug("Response body:\n%r", b'{"private_key_pem": "x"}')
        endpoint.debug("Making request with params: %s", {"body": {"SecretId": "inplay/kalshi/alice"}})
    messages = [record.getMessage() for record in caplog.records]
    assert all(KEY_ID not in m and "private_key_pem" not in m for m in messages)
    assert sum("withheld" in m for m in messages) == 2
    assert "inplay/kalshi/alice" in messages[2]


# --------------------------------------------------------------------------- the cached client


class Secrets:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def secret_string(self, name: str) -> str | None:
        return self.values.get(name)


def test_forget_drops_a_cached_client_so_the_new_key_is_read(rsa_pem: str) -> None:
    secrets = Secrets()
    venues = KalshiVenues(base_url=BASE_URL, secrets=secrets)
    secrets.values["inplay/kalshi/alice"] = json.dumps({"key_id": KEY_ID, "private_key_pem": rsa_pem})
    first = venues.client_for("alice")
    other = str(uuid.uuid4())
    secrets.values["inplay/kalshi/alice"] = json.dumps({"key_id": other, "private_key_pem": rsa_pem})
    assert venues.client_for("alice") is first  # cached for minutes
    assert venues.forget("alice") is True
    assert venues.forget("alice") is False
    fresh = venues.client_for("alice")
    assert fresh is not first and fresh.credentials is not None and fresh.credentials.key_id == other
    venues.close()
    first.close()


def test_every_function_withholds_sign_in_secrets_from_botocore_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``inplay.observability`` (imported by every handler) installs the filter; an InitiateAuth
    request carries the password and its answer the tokens."""
    import inplay.observability  # noqa: F401

    endpoint = logging.getLogger("botocore.endpoint")
    assert any(isinstance(f, SecretLineFilter) for f in endpoint.filters)
    with caplog.at_level(logging.DEBUG, logger="botocore"):
        endpoint.debug("Making request with params: %s", {"AuthParameters": {"PASSWORD": "hunter2-hunter2"}})
        logging.getLogger("botocore.parsers").debug("Response body:\n%r", b'{"IdToken": "eyJ.x.y"}')
    messages = " ".join(record.getMessage() for record in caplog.records)
    assert "hunter2" not in messages and "eyJ.x.y" not in messages and "withheld" in messages
