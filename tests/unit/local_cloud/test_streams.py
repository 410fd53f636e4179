"""DynamoDB stream → Lambda delivered as on AWS: after commit, asynchronously, in order, in batches."""

from __future__ import annotations

import io
import logging
import sys
import threading
import types
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local.cloud import streams
from local.cloud.moto_runtime import local_mock_aws

pytestmark = pytest.mark.timeout(60)

HANDLERS = "inplay_test_stream_handlers"


@dataclass
class Behaviour:
    """What the test handler does; the handler module reads the current instance."""

    batches: list[list[dict[str, Any]]] = field(default_factory=list)
    seen_positions: list[bool] = field(default_factory=list)
    fail_first: int = 0
    always_fail: bool = False
    gate: threading.Event | None = None
    write_back: bool = False
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def records(self) -> list[dict[str, Any]]:
        return [record for batch in self.batches for record in batch]

    def keys(self) -> list[str]:
        return [record["dynamodb"]["Keys"]["pk"]["S"] for record in self.records()]


@pytest.fixture
def behaviour(monkeypatch: pytest.MonkeyPatch) -> Behaviour:
    state = Behaviour()
    module = types.ModuleType(HANDLERS)

    def collect(event: dict[str, Any], context: Any) -> dict[str, int]:
        with state.lock:
            state.calls += 1
            call = state.calls
        if state.gate is not None and call == 1:
            assert state.gate.wait(10)
        if state.always_fail or call <= state.fail_first:
            raise RuntimeError(f"failing call {call}")
        state.batches.append(event["Records"])
        return {"records": len(event["Records"])}

    def read_position(event: dict[str, Any], context: Any) -> None:
        ddb = boto3.client("dynamodb")
        for record in event["Records"]:
            key = record["dynamodb"]["Keys"]["pk"]["S"]
            found = ddb.get_item(TableName="Positions", Key={"pk": {"S": key}}, ConsistentRead=True)
            state.seen_positions.append("Item" in found)
        state.batches.append(event["Records"])

    def write_back(event: dict[str, Any], context: Any) -> None:
        ddb = boto3.client("dynamodb")
        for record in event["Records"]:
            key = record["dynamodb"]["Keys"]["pk"]["S"]
            if not key.startswith("echo-"):
                ddb.put_item(TableName="Fills", Item={"pk": {"S": f"echo-{key}"}})
        state.batches.append(event["Records"])

    module.collect = collect  # type: ignore[attr-defined]
    module.read_position = read_position  # type: ignore[attr-defined]
    module.write_back = write_back  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, HANDLERS, module)
    return state


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("placeholder.txt", "")
    return buffer.getvalue()


def _table(name: str, *, stream: bool) -> str | None:
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    description = boto3.client("dynamodb").create_table(**request)["TableDescription"]
    return description.get("LatestStreamArn")


@dataclass
class Aws:
    stream_arn: str
    map: Callable[..., str]


@pytest.fixture
def aws(behaviour: Behaviour) -> Iterator[Aws]:
    with local_mock_aws():
        stream_arn = _table("Fills", stream=True)
        assert stream_arn
        _table("Positions", stream=False)
        role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lam = boto3.client("lambda")

        def map_to(handler: str, **options: Any) -> str:
            lam.create_function(
                FunctionName=handler,
                Runtime="python3.13",
                Role=role,
                Handler=f"{HANDLERS}.{handler}",
                Code={"ZipFile": _zip()},
            )
            mapping = lam.create_event_source_mapping(
                EventSourceArn=stream_arn, FunctionName=handler, StartingPosition="LATEST", **options
            )
            return str(mapping["UUID"])

        yield Aws(stream_arn, map_to)
        assert streams.drain(10)


def _put(key: str, table: str = "Fills") -> None:
    boto3.client("dynamodb").put_item(TableName=table, Item={"pk": {"S": key}})


