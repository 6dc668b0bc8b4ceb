"""Tamper evidence: each tamper is done with raw SQL behind the application's back, on both stores."""

from __future__ import annotations

import sqlite3
from datetime import date
from uuid import UUID

import psycopg
import pytest

from lif_core.audit.verify import Problem, Seal, latest_seal, make_seal, verify
from lif_core.config import StoreURL
from lif_core.domain import Action, Learning, Measure
from lif_core.errors import VerificationError
from lif_core.eventlog import log
from lif_core.eventlog.codec import chain_hash, split_state, stored_state
from lif_core.eventlog.store import Store

LRN = Learning.stream_id("LRN-2025-014")
ACT = Action.stream_id("ACT-2025-031")
MEA = Measure.stream_id("MEA-ICPC-15WD")


class RawLog:
    """The events table through sqlite3 / psycopg directly: what someone with database access does."""

    def __init__(self, url: str) -> None:
        u = StoreURL.parse(url)
        self.kind = u.kind
        if u.kind == "sqlite":
            self.conn: object = sqlite3.connect(u.path, isolation_level=None)
            self.prefix, self.table, self.nid = "", "stored_events", "rowid"
        else:
            self.conn = psycopg.connect(
                host=u.host, port=u.port, user=u.user, dbname=u.dbname, autocommit=True
            )
            self.prefix = f'"{u.schema}".'
            self.table, self.nid = f"{self.prefix}lif_events", "notification_id"

    def sql(self, statement: str, *params: object) -> list[tuple]:
        statement = statement.format(events=self.table, nid=self.nid, prefix=self.prefix)
        if self.kind == "postgresql":
            statement = statement.replace("?", "%s")
        cursor = self.conn.execute(statement, params)
        return list(cursor.fetchall()) if cursor.description else []

    def oid(self, stream: UUID) -> object:
        return stream.hex if self.kind == "sqlite" else stream

    def event(self, stream: UUID, version: int) -> tuple[int, str, bytes]:
        """(notification id, topic, state) of one event."""
        ((nid, topic, state),) = self.sql(
            "SELECT {nid}, topic, state FROM {events} WHERE originator_id = ? AND originator_version = ?",
            self.oid(stream),
            version,
        )
        return int(nid), topic, bytes(state)

    def set_state(self, nid: int, state: bytes) -> None:
        self.sql("UPDATE {events} SET state = ? WHERE {nid} = ?", state, nid)

    def delete(self, nid: int) -> None:
        self.sql("DELETE FROM {events} WHERE {nid} = ?", nid)

    def insert(self, stream: UUID, version: int, topic: str, state: bytes) -> int:
        self.sql(
            "INSERT INTO {events} (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
            self.oid(stream),
            version,
            topic,
            state,
        )
        ((nid,),) = self.sql(
            "SELECT {nid} FROM {events} WHERE originator_id = ? AND originator_version = ?",
            self.oid(stream),
            version,
        )
        return int(nid)

    def swap_positions(self, a: int, b: int) -> None:
        """Swap two events' places in the log (their notification ids), everything else kept."""
        ((top,),) = self.sql("SELECT max({nid}) FROM {events}")
        parked = int(top) + 1000
        self.sql("UPDATE {events} SET {nid} = ? WHERE {nid} = ?", parked, a)
        self.sql("UPDATE {events} SET {nid} = ? WHERE {nid} = ?", a, b)
        self.sql("UPDATE {events} SET {nid} = ? WHERE {nid} = ?", b, parked)

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def raw(store_url):
    log = RawLog(store_url)
    yield log
    log.close()


