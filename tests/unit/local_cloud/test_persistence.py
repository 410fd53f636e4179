"""The DynamoDB journal: append, replay, compaction, torn tails, and the write hook under moto."""

from __future__ import annotations

import io
import json
import sys
import types
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local.cloud import streams
from local.cloud.moto_runtime import local_mock_aws
from local.cloud.persistence import (
    JOURNAL_NAME,
    DynamoPersistence,
    ItemImage,
    Journal,
    PersistenceError,
    RestoreSummary,
    wipe_state,
)

pytestmark = pytest.mark.timeout(60)


def _image(table: str, pk: str, **attrs: str) -> ItemImage:
    key = {"pk": {"S": pk}}
    return ItemImage(table, key, {**key, **{name: {"S": value} for name, value in attrs.items()}})


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


# --------------------------------------------------------------------------- the journal file


def test_the_last_image_of_each_key_wins_and_deletions_count(tmp_path: Path) -> None:
    journal = Journal(tmp_path / JOURNAL_NAME)
    journal.append([_image("A", "1", v="old"), _image("B", "1", v="b")])
    journal.append([_image("A", "1", v="new")])
    journal.append([ItemImage("B", {"pk": {"S": "1"}}, None)])
    journal.close()
    state = Journal(tmp_path / JOURNAL_NAME).load()
    assert state[("A", '{"pk":{"S":"1"}}')].item == {"pk": {"S": "1"}, "v": {"S": "new"}}
    assert state[("B", '{"pk":{"S":"1"}}')].item is None


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / JOURNAL_NAME
    journal = Journal(path)
    journal.append([_image("A", "1", v="kept")])
    journal.close()
    whole = json.dumps({"w": [_image("A", "1", v="torn").to_json()]})
    with path.open("ab") as file:
        file.write(whole[: len(whole) // 2].encode())  # the process died mid-append
    loaded = Journal(path)
    state = loaded.load()
    assert loaded.torn_tail
    assert state[("A", '{"pk":{"S":"1"}}')].item == {"pk": {"S": "1"}, "v": {"S": "kept"}}


def test_a_complete_last_line_without_its_newline_still_counts(tmp_path: Path) -> None:
    path = tmp_path / JOURNAL_NAME
    Journal(path).append([_image("A", "1", v="first")])
    with path.open("ab") as file:
        file.write(json.dumps({"w": [_image("A", "1", v="second").to_json()]}).encode())
    loaded = Journal(path)
    assert loaded.load()[("A", '{"pk":{"S":"1"}}')].item == {"pk": {"S": "1"}, "v": {"S": "second"}}
    assert not loaded.torn_tail


def test_damage_before_the_last_line_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / JOURNAL_NAME
    journal = Journal(path)
    journal.append([_image("A", "1")])
    journal.close()
    with path.open("ab") as file:
        file.write(b"{not json\n")
    Journal(path).append([_image("A", "2")])
    with pytest.raises(PersistenceError, match="line 3 is damaged"):
        Journal(path).load()


def test_an_unknown_format_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / JOURNAL_NAME
    path.write_text('{"format": "inplay-local-dynamodb", "version": 99}\n')
    with pytest.raises(PersistenceError, match="version 99"):
        Journal(path).load()


def test_compaction_writes_a_snapshot_of_the_live_items(tmp_path: Path) -> None:
    path = tmp_path / JOURNAL_NAME
    journal = Journal(path)
    for n in range(5):
        journal.append([_image("A", "1", v=str(n))])
    journal.append([_image("A", "2")])
    journal.append([ItemImage("A", {"pk": {"S": "2"}}, None)])
    state = journal.load()
    assert journal.compact(state.values()) == 1
    assert _lines(path) == [
        {"format": "inplay-local-dynamodb", "version": 1},
        {"w": [_image("A", "1", v="4").to_json()]},
    ]
    assert not (tmp_path / (JOURNAL_NAME + ".tmp")).exists()
    journal.append([_image("A", "3")])  # appending after a compaction continues the snapshot
    journal.close()
    assert set(Journal(path).load()) == {("A", '{"pk":{"S":"1"}}'), ("A", '{"pk":{"S":"3"}}')}


def test_a_new_journal_starts_with_its_header(tmp_path: Path) -> None:
    path = tmp_path / "sub" / JOURNAL_NAME
    journal = Journal(path)
    journal.append([_image("A", "1")])
    journal.append([])  # nothing to write: no line
    journal.close()
    assert _lines(path)[0] == {"format": "inplay-local-dynamodb", "version": 1}
    assert len(_lines(path)) == 2


# --------------------------------------------------------------------------- under moto


TABLES = {"Bots": ("pk", "sk"), "Fills": ("pk", None)}


def _create_tables() -> None:
    ddb = boto3.client("dynamodb")
    for name, (hash_key, range_key) in TABLES.items():
        keys: list[Any] = [{"AttributeName": hash_key, "KeyType": "HASH"}]
        attributes: list[Any] = [{"AttributeName": hash_key, "AttributeType": "S"}]
        if range_key:
            keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
            attributes.append({"AttributeName": range_key, "AttributeType": "S"})
        ddb.create_table(
            TableName=name,
            KeySchema=keys,
            AttributeDefinitions=attributes,
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )


@pytest.fixture
def cloud() -> Iterator[None]:
    with local_mock_aws():
        _create_tables()
        yield


@contextmanager
def _running(state_dir: Path) -> Iterator[RestoreSummary]:
    """A fresh moto with the tables, the journal of ``state_dir`` replayed into it."""
    with local_mock_aws():
        _create_tables()
        persistence = DynamoPersistence(state_dir)
        summary = persistence.open()
        try:
            yield summary
        finally:
            persistence.close()


def _scan(table: str) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, default=repr))


