"""The events table: our SQL on it lives in one module, which pages, counts and decodes stored events."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from lif_core.domain import Action, Learning, Measure
from lif_core.eventlog import log
from lif_core.eventlog.codec import LifTranscoder, plain, plain_decode, split_state, stored_event_id
from lif_core.eventlog.store import Store

REPO = Path(__file__).resolve().parents[3]
PACKAGES = ("lif_core", "lif_app", "projections", "ingestors", "dagster_project")
LOG_MODULE = Path("lif_core/eventlog/log.py")
# SQL that names the events table: the library's SQLite and PostgreSQL names, or ours for it.
EVENTS_TABLE_SQL = re.compile(
    r"\b(?:FROM|INTO|UPDATE|JOIN|COPY|TABLE)\s+\S*(?:events_table|stored_events|\w+_events)\b"
)
# What such SQL is built from: only the log module asks for the table's name.
EVENTS_TABLE_NAME = re.compile(r"\b(?:events_table|notification_column|events_table_name)\b")


def test_sql_on_the_events_table_is_written_in_the_log_module_only() -> None:
    found: dict[str, list[str]] = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            hits = EVENTS_TABLE_SQL.findall(text) + EVENTS_TABLE_NAME.findall(text)
            if hits:
                found[str(path.relative_to(REPO))] = hits
    assert list(found) == [str(LOG_MODULE)], found
    # The patterns see the SQL where it is (they are not vacuous).
    assert any("FROM {events_table" in hit for hit in found[str(LOG_MODULE)])
    assert any("INTO {events_table" in hit for hit in found[str(LOG_MODULE)])


def test_the_hash_splice_is_written_in_the_codec_only() -> None:
    splice = ',"hash":"'
    found = [
        str(path.relative_to(REPO))
        for package in PACKAGES
        for path in sorted((REPO / package).rglob("*.py"))
        if splice in path.read_text(encoding="utf-8")
    ]
    assert found == ["lif_core/eventlog/codec.py"]


def test_a_stored_stream_id_reads_as_uuid_text_whichever_way_it_was_stored() -> None:
    stream = UUID("6c1f3b1e-2f7a-4c55-9d0e-4b1a0c2f6e11")
    for stored in (stream, stream.hex, str(stream), str(stream).upper(), f"{{{stream}}}"):
        assert log.stream_text(stored) == "6c1f3b1e-2f7a-4c55-9d0e-4b1a0c2f6e11"
    assert log.event_type("lif_core.domain.learning:Learning.Accepted") == "Learning.Accepted"


def _history(store: Store) -> tuple[Learning, Action, datetime, UUID]:
    item = Learning.identify(
        reference="LRN-2025-014",
        title="Escalation",
        statement="Concerns were not escalated.",
        themes=["escalation"],
        source_kind="review",
        identified_on=date(2025, 3, 3),
        actor="chair",
    )
    item.prioritise("high", "Seen twice", "chair")
    store.save(item)
    between = datetime.now(UTC)
    item.accept("Agreed", "chair")
    action = Action.raise_action(
        reference="ACT-2025-031",
        learning_reference="LRN-2025-014",
        description="Refresh the escalation policy",
        owner_agency="LSCP",
        due=date(2025, 9, 30),
        raised_on=date(2025, 3, 4),
        actor="chair",
    )
    measure = Measure.define(
        reference="MEA-ICPC-15WD",
        name="Initial conferences within 15 working days",
        category="how-well",
        unit="percent",
        polarity="higher-is-better",
        frequency="yearly",
        binding={"computed": "icpc-timeliness"},
        target=Decimal("0.85"),
        actor="chair",
    )
    raised = action.pending_events[0].event_id
    store.save(item, action, measure)
    return item, action, between, raised


def test_pages_counts_and_decoding_of_the_log(store: Store) -> None:
    item, action, between, raised = _history(store)
    # Notifications: Identified 1, Prioritised 2, Accepted 3, Raised 4, Defined 5.
    assert store.max_notification_id() == 5
    assert log.count_events(store) == (5, {"Action": 1, "Learning": 1, "Measure": 1})
    assert [log.count_after(store, n) for n in (0, 3, 5)] == [5, 2, 0]

    decoded = list(log.decoded_events(store, 1))
    assert [(n, t) for n, _, _, t, _ in decoded] == [
        (1, "Learning.Identified"),
        (2, "Learning.Prioritised"),
        (3, "Learning.Accepted"),
        (4, "Action.Raised"),
        (5, "Measure.Defined"),
    ]
    _, stream, version, _, data = decoded[2]
    assert (stream, version) == (str(item.id), 3)
    assert data["rationale"] == "Agreed" and "hash" not in data
    assert isinstance(data["timestamp"], datetime) and isinstance(data["event_id"], UUID)
    assert decoded[4][4]["target"] == Decimal("0.85")
    # Only some types, only up to a time, only up to a notification id.
    assert [d[0] for d in log.decoded_events(store, 2, topics={"Learning.Accepted"})] == [3]
    assert [d[0] for d in log.decoded_events(store, 1, until=between)] == [1, 2]
    assert [d[0] for d in log.decoded_events(store, 2, stop=4)] == [2, 3, 4]
    assert [d[0] for d in log.decoded_events(store, 6)] == []

    with store.read() as tx:
        after = log.rows_after(tx, store, 3, 10)
    assert [(r[0], r[1], r[2]) for r in after] == [(4, str(action.id), 1), (5, after[1][1], 1)]
    assert stored_event_id(after[0][4]) == str(raised)

    rows = log.read_streams(store, [str(item.id), action.id.hex])
    assert [(r.stream_id, r.version, r.type) for r in rows] == sorted(
        [
            (str(item.id), 1, "Learning.Identified"),
            (str(item.id), 2, "Learning.Prioritised"),
            (str(item.id), 3, "Learning.Accepted"),
            (str(action.id), 1, "Action.Raised"),
        ]
    )
    lines = list(log.hash_lines(store, 4))
    assert [n for n, _ in lines] == [1, 2, 3, 4]
    assert all(
        h == split_state(r.state)[1] for r in rows for n, h in lines if n == r.notification_id
    )
    streams = [row[0] for page in log.pages_by_stream(store) for row in page]
    assert len(streams) == 5 and [log.stream_text(s) for s in streams] == sorted(
        log.stream_text(s) for s in streams
    )
    log.check_readable(store)


def test_plain_decoding_is_the_typed_decoding_made_plain(store: Store) -> None:
    """The audit and Kafka read stored events without the domain classes; what they read is
    what the typed decoding gives, as plain JSON values."""
    _history(store)
    transcoder = LifTranscoder()
    for row in log.read_streams(store, {log.stream_text(r[1]) for r in _all_rows(store)}):
        body, _ = split_state(row.state)
        assert plain_decode(body) == plain(transcoder.decode(body))
        assert row.data() == plain_decode(body)
    typed: dict[str, Any] = {"on": date(2025, 1, 2), "at": datetime(2025, 1, 2, tzinfo=UTC)}
    encoded = transcoder.encode(typed)
    assert plain_decode(encoded) == {
        "on": "2025-01-02",
        "at": "2025-01-02T00:00:00+00:00",
    }


def _all_rows(store: Store) -> list[tuple[Any, ...]]:
    with store.read() as tx:
        return log.rows_after(tx, store, 0, 100)
