"""moto's DynamoDB conditional writes made atomic: exactly one winner per race, as on DynamoDB."""

from __future__ import annotations

import threading

import boto3
import pytest
from botocore.exceptions import ClientError

from local.cloud import ddb_atomic
from local.cloud.moto_runtime import local_mock_aws

pytestmark = pytest.mark.timeout(120)

RACES = 10
WRITERS = 6


def _table() -> str:
    ddb = boto3.client("dynamodb")
    ddb.create_table(
        TableName="Race",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return "Race"


def _race(table: str, key: str) -> int:
    ddb = boto3.client("dynamodb")
    winners: list[int] = []
    barrier = threading.Barrier(WRITERS)

    def write(writer: int) -> None:
        barrier.wait()
        try:
            ddb.put_item(
                TableName=table,
                Item={"pk": {"S": key}, "writer": {"N": str(writer)}},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "ConditionalCheckFailedException"
        else:
            winners.append(writer)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    stored = ddb.get_item(TableName=table, Key={"pk": {"S": key}}, ConsistentRead=True)["Item"]
    assert winners == [int(stored["writer"]["N"])]  # the one winner is the one stored
    return len(winners)


@pytest.fixture
def wide_race_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sleep inside moto's condition evaluation, which sits between its read of the current item and
    its store: every racer then reads before any writes, unless writes are serialized."""
    import time

    from moto.dynamodb.models import table as moto_table

    evaluate = moto_table.get_filter_expression

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.02)
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(moto_table, "get_filter_expression", slow)


def test_every_conditional_race_has_exactly_one_winner(wide_race_window: None) -> None:
    with local_mock_aws(patch_lambda=False):
        assert ddb_atomic.is_installed()
        table = _table()
        assert [_race(table, f"k{n}") for n in range(RACES)] == [1] * RACES


def test_without_the_patch_moto_lets_several_writers_win(wide_race_window: None) -> None:
    # The control: proves the race above is real and the patch is what closes it.
    with local_mock_aws(patch_lambda=False):
        ddb_atomic.uninstall()
        try:
            table = _table()
            with pytest.raises(AssertionError):
                _race(table, "k")
        finally:
            ddb_atomic.install()


def test_install_is_idempotent_and_uninstall_restores_moto() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.put_item
    with ddb_atomic.patched():
        patched_put = DynamoDBBackend.put_item
        assert patched_put is not original
        ddb_atomic.install()
        assert DynamoDBBackend.put_item is patched_put
        with ddb_atomic.patched():  # nested: the outer owner keeps it installed
            pass
        assert ddb_atomic.is_installed()
    assert DynamoDBBackend.put_item is original
    assert not ddb_atomic.is_installed()


def test_the_lock_is_reentrant_for_writes_inside_writes() -> None:
    # moto delivers stream records to Lambda inside put_item; a stream handler may write again.
    with local_mock_aws(patch_lambda=False):
        table = _table()
        from moto.dynamodb.models import DynamoDBBackend

        inner_done = threading.Event()
        original = ddb_atomic._originals["put_item"]

        def put_then_nested(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            result = original(self, *args, **kwargs)
            if not inner_done.is_set():
                inner_done.set()
                boto3.client("dynamodb").put_item(TableName=table, Item={"pk": {"S": "nested"}})
            return result

        ddb_atomic._originals["put_item"] = put_then_nested
        try:
            DynamoDBBackend.put_item = ddb_atomic._serialized(put_then_nested)  # type: ignore[method-assign]
            boto3.client("dynamodb").put_item(TableName=table, Item={"pk": {"S": "outer"}})
        finally:
            ddb_atomic._originals["put_item"] = original
            DynamoDBBackend.put_item = ddb_atomic._serialized(original)  # type: ignore[method-assign]
        items = boto3.client("dynamodb").scan(TableName=table)["Items"]
        assert {item["pk"]["S"] for item in items} == {"outer", "nested"}