@pytest.fixture
def history(store: Store) -> Store:
    """Three streams whose events interleave in the log (notification ids 1-9).

    1 LRN v1, 2 ACT v1, 3 LRN v2, 4 MEA v1, 5 ACT v2, 6 LRN v3, 7 MEA v2, 8 LRN v4, 9 ACT v3.
    """
    actor = "safeguarding.lead"
    learning = Learning.identify(
        reference="LRN-2025-014",
        title="Hearing the voice of the child",
        statement="Children's views were not recorded at conference.",
        themes=["voice-of-the-child"],
        source_kind="audit",
        identified_on=date(2025, 2, 3),
        actor=actor,
    )
    store.save(learning)
    action = Action.raise_action(
        reference="ACT-2025-031",
        description="Add the child's view to the conference template",
        owner_agency="Children's Social Care",
        due=date(2025, 9, 30),
        raised_on=date(2025, 3, 1),
        actor=actor,
    )
    store.save(action)
    learning.prioritise("high", "Seen in three audits", actor)
    store.save(learning)
    measure = Measure.define(
        reference="MEA-ICPC-15WD",
        name="Initial conferences within 15 working days",
        category="how-well",
        unit="percent",
        polarity="higher-is-better",
        frequency="yearly",
        binding={"computed": "icpc-timeliness"},
        actor=actor,
    )
    store.save(measure)
    action.progress("Draft template agreed", "amber", actor)
    store.save(action)
    learning.accept("Agreed at the learning subgroup", actor)
    store.save(learning)
    measure.retire("Replaced by the national measure", actor)
    store.save(measure)
    learning.disseminate("7-minute briefing", date(2025, 4, 1), "front door", actor)
    store.save(learning)
    action.complete(date(2025, 6, 30), "Template live", actor)
    store.save(action)
    assert store.max_notification_id() == 9
    return store


def _only(report, stream: UUID, stream_type: str, version: int, nid: int, says: str) -> Problem:
    """The report is a failure whose first problem is exactly this event, saying ``says``."""
    assert not report.ok
    first = report.first
    assert (first.stream_id, first.stream_type, first.version, first.notification_id) == (
        str(stream),
        stream_type,
        version,
        nid,
    )
    assert says in first.what
    assert str(stream) in str(first)
    assert f"version {version} (notification {nid})" in str(first)
    return first


def test_an_untouched_log_verifies(history):
    report = verify(history)

    assert report.ok
    assert (report.events, report.streams, report.problems) == (9, 3, [])


def test_an_untouched_log_verifies_across_many_pages(history, monkeypatch):
    monkeypatch.setattr(log, "PAGE", 2)

    report = verify(history, make_seal(history, "auditor"))

    assert report.ok
    assert (report.events, report.streams) == (9, 3)


# --- a changed event body -------------------------------------------------------------------


def test_a_changed_event_body_is_named(history, raw):
    nid, _, state = raw.event(LRN, 2)
    assert nid == 3
    raw.set_state(nid, state.replace(b'"priority":"high"', b'"priority":"low"'))

    _only(verify(history), LRN, "Learning", 2, 3, "does not match its hash")


def test_a_changed_body_is_found_on_a_later_page(history, raw, monkeypatch):
    monkeypatch.setattr(log, "PAGE", 2)
    nid, _, state = raw.event(ACT, 3)
    raw.set_state(nid, state.replace(b"Template live", b"Template lived"))

    report = verify(history)

    _only(report, ACT, "Action", 3, 9, "does not match its hash")
    assert report.events == 9


def test_a_changed_stored_hash_is_named(history, raw):
    nid, _, state = raw.event(MEA, 1)
    head, _, _ = state.rpartition(b'"hash":"')
    raw.set_state(nid, head + b'"hash":"' + b"f" * 64 + b'"}')

    report = verify(history)

    _only(report, MEA, "Measure", 1, 4, "does not match its hash")
    assert [(p.stream_type, p.version) for p in report.problems] == [("Measure", 1), ("Measure", 2)]


# --- deleted events -------------------------------------------------------------------------


def test_a_deleted_event_in_the_middle_of_a_stream_is_named(history, raw):
    raw.delete(raw.event(LRN, 2)[0])

    _only(verify(history), LRN, "Learning", 3, 6, "version 2 of this stream is missing")