def _fill_and_position(key: str, *, fail: bool = False) -> None:
    items: list[Any] = [
        {"Put": {"TableName": "Fills", "Item": {"pk": {"S": key}}}},
        {"Put": {"TableName": "Positions", "Item": {"pk": {"S": key}}}},
    ]
    if fail:
        items.append(
            {
                "ConditionCheck": {
                    "TableName": "Positions",
                    "Key": {"pk": {"S": "never"}},
                    "ConditionExpression": "attribute_exists(pk)",
                }
            }
        )
    boto3.client("dynamodb").transact_write_items(TransactItems=items)


def _stream_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("ddb-stream:")]


def test_a_record_is_delivered_after_its_transaction_committed(aws: Aws, behaviour: Behaviour) -> None:
    aws.map("read_position")
    _fill_and_position("f1")
    assert streams.drain(10)
    # The Fills record is produced before the Positions put of the same transaction: the handler
    # still sees the position, because delivery waits for the whole transaction.
    assert behaviour.keys() == ["f1"]
    assert behaviour.seen_positions == [True]


def test_moto_alone_would_deliver_in_the_middle_of_the_transaction(aws: Aws, behaviour: Behaviour) -> None:
    aws.map("read_position")
    streams.uninstall()
    _fill_and_position("f1")
    assert behaviour.seen_positions == [False]  # why the patch exists


def test_a_rolled_back_transaction_delivers_nothing(aws: Aws, behaviour: Behaviour) -> None:
    aws.map("collect")
    with pytest.raises(ClientError, match="TransactionCanceled"):
        _fill_and_position("rolled-back", fail=True)
    _put("after")
    assert streams.drain(10)
    assert behaviour.keys() == ["after"]


def test_records_arrive_in_order_in_batches_of_the_mapping_size(aws: Aws, behaviour: Behaviour) -> None:
    behaviour.gate = threading.Event()
    aws.map("collect", BatchSize=3)
    keys = [f"k{n}" for n in range(7)]
    for key in keys:
        _put(key)
    assert not streams.drain(0.2)  # the first batch is held by the handler
    assert streams.pending() == 7
    behaviour.gate.set()
    assert streams.drain(10)
    assert streams.pending() == 0
    # The first batch is what the stream held when it was read (1 to 3 records, by the machine's
    # pace); the rest waited behind it, so every later batch is full but the last.
    sizes = [len(batch) for batch in behaviour.batches]
    first = sizes[0]
    assert 1 <= first <= 3
    rest = 7 - first
    assert sizes == [first, *[3] * (rest // 3), *([rest % 3] if rest % 3 else [])]
    assert behaviour.keys() == keys
    assert [record["eventName"] for record in behaviour.records()] == ["INSERT"] * 7
    sequence = [int(record["dynamodb"]["SequenceNumber"]) for record in behaviour.records()]
    assert sequence == sorted(sequence) and len(set(sequence)) == 7
    record = behaviour.records()[0]
    assert record["eventSourceARN"] == aws.stream_arn
    assert record["dynamodb"]["NewImage"] == {"pk": {"S": "k0"}}
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], float)


