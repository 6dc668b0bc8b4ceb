"""Policies: evidence in the log becomes Action and Learning events, exactly once, never over a person."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import openpyxl
import pytest

from lif_core import policies
from lif_core.domain import Action, Learning, SourceRecord
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.ingestion.samples import sample_inputs
from lif_core.plugins.host import load_plugins
from lif_core.policies import run_policies
from lif_core.privacy.vault import DataKeys, sealed_key

PERSON = "jane.smith"
ACTIONS = [f"ACT-2025-0{n}" for n in range(31, 37)]

# What the three shipped exports (31 March, 30 June, 30 September 2025) of tracker
# AP-CSPR-2024-02 must record: per action, (event type, the export that caused it: 1, 2 or 3).
# Where the tracker's 'Date completed' gives the day (031, 032, 033), the action is Completed
# on it; where it gives none (034, 036), a completion is "by the export that says so"
# (CompletedBy); a Blue row is evidence of impact (ImpactVerified). Each export's row is also
# cited (Action.Cited), left out here.
HISTORY = {
    "ACT-2025-031": [
        ("Raised", 1),
        ("ProgressReported", 1),
        ("Rescheduled", 2),  # moved to 30 September at the May subgroup
        ("ProgressReported", 2),
        ("ProgressReported", 3),
        ("Completed", 3),  # on 19 September, as the tracker states
    ],
    "ACT-2025-032": [
        ("Raised", 1),
        ("ProgressReported", 1),
        ("ProgressReported", 2),
        ("Completed", 2),  # on 15 April, as the tracker states
        ("ImpactVerified", 3),  # Blue in September: the August audit, 45 of 50
    ],
    "ACT-2025-033": [
        ("Raised", 1),
        ("ProgressReported", 1),
        ("ProgressReported", 2),
        ("ProgressReported", 3),
        ("Completed", 3),  # on 4 August, as the tracker states
    ],
    "ACT-2025-034": [
        ("Raised", 1),
        ("ProgressReported", 1),
        ("CompletedBy", 1),
        ("ImpactVerified", 2),  # Blue in June: the re-audit, 37 of 40
    ],
    "ACT-2025-035": [
        ("Raised", 1),
        ("ProgressReported", 1),
        ("ProgressReported", 2),
        ("ProgressReported", 3),
    ],
    "ACT-2025-036": [
        ("Raised", 1),  # against LRN-2025-014, the first item its 'Linked learning' names
        ("LearningAdded", 1),  # LRN-2025-015
        ("LearningAdded", 1),  # LRN-2025-016; the later exports name the same three: no more
        ("ProgressReported", 1),
        ("ProgressReported", 2),
        ("CompletedBy", 2),
        ("ImpactVerified", 3),  # Blue in September: the follow-up survey, 78%
    ],
}


def _exports() -> list[Path]:
    return sample_inputs(load_plugins().get("action-plans").source)


def _ingest(store: Store, source: str, path: Path) -> None:
    result = ingest_file(store, load_plugins().get(source), path)
    assert result.status == "completed", result.message


def _events(store: Store, stream_id: UUID) -> list[Any]:
    return [store.decode(e) for e in store.recorder.select_events(stream_id)]


def _record_events(store: Store, source: str, kind: str, key: str) -> list[Any]:
    return _events(store, SourceRecord.record_id(source, kind, key))


def _history(store: Store, reference: str) -> list[tuple[str, int | None]]:
    """An action's events as (type, which version of its tracker row caused it)."""
    record = {
        str(e.event_id): e.originator_version
        for e in _record_events(store, "action-plans", "action", reference)
    }
    out = []
    for event in _events(store, Action.stream_id(reference)):
        if isinstance(event, Action.Cited):
            continue
        (cause,) = event.causation or [None]
        out.append((type(event).__name__, record.get(cause)))
    return out


