"""The private parts of libraries the event log uses for speed are still there and still do that.

Each bypass lives in one module, with a comment saying why: the aggregate's own attributes and
UUID's slots in ``lif_core.domain.base``; the recorder's lock and notify statements and the
transcoder's hooks in ``lif_core.eventlog.log`` and ``codec``; the standard library's C JSON
encoder in ``codec.json_encoder``; psycopg_pool's thread names in ``Store.pool_threads``.
eventsourcing is pinned (9.5); when it or psycopg_pool moves, these tests say which bypass to
re-check. (kafka-python's: tests/lif_core/kafka/test_library_internals.py.)
"""

from __future__ import annotations

import json
import json.encoder
import threading
import types
from datetime import date
from importlib.metadata import version
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError

from lif_core.domain import Learning
from lif_core.domain.base import new_event_id
from lif_core.eventlog import codec, log
from lif_core.eventlog.codec import LifTranscoder, json_encoder
from lif_core.eventlog.store import Store


def test_eventsourcing_is_the_version_these_bypasses_were_written_for() -> None:
    assert version("eventsourcing").startswith("9.5."), (
        "eventsourcing moved: re-check each bypass this file tests, then change this pin"
    )


def _item() -> Learning:
    return Learning.identify(
        reference="LRN-2025-014",
        title="Escalation",
        statement="Concerns were not escalated.",
        themes=["escalation"],
        source_kind="review",
        identified_on=date(2025, 3, 3),
        actor="chair",
    )


def test_an_aggregates_properties_read_the_attributes_the_domain_sets_directly() -> None:
    """LifAggregate._record sets ``_version``, ``_modified_on`` and ``_pending_events`` and
    reads ``_id`` itself rather than through the library's properties."""
    item = _item()
    state = vars(item)
    assert item.id is state["_id"]
    state["_version"] = 41
    assert item.version == 41
    marker = object()
    state["_modified_on"] = marker
    assert item.modified_on is marker
    assert item.pending_events is state["_pending_events"]


def test_uuid_slots_can_be_set_as_its_constructor_sets_them() -> None:
    """new_event_id makes a UUID with ``object.__new__`` and UUID's two slot descriptors."""
    for name in ("int", "is_safe"):
        assert isinstance(UUID.__dict__[name], types.MemberDescriptorType)
    made = new_event_id()
    assert made == UUID(made.hex) and made.is_safe == UUID(made.hex).is_safe


def test_the_c_json_encoder_is_there_and_used() -> None:
    """json_encoder builds ``json.encoder.c_make_encoder`` once rather than an encoder a call."""
    assert json.encoder.c_make_encoder is not None
    encode = json_encoder(sort_keys=True)
    assert isinstance(encode, types.FunctionType)  # not the JSONEncoder.encode fallback
    assert encode({"b": [1, "é"], "a": None}) == json.dumps(
        {"b": [1, "é"], "a": None}, sort_keys=True, separators=(",", ":")
    )


def test_the_transcoders_object_hooks_are_the_ones_ours_extend() -> None:
    """LifTranscoder overrides ``_encode_obj``; the log's decoder falls back on ``_decode_obj``."""
    for name in ("_encode_obj", "_decode_obj"):
        assert callable(getattr(JSONTranscoder, name))
    assert LifTranscoder._encode_obj is not JSONTranscoder._encode_obj
    # decoded_events' object hook hands what it does not know to the library's, which says so.
    with pytest.raises(TranscodingNotRegisteredError, match="no_such_type"):
        codec._typed({"_type_": "no_such_type", "_data_": 1})


def test_sqlite_cursors_wrap_the_sqlite3_cursor_the_log_reads_with(tmp_path) -> None:
    """The log reads the whole table through the wrapper's ``sqlite_cursor`` (plain tuples)."""
    import sqlite3

    with Store(f"sqlite:///{tmp_path / 'lif.db'}") as store, store.read() as tx:
        assert isinstance(tx.cursor.sqlite_cursor, sqlite3.Cursor)


def test_the_postgresql_recorder_locks_the_events_table_and_notifies(pg_url) -> None:
    """lock_for_append and append_rows call the recorder's ``_lock_table`` and
    ``_notify_channel``: the table is locked against other writers (not readers) until commit."""
    with Store(pg_url) as store:
        assert callable(store.recorder._lock_table) and callable(store.recorder._notify_channel)
        with store.transaction() as tx:
            log.lock_for_append(store, tx)
            modes = {
                row[0]
                for row in tx.execute(
                    "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND relation = ?::regclass",
                    (log.events_table(store),),
                ).fetchall()
            }
            log.append(store, tx, _item().collect_events())
        assert "ExclusiveLock" in modes
        assert store.max_notification_id() == 1


def test_the_postgresql_pools_threads_are_found_by_their_names(pg_url) -> None:
    """Store.pool_threads finds psycopg_pool's threads by the names the pool gives them: every
    thread that opening a PostgreSQL store started, and nothing else (so ingestion may fork)."""
    before = set(threading.enumerate())
    with Store(pg_url) as store:
        started = {t for t in threading.enumerate() if t not in before and t.is_alive()}
        found = set(store.pool_threads())
    assert len(found) >= 2  # the pool's scheduler and at least one worker
    assert found == started