def test_two_deleted_events_in_a_row_are_named_as_a_range(history, raw):
    raw.delete(raw.event(LRN, 2)[0])
    raw.delete(raw.event(LRN, 3)[0])

    _only(verify(history), LRN, "Learning", 4, 8, "versions 2-3 of this stream is missing")


def test_a_deleted_first_event_is_named(history, raw):
    raw.delete(raw.event(ACT, 1)[0])

    _only(verify(history), ACT, "Action", 2, 5, "version 1 of this stream is missing")


def test_a_deleted_event_renumbered_to_close_the_gap_is_named(history, raw):
    raw.delete(raw.event(LRN, 3)[0])
    raw.sql(
        "UPDATE {events} SET originator_version = 3 WHERE originator_id = ? AND originator_version = 4",
        raw.oid(LRN),
    )

    _only(verify(history), LRN, "Learning", 3, 8, "does not match its hash")


def test_a_deleted_newest_event_is_caught_by_the_seal_that_covers_it(history, raw):
    seal = make_seal(history, "auditor")
    raw.delete(9)

    report = verify(history, latest_seal(history))

    assert report.problems == []  # the chains alone cannot see a missing tail
    assert not report.ok
    assert seal.seal_id in report.seal_problem
    assert "up to notification 9 (9 events)" in report.seal_problem
    assert "now ends at 8 with 8" in report.seal_problem
    assert "sealed events were deleted" in report.seal_problem


def test_a_deleted_newest_event_is_caught_by_a_kept_seal_even_when_the_stored_seals_are_wiped(
    history, raw
):
    kept = make_seal(history, "auditor").to_json()
    raw.delete(9)
    raw.sql("DELETE FROM {prefix}lif_seals")

    assert latest_seal(history) is None
    report = verify(history, Seal.from_json(kept))

    assert not report.ok
    assert "sealed events were deleted" in report.seal_problem


def test_a_deleted_newest_event_of_one_stream_mid_log_is_caught_by_the_seal(history, raw):
    make_seal(history, "auditor")
    raw.delete(7)  # Measure v2: the last of its stream, not of the log

    report = verify(history, latest_seal(history))

    assert report.problems == []
    assert (
        "covers 9 events; the log now has 8 in that range: events were deleted"
        in report.seal_problem
    )


def test_events_written_after_a_seal_do_not_break_it(history):
    seal = make_seal(history, "auditor")
    learning = history.get(Learning, LRN)
    learning.assess_embedding("partly-embedded", "Re-audit", "auditor")
    history.save(learning)

    report = verify(history, seal)

    assert report.ok
    assert report.events == 10


# --- inserted forged events -----------------------------------------------------------------


def test_a_forged_event_appended_to_a_stream_is_named(history, raw):
    _, topic, state = raw.event(LRN, 4)
    forged = state.replace(b'"channel":"7-minute briefing"', b'"channel":"newsletter"')
    nid = raw.insert(LRN, 5, topic, forged)

    _only(verify(history), LRN, "Learning", 5, nid, "does not match its hash")


def test_a_genuine_event_copied_into_another_stream_is_named(history, raw):
    _, topic, state = raw.event(ACT, 2)
    nid = raw.insert(MEA, 3, topic, state)

    _only(verify(history), MEA, "Action", 3, nid, "does not match its hash")


def test_a_forged_event_without_a_hash_is_named(history, raw):
    forged_stream = Learning.stream_id("LRN-2025-999")
    _, topic, state = raw.event(LRN, 1)
    body, _ = split_state(state)
    nid = raw.insert(forged_stream, 1, topic, body)

    _only(verify(history), forged_stream, "Learning", 1, nid, "carries no chain hash")