def _conflicts(store: Store) -> list[tuple[str, str, str, str]]:
    with store.read() as tx:
        return tx.execute(
            "SELECT policy, evidence_event_id, target, message FROM policy_conflicts ORDER BY target"
        ).fetchall()


def test_the_three_tracker_exports_give_the_designed_action_history(store: Store) -> None:
    for path in _exports():
        _ingest(store, "action-plans", path)
        run_policies(store)
    assert {ref: _history(store, ref) for ref in ACTIONS} == HISTORY

    for ref in ACTIONS:
        rows = _record_events(store, "action-plans", "action", ref)
        for event in _events(store, Action.stream_id(ref)):
            assert event.actor == "policy:actions"
            (cause,) = event.causation
            (row,) = [r for r in rows if str(r.event_id) == cause]
            assert event.correlation == row.correlation  # the ingestion run of that export

    rescheduled = [
        e
        for e in _events(store, Action.stream_id("ACT-2025-031"))
        if isinstance(e, Action.Rescheduled)
    ]
    assert [e.due for e in rescheduled] == [date(2025, 9, 30)]
    assert "2025-06-30" in rescheduled[0].rationale
    completed = {
        ref: [
            (e.after, e.by)
            for e in _events(store, Action.stream_id(ref))
            if isinstance(e, Action.CompletedBy)
        ]
        for ref in ACTIONS
    }
    # 036: open on 31 March, complete by 30 June, no day given: the export that first said
    # so, after the last that said it was open
    assert completed["ACT-2025-036"] == [(date(2025, 3, 31), date(2025, 6, 30))]
    assert completed["ACT-2025-034"] == [(None, date(2025, 3, 31))]  # complete in the first
    stated = {
        ref: [
            e.completed_on
            for e in _events(store, Action.stream_id(ref))
            if isinstance(e, Action.Completed)
        ]
        for ref in ACTIONS
    }
    # the days the tracker's 'Date completed' column gives
    assert {ref: days for ref, days in stated.items() if days} == {
        "ACT-2025-031": [date(2025, 9, 19)],
        "ACT-2025-032": [date(2025, 4, 15)],
        "ACT-2025-033": [date(2025, 8, 4)],
    }
    cited = [
        (e.source, e.record_key, e.record_version)
        for e in _events(store, Action.stream_id("ACT-2025-033"))
        if isinstance(e, Action.Cited)
    ]
    assert cited == [("action-plans", "ACT-2025-033", v) for v in (1, 2, 3)]
    reported = [
        e.rag
        for e in _events(store, Action.stream_id("ACT-2025-033"))
        if isinstance(e, Action.ProgressReported)
    ]
    assert reported == ["amber", "red", "green"]
    raised = _events(store, Action.stream_id("ACT-2025-031"))[0]
    assert (raised.due, raised.raised_on, raised.learning_reference) == (
        date(2025, 5, 31),
        date(2025, 3, 31),
        "LRN-2025-014",
    )


def test_an_action_removed_from_the_tracker_is_a_conflict_not_a_change(store: Store) -> None:
    for path in _exports():
        _ingest(store, "action-plans", path)
    run_policies(store)
    withdrawn = _record_events(store, "action-plans", "action", "ACT-2025-034")[-1]
    assert isinstance(withdrawn, SourceRecord.Withdrawn)
    ((policy, evidence, target, message),) = _conflicts(store)
    assert (policy, evidence, target) == ("actions", str(withdrawn.event_id), "ACT-2025-034")
    assert "removed from action-plans" in message
    assert store.get(Action, Action.stream_id("ACT-2025-034")).status == "impact-verified"


def test_running_the_policies_in_one_go_or_after_each_export_is_the_same(store: Store) -> None:
    for path in _exports():
        _ingest(store, "action-plans", path)
    result = run_policies(store)
    assert {ref: _history(store, ref) for ref in ACTIONS} == HISTORY
    # 31 in HISTORY, plus one citation for each of the 17 rows
    assert result.events_written["actions"] == 31 + 17
    assert result.events_read["actions"] == 18  # 6 + 6 + 5 rows and one withdrawal


