"""Chain verification: a clean chain passes; every kind of tampering is reported at the right seq."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inplay.audit import (
    GENESIS_HASH,
    AuditKind,
    AuditPayloadError,
    AuditRecord,
    InMemoryAuditLog,
    chain_next,
    record_hash,
    seal,
    verify_chain,
)
from tests.unit.orders.contract import run_threads

T0 = datetime(2025, 11, 2, 18, 30, tzinfo=UTC)
USER = "user-1"


def build(n: int, user: str = USER) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    kinds = list(AuditKind)
    for index in range(n):
        records.append(
            chain_next(
                records[-1] if records else None,
                user_id=user,
                kind=kinds[index % len(kinds)],
                at=T0 + timedelta(seconds=index),
                payload={"n": index, "price": Decimal("0.5600"), "note": f"record {index + 1}"},
            )
        )
    return records


def rehash(record: AuditRecord) -> AuditRecord:
    """A forger's record: content changed and its own hash recomputed."""
    return dataclasses.replace(
        record,
        hash=record_hash(
            user_id=record.user_id,
            seq=record.seq,
            kind=record.kind,
            at=record.at,
            payload=record.payload,
            prev_hash=record.prev_hash,
        ),
    )


def test_a_clean_chain_verifies() -> None:
    records = build(7)
    assert [r.seq for r in records] == list(range(1, 8))
    assert records[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(records))
    result = verify_chain(records, user_id=USER)
    assert (result.ok, result.checked, result.count, result.first_break, result.reason) == (
        True,
        7,
        7,
        None,
        None,
    )
    assert (result.head_seq, result.head_hash) == (7, records[-1].hash)


def test_an_empty_chain_verifies_with_no_head() -> None:
    result = verify_chain([])
    assert (result.ok, result.checked, result.count, result.head_seq) == (True, 0, 0, None)


def test_seal_is_deterministic_and_covers_every_field() -> None:
    one = seal(user_id=USER, seq=1, kind=AuditKind.ENTRY, at=T0, payload={"a": 1}, prev_hash=GENESIS_HASH)
    assert one == seal(user_id=USER, seq=1, kind="ENTRY", at=T0, payload={"a": 1}, prev_hash=GENESIS_HASH)
    variants = [
        seal(user_id="user-2", seq=1, kind="ENTRY", at=T0, payload={"a": 1}, prev_hash=GENESIS_HASH),
        seal(user_id=USER, seq=2, kind="ENTRY", at=T0, payload={"a": 1}, prev_hash=GENESIS_HASH),
        seal(user_id=USER, seq=1, kind="EXIT", at=T0, payload={"a": 1}, prev_hash=GENESIS_HASH),
        seal(
            user_id=USER,
            seq=1,
            kind="ENTRY",
            at=T0 + timedelta(microseconds=1),
            payload={"a": 1},
            prev_hash=GENESIS_HASH,
        ),
        seal(user_id=USER, seq=1, kind="ENTRY", at=T0, payload={"a": 2}, prev_hash=GENESIS_HASH),
        seal(user_id=USER, seq=1, kind="ENTRY", at=T0, payload={"a": 1}, prev_hash="1" * 64),
    ]
    assert len({one.hash, *(v.hash for v in variants)}) == 7
    assert one.at == "2025-11-02T18:30:00.000000Z" and one.moment == T0
    assert one.data() == {"a": 1} and len(one.hash) == 64


@pytest.mark.parametrize(
    ("field", "value"),
    [("payload", '{"n":2,"price":"0.9900"}'), ("kind", "EXIT"), ("at", "2025-11-02T18:31:00.000000Z")],
)
def test_a_changed_field_is_a_hash_mismatch_at_its_seq(field: str, value: str) -> None:
    records = build(6)
    records[2] = dataclasses.replace(records[2], **{field: value})
    result = verify_chain(records)
    assert (result.ok, result.first_break, result.checked, result.count) == (False, 3, 2, 6)
    assert "hash mismatch" in result.reason
    assert result.head_seq == 2


def test_swapped_records_are_out_of_order() -> None:
    records = build(6)
    records[2], records[3] = records[3], records[2]
    result = verify_chain(records)
    assert (result.ok, result.first_break) == (False, 3)
    assert "gap" in result.reason or "out of order" in result.reason


def test_swapped_contents_under_fixed_keys_are_detected() -> None:
    """Someone exchanged the contents of items seq 3 and 4, keeping each item's key."""
    records = build(6)
    third, fourth = records[2], records[3]
    records[2] = dataclasses.replace(fourth, seq=3)
    records[3] = dataclasses.replace(third, seq=4)
    result = verify_chain(records)
    assert (result.ok, result.first_break) == (False, 3)


def test_a_gap_names_the_missing_seq() -> None:
    records = build(6)
    del records[3]
    result = verify_chain(records)
    assert (result.ok, result.first_break, result.checked, result.count) == (False, 4, 3, 5)
    assert result.reason == "gap: seq 4 missing (next record is seq 5)"
    del records[3]
    assert verify_chain(records).reason == "gap: seqs 4..5 missing (next record is seq 6)"


def test_a_deleted_head_is_a_gap_at_seq_one() -> None:
    result = verify_chain(build(4)[1:])
    assert (result.ok, result.first_break, result.checked) == (False, 1, 0)


def test_a_duplicated_record_is_out_of_order() -> None:
    records = build(4)
    records.insert(2, records[1])
    result = verify_chain(records)
    assert (result.ok, result.first_break) == (False, 3)
    assert "out of order" in result.reason