def _write_everything() -> None:
    ddb = boto3.client("dynamodb")
    ddb.put_item(
        TableName="Bots", Item={"pk": {"S": "u1"}, "sk": {"S": "KILL_SWITCH"}, "state": {"S": "ACTIVE"}}
    )
    ddb.update_item(
        TableName="Bots",
        Key={"pk": {"S": "u1"}, "sk": {"S": "KILL_SWITCH"}},
        UpdateExpression="SET #s = :t, vals = :v",
        ExpressionAttributeNames={"#s": "state"},
        ExpressionAttributeValues={
            ":t": {"S": "TRIPPED"},
            ":v": {"M": {"loss": {"N": "12.5"}, "tags": {"L": [{"S": "a"}, {"BOOL": True}]}}},
        },
    )
    ddb.put_item(
        TableName="Fills",
        Item={"pk": {"S": "bin"}, "blob": {"B": b"\x00\xff"}, "set": {"SS": ["x", "y"]}, "n": {"NULL": True}},
    )
    ddb.put_item(TableName="Fills", Item={"pk": {"S": "gone"}})
    ddb.delete_item(TableName="Fills", Key={"pk": {"S": "gone"}})
    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "Fills", "Item": {"pk": {"S": "f1"}, "qty": {"N": "3"}}}},
            {"Put": {"TableName": "Bots", "Item": {"pk": {"S": "u1"}, "sk": {"S": "POS#f1"}}}},
        ]
    )
    ddb.batch_write_item(
        RequestItems={"Fills": [{"PutRequest": {"Item": {"pk": {"S": f"b{n}"}}}} for n in range(3)]}
    )


def test_every_kind_of_write_survives_a_restart(tmp_path: Path) -> None:
    with _running(tmp_path) as summary:
        assert summary.restored == 0
        _write_everything()
        before = {table: _scan(table) for table in TABLES}
    assert len(before["Fills"]) == 5 and len(before["Bots"]) == 2
    with _running(tmp_path) as summary:
        assert summary.items == {"Fills": 5, "Bots": 2}
        assert {table: _scan(table) for table in TABLES} == before
    with _running(tmp_path):  # from the compacted snapshot too
        assert {table: _scan(table) for table in TABLES} == before


def test_failed_writes_journal_nothing_and_a_transaction_is_one_line(tmp_path: Path, cloud: None) -> None:
    persistence = DynamoPersistence(tmp_path)
    persistence.open()
    ddb = boto3.client("dynamodb")
    ddb.put_item(TableName="Fills", Item={"pk": {"S": "a"}})
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        ddb.put_item(
            TableName="Fills", Item={"pk": {"S": "a"}}, ConditionExpression="attribute_not_exists(pk)"
        )
    with pytest.raises(ClientError, match="TransactionCanceled"):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "Fills", "Item": {"pk": {"S": "never"}}}},
                {
                    "ConditionCheck": {
                        "TableName": "Fills",
                        "Key": {"pk": {"S": "missing"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    ddb.delete_item(TableName="Fills", Key={"pk": {"S": "not-there"}})  # deletes nothing
    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "Fills", "Item": {"pk": {"S": "t1"}}}},
            {"Delete": {"TableName": "Fills", "Key": {"pk": {"S": "a"}}}},
            {
                "Update": {
                    "TableName": "Bots",
                    "Key": {"pk": {"S": "u"}, "sk": {"S": "s"}},
                    "UpdateExpression": "SET x = :x",
                    "ExpressionAttributeValues": {":x": {"N": "1"}},
                }
            },
        ]
    )
    persistence.close()
    lines = _lines(tmp_path / JOURNAL_NAME)
    assert lines[0]["format"] == "inplay-local-dynamodb"
    assert [len(line["w"]) for line in lines[1:]] == [1, 3]
    transaction = {
        (image["t"], json.dumps(image["k"], sort_keys=True)): image["i"] for image in lines[2]["w"]
    }
    assert transaction[("Fills", '{"pk": {"S": "a"}}')] is None
    assert transaction[("Bots", '{"pk": {"S": "u"}, "sk": {"S": "s"}}')] == {
        "pk": {"S": "u"},
        "sk": {"S": "s"},
        "x": {"N": "1"},
    }