def test_running_the_policies_again_writes_nothing(store: Store) -> None:
    for name in ("action-plans", "learning-log", "practice-reviews"):
        for path in sample_inputs(load_plugins().get(name).source):
            _ingest(store, name, path)
    first = run_policies(store)
    assert sum(first.events_written.values()) > 0
    top, conflicts = store.max_notification_id(), _conflicts(store)
    again = run_policies(store)
    assert again.events_written == {}
    assert again.events_read == {}
    assert store.max_notification_id() == top
    assert _conflicts(store) == conflicts
    assert set(again.position.values()) == {first.position["actions"]}


def test_a_crash_mid_batch_keeps_earlier_batches_and_a_rerun_writes_each_event_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in _exports():
        _ingest(store, "action-plans", path)
    monkeypatch.setattr(policies, "BATCH", 4)  # 18 tracker rows: five batches
    flush = policies._Batch.flush
    calls = []

    def flush_then_crash(batch: Any) -> None:
        flush(batch)  # this batch's events are written inside the transaction ...
        calls.append(batch.written)
        if len(calls) == 3:
            raise RuntimeError("the machine lost power before the commit")  # ... never committed

    monkeypatch.setattr(policies._Batch, "flush", flush_then_crash)
    top = store.max_notification_id()
    with pytest.raises(RuntimeError, match="lost power"):
        run_policies(store, ["actions"])
    written = sum(calls[:2])
    assert written > 0
    with store.read() as tx:
        (position,) = tx.execute(
            "SELECT position FROM lif_tracking WHERE name = 'policy:actions'"
        ).fetchone()
    policy_events = [
        n for n in store.iter_notifications(top + 1) if "policy:actions" in bytes(n.state).decode()
    ]
    assert len(policy_events) == written  # two batches committed, the third rolled back whole
    assert 0 < position < top

    monkeypatch.undo()
    run_policies(store)
    assert {ref: _history(store, ref) for ref in ACTIONS} == HISTORY  # each event once


def test_a_human_cancellation_stays_and_the_tracker_disagreement_is_kept(store: Store) -> None:
    first, second, _ = _exports()
    _ingest(store, "action-plans", first)
    run_policies(store)
    cancelled = store.get(Action, Action.stream_id("ACT-2025-032"))
    cancelled.cancel("the LCH policy is replaced by the ICB's", PERSON)
    moved = store.get(Action, Action.stream_id("ACT-2025-031"))
    moved.reschedule(date(2025, 7, 31), "agreed at the April subgroup", PERSON)
    store.save(cancelled, moved)

    _ingest(store, "action-plans", second)  # says ACT-2025-032 is complete, ACT-2025-031 due 30/09
    run_policies(store)

    after = [
        e
        for e in _events(store, Action.stream_id("ACT-2025-032"))
        if not isinstance(e, Action.Cited)
    ]
    assert [type(e).__name__ for e in after][-1] == "Cancelled"
    assert after[-1].actor == PERSON
    assert store.get(Action, Action.stream_id("ACT-2025-032")).status == "cancelled"
    assert store.get(Action, Action.stream_id("ACT-2025-031")).due == date(2025, 7, 31)
    assert [
        e.actor
        for e in _events(store, Action.stream_id("ACT-2025-031"))
        if isinstance(e, Action.Rescheduled)
    ] == [PERSON]

    row_032 = _record_events(store, "action-plans", "action", "ACT-2025-032")[-1]
    row_031 = _record_events(store, "action-plans", "action", "ACT-2025-031")[-1]
    conflicts = {(target, evidence): message for _, evidence, target, message in _conflicts(store)}
    assert set(conflicts) == {
        ("ACT-2025-031", str(row_031.event_id)),
        ("ACT-2025-032", str(row_032.event_id)),
    }
    assert "cancelled" in conflicts[("ACT-2025-032", str(row_032.event_id))]
    assert "recorded decision" in conflicts[("ACT-2025-031", str(row_031.event_id))]