def test_modify_and_remove_records_carry_their_images(aws: Aws, behaviour: Behaviour) -> None:
    aws.map("collect")
    ddb = boto3.client("dynamodb")
    _put("m")
    ddb.update_item(
        TableName="Fills",
        Key={"pk": {"S": "m"}},
        UpdateExpression="SET qty = :q",
        ExpressionAttributeValues={":q": {"N": "5"}},
    )
    ddb.delete_item(TableName="Fills", Key={"pk": {"S": "m"}})
    assert streams.drain(10)
    records = behaviour.records()
    assert [record["eventName"] for record in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert records[1]["dynamodb"]["NewImage"]["qty"] == {"N": "5"}
    assert records[2]["dynamodb"]["OldImage"]["qty"] == {"N": "5"}


def test_a_failing_batch_is_retried_then_delivered_once(aws: Aws, behaviour: Behaviour) -> None:
    behaviour.fail_first = 2
    aws.map("collect")
    _put("retry-me")
    assert streams.drain(10)
    assert behaviour.calls == 3
    assert behaviour.keys() == ["retry-me"]


def test_a_batch_failing_past_its_retries_is_dropped_and_the_shard_moves_on(
    aws: Aws, behaviour: Behaviour, caplog: pytest.LogCaptureFixture
) -> None:
    behaviour.always_fail = True
    aws.map("collect", MaximumRetryAttempts=1)
    with caplog.at_level(logging.WARNING, logger="local.cloud.streams"):
        _put("poison")
        assert streams.drain(10)
    assert behaviour.calls == 2  # the first attempt and one retry
    assert any("dropping a stream batch" in r.message and r.levelno == logging.ERROR for r in caplog.records)
    behaviour.always_fail = False
    _put("next")
    assert streams.drain(10)
    assert behaviour.keys() == ["next"]


def test_concurrent_writers_each_record_is_delivered_exactly_once(aws: Aws, behaviour: Behaviour) -> None:
    aws.map("collect", BatchSize=4)
    writers, per_writer = 4, 10

    def write(writer: int) -> None:
        for n in range(per_writer):
            _put(f"w{writer}-{n}")

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert streams.drain(10)
    keys = behaviour.keys()
    assert len(keys) == writers * per_writer == len(set(keys))
    ids = [record["eventID"] for record in behaviour.records()]
    assert len(ids) == len(set(ids))
    sequence = [int(record["dynamodb"]["SequenceNumber"]) for record in behaviour.records()]
    assert sequence == sorted(sequence)  # delivered in commit order
    for writer in range(writers):  # each writer's own records stay in its order
        own = [key for key in keys if key.startswith(f"w{writer}-")]
        assert own == [f"w{writer}-{n}" for n in range(per_writer)]


def test_a_handler_may_write_to_its_own_stream_table(aws: Aws, behaviour: Behaviour) -> None:
    aws.map("write_back")
    _put("a")
    assert streams.drain(10)  # the echo's own record is delivered too, not deadlocked
    assert behaviour.keys() == ["a", "echo-a"]


def test_a_disabled_mapping_gets_no_records(aws: Aws, behaviour: Behaviour) -> None:
    uuid = aws.map("collect")
    boto3.client("lambda").update_event_source_mapping(UUID=uuid, Enabled=False)
    _put("quiet")
    assert streams.drain(10)
    assert behaviour.calls == 0


def test_a_table_without_mappings_keeps_records_for_get_records(aws: Aws) -> None:
    _put("plain")
    client = boto3.client("dynamodbstreams")
    shard = client.describe_stream(StreamArn=aws.stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = client.get_shard_iterator(
        StreamArn=aws.stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = client.get_records(ShardIterator=iterator)["Records"]
    assert [record["dynamodb"]["Keys"] for record in records] == [{"pk": {"S": "plain"}}]


def test_uninstall_restores_moto_and_stops_the_threads(behaviour: Behaviour) -> None:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import StreamShard

    add, put = StreamShard.add, DynamoDBBackend.put_item
    with streams.patched():
        assert streams.is_installed()
        patched_add = StreamShard.add
        assert patched_add is not add and DynamoDBBackend.put_item is not put
        streams.install()  # idempotent
        assert StreamShard.add is patched_add
        with streams.patched():  # nested: the outer owner keeps it installed
            pass
        assert streams.is_installed()
    assert StreamShard.add is add and DynamoDBBackend.put_item is put
    assert not streams.is_installed()


def test_stopping_delivery_leaves_no_thread_behind(behaviour: Behaviour) -> None:
    behaviour.gate = threading.Event()
    with local_mock_aws():
        stream_arn = _table("Fills", stream=True)
        assert stream_arn
        role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lam = boto3.client("lambda")
        lam.create_function(
            FunctionName="collect",
            Runtime="python3.13",
            Role=role,
            Handler=f"{HANDLERS}.collect",
            Code={"ZipFile": _zip()},
        )
        lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName="collect")
        _put("x")
        _put("y")
        assert _stream_threads()
        behaviour.gate.set()
    assert not streams.is_installed()
    assert not [thread for thread in _stream_threads() if thread.is_alive()]
