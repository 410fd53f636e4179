"""DynamoAuditLog and ``inplay audit verify`` on the audit table provisioned from the template."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import boto3
import pytest
from pynamodb.exceptions import PutError

from inplay.audit import (
    AuditAppendOnlyError,
    AuditContentionError,
    AuditKind,
    DynamoAuditLog,
    OrderAuditPayload,
    RiskSnapshot,
    record_hash,
)
from inplay.config import Env
from local.cloud.provisioner import ProvisionedStack, provision_file
from local.commands import audit as audit_command
from tests.unit.orders.contract import make_intent, run_threads

pytestmark = [pytest.mark.timeout(120)]

T0 = datetime(2025, 11, 2, 18, 30, tzinfo=UTC)


@pytest.fixture
def table(stack: ProvisionedStack) -> str:
    return stack.table("AuditTable").name


@pytest.fixture
def log(table: str, atomic_moto: None) -> DynamoAuditLog:
    return DynamoAuditLog(table, max_attempts=100, backoff_seconds=0.002)


def raw_items(table: str, user: str) -> list[dict]:
    response = boto3.client("dynamodb").query(
        TableName=table,
        KeyConditionExpression="user_id = :u",
        ExpressionAttributeValues={":u": {"S": user}},
        ConsistentRead=True,
    )
    return response["Items"]


def test_the_table_is_the_one_the_schema_declares(stack: ProvisionedStack) -> None:
    table = stack.table("AuditTable")
    assert (table.partition_key, table.sort_key) == ("user_id", "seq")


def test_append_builds_a_chain_and_reads_it_back(table: str, log: DynamoAuditLog) -> None:
    payload = OrderAuditPayload(
        intent=make_intent(),
        reason="fair value edge",
        confidence={"total": Decimal("0.72")},
        risk=RiskSnapshot(daily_pnl_before=Decimal("-3.5"), open_positions=1),
    )
    first = log.append("user-1", AuditKind.ENTRY, payload, at=T0)
    second = log.append("user-1", AuditKind.EXIT, {"pnl": Decimal("1.2300")}, at=T0 + timedelta(minutes=9))
    log.append("user-2", AuditKind.ERROR, {"code": "timeout"})
    assert (first.seq, second.seq, second.prev_hash) == (1, 2, first.hash)
    assert list(log.records("user-1")) == [first, second]
    assert list(log.records("user-1", after_seq=1)) == [second]
    assert log.last("user-1") == second and log.last("nobody") is None
    assert first.data()["intent"]["price"] == "0.5600" and second.data() == {"pnl": "1.2300"}
    result = log.verify("user-1")
    assert (result.ok, result.checked, result.head_hash) == (True, 2, second.hash)
    (item, _) = raw_items(table, "user-1")
    assert item["seq"] == {"N": "1"} and item["kind"] == {"S": "ENTRY"}
    assert item["at"] == {"S": "2025-11-02T18:30:00.000000Z"} and item["hash"] == {"S": first.hash}


def test_concurrent_appends_make_one_gap_free_chain(log: DynamoAuditLog) -> None:
    appended = []

    def writer(name: str) -> None:
        for n in range(8):
            appended.append(log.append("user-1", AuditKind.ENTRY, {"writer": name, "n": n}))

    run_threads([lambda n=n: writer(f"w{n}") for n in range(4)])
    stored = list(log.records("user-1"))
    assert [record.seq for record in stored] == list(range(1, 33))
    assert sorted(appended, key=lambda record: record.seq) == stored  # what append returned is what is stored
    assert log.verify("user-1").ok
    assert {(r.data()["writer"], r.data()["n"]) for r in stored} == {
        (f"w{w}", n) for w in range(4) for n in range(8)
    }


def test_contention_beyond_the_bound_writes_nothing(table: str, atomic_moto: None) -> None:
    """A writer that always loses the race gives up with a typed error; it never skips a seq."""
    log = DynamoAuditLog(table, max_attempts=3, sleep=lambda _: None)
    log.append("user-1", AuditKind.ENTRY, {"n": 1})
    rival = DynamoAuditLog(table)
    original_last = log.last
    calls = []

    def stale_last(user_id: str):
        calls.append(user_id)
        record = original_last(user_id)
        rival.append(user_id, AuditKind.ENTRY, {"rival": len(calls)})  # takes the seq we will try
        return record

    log.last = stale_last  # type: ignore[method-assign]
    with pytest.raises(AuditContentionError, match="3 times"):
        log.append("user-1", AuditKind.EXIT, {"mine": True})
    seqs = [r.seq for r in rival.records("user-1")]
    assert seqs == [1, 2, 3, 4] and len(calls) == 3
    assert all(r.data() != {"mine": True} for r in rival.records("user-1"))
    assert rival.verify("user-1").ok


def test_the_item_model_cannot_overwrite_update_or_delete(log: DynamoAuditLog) -> None:
    record = log.append("user-1", AuditKind.ENTRY, {"n": 1})
    model = log._model
    item = model(
        "user-1", 1, kind="EXIT", at=record.at, payload="{}", prev_hash=record.prev_hash, hash=record.hash
    )
    with pytest.raises(PutError) as refused:
        item.save()  # the not-exists condition is always added
    assert refused.value.cause_response_code == "ConditionalCheckFailedException"
    for attempt in (lambda: item.update(actions=[model.kind.set("EXIT")]), item.delete, model.batch_write):
        with pytest.raises(AuditAppendOnlyError):
            attempt()
    assert list(log.records("user-1")) == [record]


def tamper(table: str, user: str, seq: int, **changes: str) -> None:
    """What someone with raw table access could do: replace an item with a plain PutItem."""
    client = boto3.client("dynamodb")
    item = client.get_item(TableName=table, Key={"user_id": {"S": user}, "seq": {"N": str(seq)}})["Item"]
    item.update({name: {"S": value} for name, value in changes.items()})
    client.put_item(TableName=table, Item=item)


def verify_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = audit_command.run(["verify", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_reports_a_clean_chain(table: str, log: DynamoAuditLog, capsys) -> None:
    for n in range(5):
        last = log.append("user-1", AuditKind.ENTRY, {"n": n})
    code, out, _ = verify_cli(capsys, "--user", "user-1", "--table", table)
    assert code == 0
    assert out.splitlines() == ["OK: 5 records verified", f"head: seq 5 sha256 {last.hash}"]


def test_cli_reads_the_table_name_from_the_environment(table, log, capsys, monkeypatch) -> None:
    log.append("user-1", AuditKind.ENTRY, {"n": 1})
    monkeypatch.setenv(Env.AUDIT_TABLE.value, table)
    code, out, _ = verify_cli(capsys, "--user", "user-1")
    assert code == 0 and out.startswith("OK: 1 records verified")


def test_cli_names_the_tampered_seq(table: str, log: DynamoAuditLog, capsys) -> None:
    for n in range(6):
        log.append("user-1", AuditKind.ENTRY, {"n": n, "price": Decimal("0.5600")})
    tamper(table, "user-1", 4, payload=json.dumps({"n": 3, "price": "0.0100"}, separators=(",", ":")))
    code, out, _ = verify_cli(capsys, "--user", "user-1", "--table", table)
    assert code == 1
    assert (
        out.splitlines()[0] == "BROKEN at seq 4: hash mismatch: the record was changed after it was written"
    )
    assert "3 records verified before the break; 6 records read" in out


def test_cli_catches_a_forger_who_rehashes(table: str, log: DynamoAuditLog, capsys) -> None:
    records = [log.append("user-1", AuditKind.ENTRY, {"n": n}) for n in range(4)]
    target = records[1]
    forged = {"kind": "CANCEL", "payload": "{}"}
    forged["hash"] = record_hash(
        user_id="user-1", seq=2, kind="CANCEL", at=target.at, payload="{}", prev_hash=target.prev_hash
    )
    tamper(table, "user-1", 2, **forged)
    code, out, _ = verify_cli(capsys, "--user", "user-1", "--table", table)
    assert (code, out.splitlines()[0]) == (
        1,
        "BROKEN at seq 3: broken link: prev_hash does not match the hash of seq 2",
    )


def test_cli_reports_a_deleted_record_as_a_gap(table: str, log: DynamoAuditLog, capsys) -> None:
    for n in range(4):
        log.append("user-1", AuditKind.ENTRY, {"n": n})
    boto3.client("dynamodb").delete_item(TableName=table, Key={"user_id": {"S": "user-1"}, "seq": {"N": "2"}})
    code, out, _ = verify_cli(capsys, "--user", "user-1", "--table", table)
    assert (code, out.splitlines()[0]) == (1, "BROKEN at seq 2: gap: seq 2 missing (next record is seq 3)")


def test_cli_survives_an_attribute_of_the_wrong_type(table: str, log: DynamoAuditLog, capsys) -> None:
    for n in range(3):
        log.append("user-1", AuditKind.ENTRY, {"n": n})
    client = boto3.client("dynamodb")
    key = {"user_id": {"S": "user-1"}, "seq": {"N": "2"}}
    item = client.get_item(TableName=table, Key=key)["Item"]
    item["payload"] = {"N": "7"}
    client.put_item(TableName=table, Item=item)
    code, out, _ = verify_cli(capsys, "--user", "user-1", "--table", table)
    assert code == 1 and out.startswith("BROKEN at seq 2: hash mismatch")


def test_cli_with_no_records(table: str, stack: ProvisionedStack, capsys) -> None:
    code, out, err = verify_cli(capsys, "--user", "nobody", "--table", table)
    assert (code, out) == (0, "OK: 0 records verified\n")
    assert "no audit records" in err


def test_cli_usage_and_read_errors(stack: ProvisionedStack, capsys, monkeypatch) -> None:
    monkeypatch.delenv(Env.AUDIT_TABLE.value, raising=False)
    code, _, err = verify_cli(capsys, "--user", "user-1")
    assert code == 2 and "INPLAY_AUDIT_TABLE" in err and "Traceback" not in err
    code, _, err = verify_cli(capsys)
    assert code == 2 and "--user" in err
    code, _, err = verify_cli(capsys, "--user", " ", "--table", "t")
    assert code == 2 and "--user must not be empty" in err
    code, _, err = verify_cli(capsys, "--user", "user-1", "--table", "no-such-table")
    assert code == 3 and "no-such-table" in err and "ResourceNotFound" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_cli_reaches_the_local_cloud_through_aws_endpoint_url(template_path, capsys) -> None:
    """As a user would run it against ``make demo``: the endpoint comes from ``AWS_ENDPOINT_URL``."""
    from local.cloud.moto_runtime import MotoRuntime

    with MotoRuntime() as runtime:
        stack = provision_file(template_path, endpoint_url=runtime.url)
        name = stack.table("AuditTable").name
        DynamoAuditLog(name).append("user-1", AuditKind.MODE_CHANGE, {"mode": "live", "confirmed": True})
        code, out, _ = verify_cli(capsys, "--user", "user-1", "--table", name)
        assert (code, out.splitlines()[0]) == (0, "OK: 1 records verified")
        code, out, _ = verify_cli(capsys, "--user", "user-1", "--table", name, "--endpoint-url", runtime.url)
        assert code == 0