def _log_rows(store: Store) -> dict[str, list[Any]]:
    """Each item's events, its citations of the log's rows left out."""
    return {
        ref: [
            e for e in _events(store, Learning.stream_id(ref)) if not isinstance(e, Learning.Cited)
        ]
        for ref in [
            "LRN-2024-031",
            "LRN-2024-032",
            "LRN-2025-014",
            "LRN-2025-015",
            "LRN-2025-016",
            "LRN-2025-017",
            "LRN-2025-018",
            "LRN-2025-019",
            "LRN-2025-020",
        ]
    }


def test_learning_log_dissemination_becomes_disseminated_events(store: Store) -> None:
    (log,) = sample_inputs(load_plugins().get("learning-log").source)
    _ingest(store, "learning-log", log)
    result = run_policies(store, ["learning"])
    items = _log_rows(store)
    shared = {
        ref: [
            (e.channel, e.disseminated_on.isoformat())
            for e in events
            if isinstance(e, Learning.Disseminated)
        ]
        for ref, events in items.items()
    }
    assert shared["LRN-2024-031"] == [
        ("7-minute-briefing", "2024-11-20"),
        ("newsletter", "2024-11-20"),
    ]
    assert shared["LRN-2025-014"] == [
        ("published-review", "2025-03-10"),
        ("7-minute-briefing", "2025-03-10"),
        ("practitioner-briefing", "2025-03-10"),
    ]
    assert shared["LRN-2025-019"] == []
    # per item: Identified and Cited (9 + 9); the channels shared; and the three items whose
    # "Evidence of impact" cell is filled (LRN-2025-014, -015 and one more) link their row
    assert result.events_written == {"learning": 9 + 9 + sum(len(s) for s in shared.values()) + 3}
    for ref, events in items.items():
        (row,) = _record_events(store, "learning-log", "learning", ref)
        assert isinstance(events[0], Learning.Identified)
        assert events[0].identified_on == date.fromisoformat(row.attributes["date_identified"])
        for event in events:
            assert event.actor == "policy:learning"
            assert event.causation == [str(row.event_id)]
    audience = [e.audience for e in items["LRN-2024-031"] if isinstance(e, Learning.Disseminated)]
    assert audience == ["Multi-agency practitioners"] * 2


def test_a_later_learning_log_adds_only_what_is_new_and_keeps_the_recorded_wording(
    store: Store, tmp_path: Path
) -> None:
    (log,) = sample_inputs(load_plugins().get("learning-log").source)
    _ingest(store, "learning-log", log)
    run_policies(store)
    before = {ref: len(events) for ref, events in _log_rows(store).items()}

    book = openpyxl.load_workbook(log)
    sheet = book.active
    sheet["A2"] = "Exported 31/10/2025 by the business unit"
    rows = {sheet.cell(r, 1).value: r for r in range(5, sheet.max_row + 1)}
    sheet.cell(rows["LRN-2025-019"], 8).value = "Newsletter"
    sheet.cell(rows["LRN-2025-019"], 9).value = date(2025, 10, 6)
    sheet.cell(rows["LRN-2024-032"], 6).value = "A reworded statement."
    sheet.delete_rows(rows["LRN-2025-020"])
    later = tmp_path / "learning-log-exported-2025-10-31.xlsx"
    book.save(later)
    _ingest(store, "learning-log", later)
    run_policies(store)

    after = _log_rows(store)
    grown = {
        ref: len(events) - before[ref]
        for ref, events in after.items()
        if len(events) != before[ref]
    }
    assert grown == {"LRN-2025-019": 1}
    new = after["LRN-2025-019"][-1]
    assert (type(new).__name__, new.channel, new.disseminated_on) == (
        "Disseminated",
        "newsletter",
        date(2025, 10, 6),
    )
    item = store.get(Learning, Learning.stream_id("LRN-2024-032"))
    assert DataKeys(store).open(item.statement) != "A reworded statement."
    targets = {target: message for _, _, target, message in _conflicts(store)}
    assert set(targets) == {"LRN-2024-032", "LRN-2025-020"}
    assert "statement" in targets["LRN-2024-032"]
    assert "removed from learning-log" in targets["LRN-2025-020"]


