"""Action status: RAG against a reference date, overdue, due soon, on time, rescheduling."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from read_tables import written

from lif_core.domain import Action
from lif_core.eventlog.store import Store
from projections import project

PERSON = "jane.smith"
TODAY = date(2025, 6, 1)


def _raise(reference: str, due: date, **extra: Any) -> Action:
    return Action.raise_action(
        reference=reference,
        description=f"Do {reference}",
        owner_agency="LCH",
        due=due,
        raised_on=date(2025, 1, 6),
        actor=PERSON,
        **extra,
    )


def _rows(store: Store) -> dict[str, dict[str, Any]]:
    with store.read() as tx:
        cursor = tx.execute("SELECT * FROM action_status")
        names = [d[0] for d in getattr(cursor.cursor, "sqlite_cursor", cursor.cursor).description]
        return {r[0]: written("action_status", names, r) for r in cursor.fetchall()}


@pytest.fixture
def actions(store: Store) -> dict[str, Action]:
    """One action in each situation the RAG rules name, as of TODAY."""
    made = {
        "overdue": _raise("ACT-2025-001", TODAY - timedelta(days=3)),
        "due-today": _raise("ACT-2025-002", TODAY),
        "due-soon": _raise("ACT-2025-003", TODAY + timedelta(days=14)),
        "in-progress": _raise("ACT-2025-004", TODAY + timedelta(days=60)),
        "in-progress-overdue": _raise("ACT-2025-005", TODAY - timedelta(days=40)),
        "complete": _raise("ACT-2025-006", TODAY - timedelta(days=10)),
        "complete-late": _raise("ACT-2025-007", TODAY - timedelta(days=30)),
        "verified": _raise("ACT-2025-008", TODAY - timedelta(days=90)),
        "cancelled": _raise("ACT-2025-009", TODAY - timedelta(days=90)),
        "rescheduled": _raise("ACT-2025-010", TODAY - timedelta(days=5)),
    }
    made["in-progress"].progress("drafted", "amber", PERSON)
    made["in-progress-overdue"].progress("stuck", "red", PERSON)
    made["complete"].complete(TODAY - timedelta(days=12), "done", PERSON)
    made["complete-late"].complete(TODAY - timedelta(days=2), "done late", PERSON)
    made["verified"].complete(TODAY - timedelta(days=95), None, PERSON)
    made["verified"].verify_impact(
        "re-audit: 37 of 40",
        [
            "document:re-audit.pdf sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        ],
        PERSON,
    )
    made["cancelled"].cancel("superseded by ACT-2025-008", PERSON)
    made["rescheduled"].reschedule(TODAY + timedelta(days=45), "waits for the strategy", PERSON)
    store.save(*made.values())
    return made


def test_rag_follows_the_rules_at_the_reference_date(
    store: Store, actions: dict[str, Action]
) -> None:
    project(store, reference_date=TODAY)
    rows = _rows(store)
    rag = {k: rows[a.reference]["rag"] for k, a in actions.items()}
    assert rag == {
        "overdue": "red",
        "due-today": "amber",  # due today is not yet overdue
        "due-soon": "amber",
        "in-progress": "amber",
        "in-progress-overdue": "red",  # overdue wins over in progress
        "complete": "green",
        "complete-late": "green",
        "verified": "blue",
        "cancelled": None,
        "rescheduled": "amber",  # judged against the new due date
    }


def test_overdue_due_soon_and_days_overdue_are_judged_against_the_reference_date(
    store: Store, actions: dict[str, Action]
) -> None:
    project(store, reference_date=TODAY)
    rows = _rows(store)

    def flags(key: str) -> tuple[int, int, int]:
        row = rows[actions[key].reference]
        return row["overdue"], row["due_soon"], row["days_overdue"]

    assert flags("overdue") == (1, 0, 3)
    assert flags("in-progress-overdue") == (1, 0, 40)
    assert flags("due-today") == (0, 1, 0)
    assert flags("due-soon") == (0, 1, 0)  # 14 days ahead is within 14 days
    assert flags("in-progress") == (0, 0, 0)
    assert flags("complete-late") == (0, 0, 0)  # done: never overdue
    assert flags("cancelled") == (0, 0, 0)
    assert {r["reference_date"] for r in rows.values()} == {TODAY.isoformat()}


def test_completion_on_time_rescheduling_and_progress_are_kept(
    store: Store, actions: dict[str, Action]
) -> None:
    project(store, reference_date=TODAY)
    rows = _rows(store)
    assert rows["ACT-2025-006"]["completed_on_time"] == 1
    assert rows["ACT-2025-007"]["completed_on_time"] == 0
    assert rows["ACT-2025-001"]["completed_on_time"] is None
    resched = rows["ACT-2025-010"]
    assert (resched["due"], resched["original_due"], resched["times_rescheduled"]) == (
        (TODAY + timedelta(days=45)).isoformat(),
        (TODAY - timedelta(days=5)).isoformat(),
        1,
    )
    progressed = rows["ACT-2025-005"]
    assert (progressed["status"], progressed["last_progress_note"], progressed["reported_rag"]) == (
        "in-progress",
        "stuck",
        "red",
    )
    assert rows["ACT-2025-008"]["status"] == "impact-verified"
    assert rows["ACT-2025-008"]["verified"] is not None
    assert rows["ACT-2025-009"]["status"] == "cancelled"


def test_a_new_reference_date_rerenders_every_row_without_new_events(
    store: Store, actions: dict[str, Action]
) -> None:
    project(store, reference_date=TODAY)
    later = TODAY + timedelta(days=50)
    run = project(store, reference_date=later)
    assert run.events["actions"] == 0
    rows = _rows(store)
    # in progress, due 60 days after TODAY: now due within 14 days
    assert (rows["ACT-2025-004"]["rag"], rows["ACT-2025-004"]["due_soon"]) == ("amber", 1)
    assert (rows["ACT-2025-003"]["rag"], rows["ACT-2025-003"]["days_overdue"]) == ("red", 36)
    assert (rows["ACT-2025-010"]["rag"], rows["ACT-2025-010"]["days_overdue"]) == ("red", 5)
    assert {r["reference_date"] for r in rows.values()} == {later.isoformat()}


def test_a_rebuild_for_a_past_date_is_right_for_that_date(
    store: Store, actions: dict[str, Action]
) -> None:
    project(store, reference_date=TODAY)
    past = date(2025, 3, 1)
    project(store, rebuild=True, reference_date=past)
    rows = _rows(store)
    # due 3 days before TODAY: months away on 1 March, so amber and not due soon
    assert (rows["ACT-2025-001"]["rag"], rows["ACT-2025-001"]["overdue"]) == ("amber", 0)
    assert rows["ACT-2025-001"]["due_soon"] == 0
    assert rows["ACT-2025-005"]["rag"] == "amber"  # in progress, due 22 April: not yet late
    # what happened later is still in the log (a rebuild is not an as-of build)
    assert rows["ACT-2025-006"]["rag"] == "green"
    assert {r["reference_date"] for r in rows.values()} == {past.isoformat()}
    # and back to TODAY, incrementally, nothing to read and the rows right again
    project(store, reference_date=TODAY)
    assert _rows(store)["ACT-2025-001"]["rag"] == "red"


def test_a_row_carries_the_owner_the_learning_and_the_dates(store: Store) -> None:
    store.save(_raise("ACT-2025-100", TODAY, learning_reference="LRN-2025-001"))
    run = project(store, reference_date=TODAY)
    assert run.tables["action_status"]["rows"] == 1
    row = _rows(store)["ACT-2025-100"]
    assert row["learning_reference"] == "LRN-2025-001"
    assert row["owner_agency"] == "LCH"
    assert row["raised"] == "2025-01-06"


def test_a_state_stored_before_learning_references_still_lists_its_first_item() -> None:
    """A projection state written by the code before column-set v4 has no learning_references:
    until the next rebuild its row lists the item it was raised against, and a later
    LearningAdded appends to that, not to an empty list."""
    from datetime import UTC, datetime

    from projections.action_status import action_rows, apply
    from projections.engine import Context, EventView

    at = datetime(2025, 3, 31, tzinfo=UTC)
    raised = {
        "reference": "ACT-1",
        "learning_reference": "LRN-1",
        "description": "d",
        "owner_agency": "Nobody listed",
        "raised_on": date(2025, 3, 31),
        "due": None,
        "actor": "cli:someone",
        "timestamp": at,
    }
    state: dict = {}
    apply(state, EventView(1, "s1", 1, "Action.Raised", raised))
    del state["s1"]["learning_references"]  # as the older code stored it
    context = Context(reference_date=date(2025, 12, 31))
    [row] = action_rows({"actions": state}, context)
    assert row["learning_references"] == "LRN-1"
    added = {"learning_reference": "LRN-2", "timestamp": at}
    apply(state, EventView(2, "s1", 2, "Action.LearningAdded", added))
    [row] = action_rows({"actions": state}, context)
    assert row["learning_references"] == "LRN-1; LRN-2"