def test_a_forged_event_slipped_into_the_middle_of_a_stream_is_named(history, raw):
    # Make room at version 2 by moving versions 2-4 up, then write a forged version 2.
    for version in (4, 3, 2):
        raw.sql(
            "UPDATE {events} SET originator_version = ? WHERE originator_id = ? AND originator_version = ?",
            version + 1,
            raw.oid(LRN),
            version,
        )
    _, topic, state = raw.event(LRN, 3)
    nid = raw.insert(LRN, 2, topic, state.replace(b'"priority":"high"', b'"priority":"low"'))

    report = verify(history)

    # The first bad event in the log is the genuine version 2, renumbered 3 and now before the forgery.
    _only(report, LRN, "Learning", 3, 3, "events were reordered")
    forged = [p for p in report.problems if p.notification_id == nid]
    assert [(p.version, "does not match its hash" in p.what) for p in forged] == [(2, True)]
    assert {(p.version, p.notification_id) for p in report.problems} >= {(4, 6), (5, 8)}


def test_a_forged_row_inserted_into_the_sealed_range_is_caught_by_the_seal(history, raw):
    make_seal(history, "auditor")
    raw.delete(5)  # make a hole inside the sealed range, then fill it with a forged copy
    _, topic, state = raw.event(ACT, 3)
    raw.sql(
        "INSERT INTO {events} ({nid}, originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?, ?)",
        5,
        raw.oid(ACT),
        2,
        topic.replace("Completed", "ProgressReported"),
        state,
    )

    report = verify(history, latest_seal(history))

    assert not report.ok
    _only(report, ACT, "Action", 2, 5, "does not match its hash")
    assert "no longer matches seal" in report.seal_problem


def test_a_rewrite_that_recomputes_every_later_hash_passes_the_chains_but_not_the_seal(
    history, raw
):
    seal = make_seal(history, "auditor")
    prev = split_state(raw.event(LRN, 1)[2])[1]
    for version in (
        2,
        3,
        4,
    ):  # the attacker knows the algorithm and re-chains the rest of the stream
        nid, topic, state = raw.event(LRN, version)
        body = split_state(state)[0].replace(b'"priority":"high"', b'"priority":"low"')
        prev = chain_hash(prev, LRN, version, topic, body)
        raw.set_state(nid, stored_state(body, prev))

    report = verify(history, Seal.from_json(seal.to_json()))

    assert history.get(Learning, LRN).priority == "low"
    assert report.problems == []
    assert not report.ok
    assert f"no longer matches seal {seal.seal_id}" in report.seal_problem


# --- swapped events -------------------------------------------------------------------------


def test_two_events_of_one_stream_with_their_states_swapped_are_named(history, raw):
    nid2, _, state2 = raw.event(LRN, 2)
    nid3, _, state3 = raw.event(LRN, 3)
    raw.set_state(nid2, state3)
    raw.set_state(nid3, state2)

    report = verify(history)

    _only(report, LRN, "Learning", 2, 3, "does not match its hash")
    assert (3, 6) in {(p.version, p.notification_id) for p in report.problems}


def test_two_events_of_one_stream_swapped_in_the_log_are_named(history, raw):
    make_seal(history, "auditor")
    raw.swap_positions(3, 6)  # LRN v2 and v3 trade places

    report = verify(history, latest_seal(history))

    _only(report, LRN, "Learning", 3, 3, "events were reordered")
    assert "no longer matches seal" in report.seal_problem


def test_two_events_of_different_streams_swapped_in_the_log_are_caught_by_the_seal(history, raw):
    seal = make_seal(history, "auditor")
    raw.swap_positions(4, 5)  # MEA v1 and ACT v2: each stream's own order is unchanged

    report = verify(history, latest_seal(history))

    assert report.problems == []  # no chain is broken: only the seal sees the new order
    assert not report.ok
    assert (
        f"the log up to notification 9 no longer matches seal {seal.seal_id}" in report.seal_problem
    )
    assert "reordered" in report.seal_problem


def test_a_seal_that_is_not_json_is_refused():
    with pytest.raises(VerificationError, match="not a LIF seal"):
        Seal.from_json('{"seal_id": "x"}')


def test_a_seal_round_trips_through_its_json(history):
    seal = make_seal(history, "auditor")

    assert Seal.from_json(seal.to_json()) == seal
    assert latest_seal(history) == seal
    assert (seal.last_notification_id, seal.event_count, seal.actor) == (9, 9, "auditor")