def test_review_learning_points_become_learning_items_and_reviews_do_not(store: Store) -> None:
    for path in sample_inputs(load_plugins().get("practice-reviews").source):
        _ingest(store, "practice-reviews", path)
    result = run_policies(store, ["learning"])
    assert result.events_read == {"learning": 7}  # the learning points; the reviews are no learning
    assert result.events_written == {"learning": 7 + 7}  # Identified and Cited for each
    item = store.get(Learning, Learning.stream_id("CSPR-2024-02/LP01"))
    (row,) = _record_events(store, "practice-reviews", "learning-point", "CSPR-2024-02/LP01")
    # The statement is the record's free text, carried over sealed under the record's key.
    keys = DataKeys(store)
    assert (item.source_kind, keys.open(item.statement), item.identified_on) == (
        "practice-review",
        keys.open(row.attributes["learning"]),
        date(2025, 1, 15),
    )
    assert sealed_key(item.statement) == f"record:{row.originator_id}"
    identified, cited = _events(store, item.id)
    assert identified.causation == cited.causation == [str(row.event_id)]
    assert (cited.source_reference, cited.agencies) == (
        "CSPR-2024-02",
        row.attributes["agencies"],
    )
    assert not store.exists(Learning.stream_id("CSPR-2024-02"))  # the review itself is no learning


@pytest.mark.parametrize("first", ["learning-log", "practice-reviews"])
def test_a_review_s_learning_point_and_the_log_s_item_for_it_are_one_item_citing_both(
    store: Store, first: str
) -> None:
    order = [first, "practice-reviews" if first == "learning-log" else "learning-log"]
    for name in order:
        for path in sample_inputs(load_plugins().get(name).source):
            _ingest(store, name, path)
    run_policies(store)
    # the log names CSPR-2024-02/LP01, LP02 and LP03 for LRN-2025-014, 015 and 016, and
    # LLR-2024-01/LP01 for LRN-2025-017: one item each, under the reference recorded first,
    # citing the log's row and the review's point
    pairs = [
        ("LRN-2025-014", "CSPR-2024-02/LP01"),
        ("LRN-2025-015", "CSPR-2024-02/LP02"),
        ("LRN-2025-017", "LLR-2024-01/LP01"),
    ]
    for log_ref, point in pairs:
        kept, other = (log_ref, point) if first == "learning-log" else (point, log_ref)
        assert not store.exists(Learning.stream_id(other))
        item = store.get(Learning, Learning.stream_id(kept))
        cited = {
            (e.source, e.record_key)
            for e in _events(store, item.id)
            if isinstance(e, Learning.Cited)
        }
        assert cited == {("learning-log", log_ref), ("practice-reviews", point)}
        assert item.also_known_as == [other]
    # 9 log items and 7 learning points, 4 of them the same learning (CSPR-2024-02/LP01..LP03
    # and LLR-2024-01/LP01, which the log names for LRN-2025-017): 9 + 7 - 4 = 12 rows
    from projections import project

    project(store, reference_date=date(2026, 1, 31))
    with store.read() as tx:
        (rows,) = tx.execute("SELECT COUNT(*) FROM learning_register").fetchone()
        also = tx.execute(
            "SELECT also_known_as FROM learning_register WHERE also_known_as <> '' ORDER BY 1"
        ).fetchall()
    assert rows == 12
    assert len(also) == 4
