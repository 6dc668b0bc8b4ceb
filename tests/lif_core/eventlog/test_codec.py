"""Stored bytes: values round-trip exactly, bodies written by hand equal the encoder's, the hash splice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from pydantic import BaseModel

from lif_core.audit.verify import verify
from lif_core.domain import SourceRecord
from lif_core.eventlog.codec import LifTranscoder
from lif_core.plugins import ValidTime

IST = timezone(timedelta(hours=5, minutes=30))


class Placement(BaseModel):
    """A pydantic model with typed fields that JSON alone would lose."""

    started: date
    reviewed_at: datetime
    cost: Decimal
    child_ref: UUID
    valid: ValidTime | None = None


class Review(BaseModel):
    placements: list[Placement]
    note: str


class UrgentReview(Review):
    """A subclass: it must come back as itself, not as its base."""

    due_within_days: int


def _placement() -> Placement:
    return Placement(
        started=date(2024, 2, 29),
        reviewed_at=datetime(2025, 3, 31, 23, 59, 59, 999999, tzinfo=UTC),
        cost=Decimal("1234.50"),
        child_ref=UUID("12345678-1234-5678-1234-567812345678"),
        valid=ValidTime(valid_from=date(2024, 4, 1), valid_to=date(2025, 3, 31)),
    )


VALUES: dict[str, Any] = {
    "date": date(2024, 2, 29),
    "datetime-naive": datetime(2025, 1, 2, 3, 4, 5, 678901),
    "datetime-utc": datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
    "datetime-offset": datetime(2025, 6, 30, 12, 0, tzinfo=IST),
    "decimal-trailing-zero": Decimal("1.10"),
    "decimal-tiny": Decimal("-0.000000000000000000001"),
    "decimal-exponent": Decimal("1E+3"),
    "decimal-long": Decimal("3.14159265358979323846264338327950288419716939937510"),
    "uuid": UUID("0a2db7d3-03ef-533c-bdf7-f73d6e5a5ca7"),
    "pydantic": _placement(),
    "pydantic-nested": Review(placements=[_placement(), _placement()], note="two"),
    "pydantic-subclass": UrgentReview(placements=[], note="now", due_within_days=5),
    "nested": {"dates": [date(2025, 1, 1), date(2025, 12, 31)], "by": {"amount": Decimal("0.1")}},
}


def _same(got: Any, expected: Any) -> None:
    """Equal, of the same type, and (for decimals and datetimes) with the same representation."""
    assert type(got) is type(expected), (got, expected)
    assert got == expected
    if isinstance(expected, Decimal):
        assert str(got) == str(expected)
    if isinstance(expected, datetime):
        assert got.utcoffset() == expected.utcoffset()
        assert got.isoformat() == expected.isoformat()
    if isinstance(expected, BaseModel):
        assert got.model_dump() == expected.model_dump()
    if isinstance(expected, dict):
        for key in expected:
            _same(got[key], expected[key])
    if isinstance(expected, list):
        for g, e in zip(got, expected, strict=True):
            _same(g, e)


@pytest.mark.parametrize("name", list(VALUES))
def test_the_transcoder_gives_back_exactly_what_it_was_given(name):
    transcoder = LifTranscoder()
    value = VALUES[name]

    _same(transcoder.decode(transcoder.encode({"value": value}))["value"], value)


def test_a_date_does_not_come_back_as_a_datetime_nor_the_other_way():
    transcoder = LifTranscoder()

    got = transcoder.decode(transcoder.encode([date(2025, 1, 2), datetime(2025, 1, 2)]))

    assert [type(v) for v in got] == [date, datetime]


def _recorded(attributes: dict[str, Any]) -> SourceRecord:
    record: SourceRecord = SourceRecord._start(
        SourceRecord.Recorded,
        natural_key=f"test-source|placement|{uuid4()}",
        actor="plugin:test@1",
        source="test-source",
        record_kind="placement",
        record_key="P-1",
        valid_from=date(2025, 4, 1),
        valid_to=None,
        attributes=attributes,
        content_hash="0" * 64,
        provenance={"origin": "test", "as_of": date(2025, 4, 2)},
    )
    return record


def test_every_type_round_trips_through_the_store(store):
    record = _recorded(dict(VALUES))
    store.save(record)

    loaded = store.get(SourceRecord, record.id)

    assert set(loaded.attributes) == set(VALUES)
    for name, value in VALUES.items():
        _same(loaded.attributes[name], value)
    _same(loaded.valid_from, date(2025, 4, 1))
    _same(loaded.provenance["as_of"], date(2025, 4, 2))


def test_events_read_from_the_log_decode_to_the_values_written(store):
    record = _recorded({"cost": Decimal("99.990"), "on": date(2025, 1, 31), "model": _placement()})
    chain_hash = record.pending_events[0].hash
    store.save(record)

    (notification,) = store.notifications(1, 10)
    event = store.decode(notification)

    assert isinstance(event, SourceRecord.Recorded)
    _same(event.attributes["cost"], Decimal("99.990"))
    _same(event.attributes["on"], date(2025, 1, 31))
    _same(event.attributes["model"], _placement())
    assert event.hash == chain_hash
    assert verify(store).ok


def test_the_recorded_time_is_set_by_the_application_and_kept_exactly(store):
    before = datetime.now(UTC)
    record = _recorded({})
    after = datetime.now(UTC)
    made = record.pending_events[0].timestamp
    store.save(record)

    (notification,) = store.notifications(1, 10)
    timestamp = store.decode(notification).timestamp

    assert before <= made <= after
    _same(timestamp, made)


def test_the_reusable_json_encoder_writes_what_json_dumps_writes() -> None:
    import json

    from lif_core.eventlog.codec import json_encoder

    values: list[Any] = [
        {"b": 1, "a": [1.5, None, True, 'é"\n'], "c": {"z": -0.0, "y": float("inf")}},
        "plain",
        12,
        None,
        [1, {"k": "v"}, []],
        {"nested": {"deeper": {"deepest": ["x" * 300]}}},
    ]
    for sort_keys in (False, True):
        for ensure_ascii in (False, True):
            encode = json_encoder(sort_keys=sort_keys, ensure_ascii=ensure_ascii)
            for value in values:
                assert encode(value) == json.dumps(
                    value, sort_keys=sort_keys, ensure_ascii=ensure_ascii, separators=(",", ":")
                )
    with pytest.raises(TypeError):
        json_encoder()(object())
    tagged = json_encoder(default=lambda v: {"day": v.isoformat()})
    assert tagged({"d": date(2024, 1, 2)}) == '{"d":{"day":"2024-01-02"}}'


# --- the chain hash and its place in the stored bytes ---------------------------------------------


def test_the_hash_is_appended_as_the_last_field_and_split_off_again() -> None:
    import hashlib
    import json

    from lif_core.eventlog.codec import (
        GENESIS,
        chain_hash,
        intact_hash,
        sealed,
        split_state,
        stored_hash,
        stored_state,
    )

    body = b'{"actor":"Zo\xc3\xab","note":"a \\"hash\\":\\"x\\" in text"}'
    stream = "6c1f3b1e-2f7a-4c55-9d0e-4b1a0c2f6e11"
    topic = "lif_core.domain.learning:Learning.Identified"
    digest = chain_hash(GENESIS, stream, 1, topic, body)
    assert digest == hashlib.sha256(f"{GENESIS}|{stream}|1|{topic}|".encode() + body).hexdigest()
    state = stored_state(body, digest)
    assert json.loads(state) == {**json.loads(body), "hash": digest}
    assert state.endswith(f',"hash":"{digest}"}}'.encode())
    assert sealed(GENESIS, stream, 1, topic, body) == (digest, state)
    assert split_state(state) == (body, digest)
    assert split_state(state.decode()) == (body, digest)  # a row rewritten as text
    assert stored_hash(state) == digest
    assert intact_hash(GENESIS, stream, 1, topic, state) == digest
    # Altered content, the wrong predecessor or place, or no hash at all: not intact.
    assert intact_hash(GENESIS, stream, 1, topic, state.replace(b"Zo", b"Jo")) == ""
    assert intact_hash("1" * 64, stream, 1, topic, state) == ""
    assert intact_hash(GENESIS, stream, 2, topic, state) == ""
    assert split_state(body) == (body, "")
    assert stored_hash(body) == ""
    assert intact_hash(GENESIS, stream, 1, topic, body) == ""


def test_a_new_records_body_spliced_by_hand_is_what_the_encoder_writes() -> None:
    import json

    from lif_core.eventlog.codec import RecordedBodies, encode_body, locator_json

    constant = {
        "timestamp": datetime(2025, 4, 1, 9, 30, 0, 5, tzinfo=UTC),
        "actor": "plugin:toy@1.0",
        "causation": [],
        "correlation": "run-é",
        "originator_topic": "lif_core.domain.source_record:SourceRecord",
        "source": "toy",
    }
    provenance = {"file": 'a "b".csv', "origin": "/x/a.csv", "run_id": "run-é"}
    bodies = RecordedBodies(constant, provenance)
    cases: list[tuple[Any, Any, dict[str, Any]]] = [
        (date(2024, 1, 1), None, {"line": 7}),
        (date(2024, 1, 1), date(2024, 12, 31), {"sheet": "Data", "row": 3}),
        (datetime(2024, 1, 1, 12, tzinfo=UTC), None, {"index": 0}),
    ]
    for valid_from, valid_to, locator in cases:
        event_hex = uuid4().hex
        canonical = '{"area":"L\\u00e9eds \\"north\\"","n":3}'
        body = bodies.body(
            "area-count", event_hex, 'k"é/1', valid_from, valid_from.isoformat(), valid_to,
            canonical, "c" * 64, locator_json(locator),
        )  # fmt: skip
        state = {
            **constant,
            "record_kind": "area-count",
            "event_id": UUID(event_hex),
            "record_key": 'k"é/1',
            "valid_from": valid_from,
            "valid_to": valid_to,
            "attributes": json.loads(canonical),
            "content_hash": "c" * 64,
            "provenance": {**provenance, "locator": locator},
        }
        assert json.loads(body) == json.loads(encode_body(state))
        assert LifTranscoder().decode(body) == state


def test_plain_makes_json_data_of_every_value_an_event_holds() -> None:
    import json

    from lif_core.eventlog.codec import plain

    value = {
        "day": date(2025, 3, 31),
        "at": datetime(2025, 3, 31, 23, 59, tzinfo=UTC),
        "id": UUID("6c1f3b1e-2f7a-4c55-9d0e-4b1a0c2f6e11"),
        "cost": Decimal("99.990"),
        "model": _placement(),
        "pair": (1, "two"),
        "set": {"only"},
        1: [None, True, 1.5],
    }
    expected = {
        "day": "2025-03-31",
        "at": "2025-03-31T23:59:00+00:00",
        "id": "6c1f3b1e-2f7a-4c55-9d0e-4b1a0c2f6e11",
        "cost": "99.990",
        "model": _placement().model_dump(mode="json"),
        "pair": [1, "two"],
        "set": ["only"],
        "1": [None, True, 1.5],
    }
    assert plain(value) == expected
    assert json.loads(json.dumps(plain(value))) == expected
    with pytest.raises(TypeError, match="a object has no JSON form"):
        plain({"x": object()})