def test_a_forged_record_breaks_its_successors_link() -> None:
    records = build(6)
    records[2] = rehash(dataclasses.replace(records[2], payload='{"forged":true}'))
    result = verify_chain(records)
    assert (result.ok, result.first_break) == (False, 4)
    assert result.reason == "broken link: prev_hash does not match the hash of seq 3"


def test_a_garbage_hash_is_a_mismatch_at_its_seq() -> None:
    records = build(6)
    records[4] = dataclasses.replace(records[4], hash="f" * 64)
    assert verify_chain(records).first_break == 5


def test_a_relinked_genesis_is_detected() -> None:
    records = build(3)
    records[0] = rehash(dataclasses.replace(records[0], prev_hash="1" * 64))
    result = verify_chain(records)
    assert (result.first_break, result.reason) == (
        1,
        "broken link: prev_hash does not match the genesis hash",
    )


def test_a_record_of_another_user_is_refused() -> None:
    mine, theirs = build(3), build(3, user="user-2")
    mixed = [mine[0], theirs[1], mine[2]]
    assert verify_chain(mixed, user_id=USER).first_break == 2


def test_a_deleted_tail_is_not_detectable_by_the_chain_only_by_count_and_head() -> None:
    records = build(6)
    full, truncated = verify_chain(records), verify_chain(records[:4])
    assert truncated.ok  # documented limit: a chain alone cannot see a deleted tail
    assert (truncated.count, truncated.head_seq) == (4, 4)
    assert (full.head_seq, full.head_hash) != (truncated.head_seq, truncated.head_hash)


def test_chaining_across_users_is_refused() -> None:
    with pytest.raises(AuditPayloadError, match="chain"):
        chain_next(build(1)[0], user_id="user-2", kind=AuditKind.ENTRY, at=T0, payload={})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"user_id": ""}, "user_id"), ({"seq": 0}, "seq"), ({"kind": ""}, "kind"), ({"payload": 1.5}, "float")],
)
def test_seal_refuses_bad_input(kwargs, match) -> None:
    args = {"user_id": USER, "seq": 1, "kind": "ENTRY", "at": T0, "payload": {}, "prev_hash": GENESIS_HASH}
    with pytest.raises(AuditPayloadError, match=match):
        seal(**{**args, **kwargs})


# --------------------------------------------------------------------------- properties

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=8),
    st.decimals(allow_nan=False, allow_infinity=False, places=4),
)
payloads = st.dictionaries(
    st.text(max_size=6),
    st.recursive(
        json_leaf,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
        max_leaves=8,
    ),
    max_size=4,
)
events = st.lists(
    st.tuples(st.sampled_from(list(AuditKind)), st.integers(min_value=0, max_value=10**6), payloads),
    min_size=1,
    max_size=20,
)


def chain_from(items) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    for kind, offset_ms, payload in items:
        records.append(
            chain_next(
                records[-1] if records else None,
                user_id=USER,
                kind=kind,
                at=T0 + timedelta(milliseconds=offset_ms),
                payload=payload,
            )
        )
    return records


@given(events)
def test_any_honest_chain_verifies(items) -> None:
    records = chain_from(items)
    result = verify_chain(records, user_id=USER)
    assert (result.ok, result.checked, result.count, result.head_seq) == (
        True,
        len(records),
        len(records),
        len(records),
    )


TAMPERS = ("payload", "kind", "at", "prev_hash", "hash", "forge", "delete", "swap")


@settings(max_examples=200)
@given(events, st.data())
def test_any_single_tamper_is_reported_at_the_right_seq(items, data) -> None:
    records = chain_from(items)
    n = len(records)
    index = data.draw(st.integers(min_value=0, max_value=n - 1), label="index")
    tamper = data.draw(st.sampled_from(TAMPERS), label="tamper")
    target = records[index]
    seq = target.seq
    expected: int | None = seq
    if tamper == "payload":
        records[index] = dataclasses.replace(target, payload=target.payload + " ")
    elif tamper == "kind":
        records[index] = dataclasses.replace(target, kind=target.kind + "X")
    elif tamper == "at":
        records[index] = dataclasses.replace(target, at="2030-01-01T00:00:00.000000Z")
    elif tamper == "prev_hash":
        records[index] = dataclasses.replace(target, prev_hash="e" * 64)
    elif tamper == "hash":
        records[index] = dataclasses.replace(target, hash="0" * 63 + "1")
    elif tamper == "forge":
        records[index] = rehash(dataclasses.replace(target, payload='{"forged":1}'))
        expected = seq + 1 if index < n - 1 else None  # a forged head is a self-consistent chain
    elif tamper == "delete":
        del records[index]
        expected = seq if index < n - 1 else None  # a deleted tail is undetectable by design
    elif tamper == "swap":
        if n < 2:
            return
        other = index + 1 if index < n - 1 else index - 1
        records[index], records[other] = records[other], records[index]
        expected = min(seq, other + 1)
    result = verify_chain(records, user_id=USER)
    if expected is None:
        assert result.ok
        assert result.count == len(records)
    else:
        assert not result.ok
        assert result.first_break == expected, (tamper, result)
        assert result.checked == expected - 1


def test_in_memory_log_appends_a_gap_free_chain_from_many_threads() -> None:
    log = InMemoryAuditLog()

    def writer(name: str) -> None:
        for n in range(25):
            log.append(USER, AuditKind.ENTRY, {"writer": name, "n": n})

    run_threads([lambda n=n: writer(f"w{n}") for n in range(4)])
    result = log.verify(USER)
    assert (result.ok, result.checked) == (True, 100)
    assert [r.seq for r in log.records(USER, after_seq=95)] == [96, 97, 98, 99, 100]
    assert log.last(USER).seq == 100 and log.last("nobody") is None