@pytest.fixture
def collector(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    calls: list[Any] = []
    module = types.ModuleType("inplay_test_persistence_handlers")
    module.collect = lambda event, context: calls.append(event)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return calls


def _map_fills_stream() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("placeholder.txt", "")
    role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam = boto3.client("lambda")
    lam.create_function(
        FunctionName="collect",
        Runtime="python3.13",
        Role=role,
        Handler="inplay_test_persistence_handlers.collect",
        Code={"ZipFile": buffer.getvalue()},
    )
    arn = boto3.client("dynamodb").describe_table(TableName="Fills")["Table"]["LatestStreamArn"]
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="collect", StartingPosition="LATEST")


def test_replay_neither_delivers_stream_records_nor_journals_again(
    tmp_path: Path, collector: list[Any]
) -> None:
    journal = Journal(tmp_path / JOURNAL_NAME)
    for n in range(3):
        journal.append([_image("Fills", f"f{n}", v="x")])
    journal.append([_image("Fills", "f0", v="y")])
    journal.close()
    with local_mock_aws():
        _create_tables()
        _map_fills_stream()
        persistence = DynamoPersistence(tmp_path)
        summary = persistence.open()
        try:
            assert summary.items == {"Fills": 3}
            assert streams.drain(10)
            assert collector == []
            assert len(_lines(tmp_path / JOURNAL_NAME)) == 1 + 3  # compacted, nothing re-journaled
            assert {item["pk"]["S"]: item["v"]["S"] for item in _scan("Fills")} == {
                "f0": "y",
                "f1": "x",
                "f2": "x",
            }
            boto3.client("dynamodb").put_item(TableName="Fills", Item={"pk": {"S": "live"}})
            assert streams.drain(10)
            assert len(collector) == 1  # live writes still reach the stream
        finally:
            persistence.close()


def test_items_of_unknown_tables_are_kept_not_dropped(tmp_path: Path, cloud: None) -> None:
    journal = Journal(tmp_path / JOURNAL_NAME)
    journal.append([_image("Retired", "r1"), _image("Fills", "f1")])
    journal.close()
    persistence = DynamoPersistence(tmp_path)
    summary = persistence.open()
    persistence.close()
    assert summary.items == {"Fills": 1}
    assert summary.unknown_tables == {"Retired": 1}
    assert ("Retired", '{"pk":{"S":"r1"}}') in Journal(tmp_path / JOURNAL_NAME).load()


def test_a_state_directory_serves_one_local_cloud_at_a_time(tmp_path: Path, cloud: None) -> None:
    first = DynamoPersistence(tmp_path)
    first.open()
    try:
        with pytest.raises(PersistenceError, match="in use"):
            DynamoPersistence(tmp_path).open()
    finally:
        first.close()
    second = DynamoPersistence(tmp_path)
    second.open()
    second.close()


def test_closing_stops_journaling_and_restores_moto(tmp_path: Path, cloud: None) -> None:
    from moto.dynamodb.models import DynamoDBBackend

    put = DynamoDBBackend.put_item
    persistence = DynamoPersistence(tmp_path)
    persistence.open()
    assert DynamoDBBackend.put_item is not put
    persistence.close()
    persistence.close()  # idempotent
    assert DynamoDBBackend.put_item is put
    boto3.client("dynamodb").put_item(TableName="Fills", Item={"pk": {"S": "after-close"}})
    assert len(_lines(tmp_path / JOURNAL_NAME)) == 1  # the header only


def test_a_journal_past_its_size_limit_is_compacted_while_running(tmp_path: Path) -> None:
    journal = Journal(tmp_path / JOURNAL_NAME)
    journal.append([_image("Retired", "r1")])  # a table this stack does not have: kept throughout
    journal.close()
    with local_mock_aws():
        _create_tables()
        ddb = boto3.client("dynamodb")
        persistence = DynamoPersistence(tmp_path, compact_bytes=2_000)
        persistence.open()
        try:
            for n in range(200):
                ddb.put_item(TableName="Fills", Item={"pk": {"S": f"k{n % 5}"}, "n": {"N": str(n)}})
            ddb.delete_item(TableName="Fills", Key={"pk": {"S": "k0"}})
            assert persistence.journal.size == (tmp_path / JOURNAL_NAME).stat().st_size
            assert (tmp_path / JOURNAL_NAME).stat().st_size < 3_000
            before = _scan("Fills")
        finally:
            persistence.close()
    assert {item["pk"]["S"]: item["n"]["N"] for item in before} == {
        f"k{n}": str(195 + n) for n in range(1, 5)
    }
    with _running(tmp_path) as summary:
        assert summary.items == {"Fills": 4}
        assert summary.unknown_tables == {"Retired": 1}
        assert _scan("Fills") == before


def test_wiping_removes_only_the_journal_and_not_while_in_use(tmp_path: Path, cloud: None) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert not wipe_state(tmp_path / "missing")
    persistence = DynamoPersistence(tmp_path)
    persistence.open()
    boto3.client("dynamodb").put_item(TableName="Fills", Item={"pk": {"S": "x"}})
    with pytest.raises(PersistenceError, match="in use"):
        wipe_state(tmp_path)
    persistence.close()
    assert wipe_state(tmp_path)
    assert not (tmp_path / JOURNAL_NAME).exists()
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert not wipe_state(tmp_path)
