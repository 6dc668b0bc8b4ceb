"""History as it stood: an item and its register row at a recorded time; what changed between two."""

from __future__ import annotations

import json

import pytest
from audit_history import MEASURE, REFERENCE, History, done

from lif_core.domain import Action, Learning
from lif_core.errors import ConfigError, NotFoundError
from projections.history import diff_tables, item_as_of

ACTIONS = [
    "ACT-2025-031",
    "ACT-2025-032",
    "ACT-2025-033",
    "ACT-2025-034",
    "ACT-2025-035",
    "ACT-2025-036",
]


def test_an_item_as_of_a_time_has_only_the_events_recorded_by_then(history: History) -> None:
    with history.store() as store:
        then = item_as_of(store, REFERENCE, history.times["decided"])
        after_revision = item_as_of(store, REFERENCE, history.times["revised"])
        now = item_as_of(store, REFERENCE, history.times["actions"])

    assert (then.reference, then.kind, then.table) == (REFERENCE, "learning", "learning_register")
    assert then.stream_id == str(Learning.stream_id(REFERENCE))
    assert (then.version, then.events_then, then.events_now) == (3, 3, 5)
    assert then.last_recorded_at == history.events["accepted"]["recorded_at"]
    assert then.as_of == history.times["decided"].isoformat()
    assert then.state["status"] == "accepted"
    assert then.state["priority"] == "high"
    assert then.state["identified_on"] == "2025-01-15"
    assert then.state["themes"] == ["neglect"]
    [row] = then.rows
    assert (row["reference"], row["status"], row["priority"]) == (REFERENCE, "accepted", "high")
    assert (row["last_decision"], row["last_decision_by"], row["last_decision_rationale"]) == (
        "accepted",
        "cli:chair",
        "Referrals rose in 2024.",
    )
    assert (row["events"], row["actions_total"]) == (3, 0)
    # A later revision of the evidence changes nothing recorded about the item itself.
    assert (after_revision.version, after_revision.state["status"]) == (3, "accepted")

    assert (now.version, now.events_then) == (5, 5)
    assert now.state["status"] == "declined"
    assert now.state["corrected"] == [history.events["accepted"]["event_id"]]
    [row] = now.rows
    assert (row["status"], row["last_decision"]) == ("declined", "declined")
    assert (row["actions_total"], row["actions_complete"]) == (4, 4)


def test_an_action_and_a_measure_as_of_a_time(history: History) -> None:
    with history.store() as store:
        action = item_as_of(store, "ACT-2025-031", history.times["actions"])
        measure = item_as_of(store, MEASURE, history.times["corrected"])
    # Raised, then per export a citation of the row and what it says (3 + 3 + 3)
    assert (action.kind, action.table, action.version) == ("action", "action_status", 9)
    assert action.state["status"] == "completed"
    assert action.state["due"] == "2025-09-30"
    assert action.state["times_rescheduled"] == 1
    [row] = action.rows
    assert (row["reference"], row["status"], row["rag"], row["due"], row["original_due"]) == (
        "ACT-2025-031",
        "completed",
        "green",
        "2025-09-30",
        "2025-05-31",
    )
    assert row["learning_reference"] == REFERENCE
    assert row["stream_id"] == str(Action.stream_id("ACT-2025-031"))
    assert (measure.kind, measure.table, measure.version) == ("measure", "impact_monitoring", 3)
    assert measure.state["target"] is None  # the corrected target
    assert measure.state["status"] == "active"
    assert measure.rows and all(r["measure"] == MEASURE for r in measure.rows)


def test_an_item_before_it_was_recorded_is_a_clear_error(history: History) -> None:
    with history.store() as store, pytest.raises(NotFoundError, match="was not recorded yet at"):
        item_as_of(store, REFERENCE, history.times["first"])


def test_lif_audit_as_of_prints_the_state_and_the_row(history: History) -> None:
    when = history.times["decided"].isoformat()
    data = json.loads(done(history.lif("audit", "as-of", when, REFERENCE, "--json")).stdout)
    assert (data["version"], data["state"]["status"], data["rows"][0]["status"]) == (
        3,
        "accepted",
        "accepted",
    )
    text = done(history.lif("audit", "as-of", when, REFERENCE)).stdout
    assert f"{REFERENCE} as recorded by {when}: version 3 (3 of the 5 events" in text
    assert "  status: accepted" in text and "learning_register then:" in text
    # A day means the end of that day; a time needs its zone.
    day = history.times["actions"].date().isoformat()
    data = json.loads(done(history.lif("audit", "as-of", day, REFERENCE, "--json")).stdout)
    assert data["version"] == 5
    result = history.lif("audit", "as-of", "2025-06-30T12:00", REFERENCE)
    assert result.exit_code == 2 and "needs a time zone" in result.stderr
    result = history.lif("audit", "as-of", "yesterday", REFERENCE)
    assert result.exit_code == 2 and "is not a day" in result.stderr


def test_a_diff_shows_a_row_added_with_the_events_that_made_it(history: History) -> None:
    with history.store() as store:
        diff = diff_tables(
            store, history.times["first"], history.times["decided"], ["learning_register"]
        )
    assert diff.counts() == {"learning_register": {"added": 1, "removed": 0, "changed": 0}}
    [change] = diff.changes
    assert (change.table, change.key, change.change) == (
        "learning_register",
        {"reference": REFERENCE},
        "added",
    )
    assert change.columns["status"] == {"from": None, "to": "accepted"}
    assert [(e["type"], e["version"], e["actor"]) for e in change.events] == [
        ("Learning.Identified", 1, "cli:chair"),
        ("Learning.Prioritised", 2, "cli:chair"),
        ("Learning.Accepted", 3, "cli:chair"),
    ]
    assert [e["event_id"] for e in change.events] == [
        history.events[n]["event_id"] for n in ("identified", "prioritised", "accepted")
    ]


def test_a_diff_shows_what_a_correction_and_a_decline_changed(history: History) -> None:
    with history.store() as store:
        diff = diff_tables(
            store,
            history.times["revised"],
            history.times["corrected"],
            ["learning_register", "impact_monitoring"],
        )
    learning = [c for c in diff.changes if c.table == "learning_register"]
    [change] = learning
    assert change.change == "changed"
    assert change.columns["status"] == {"from": "accepted", "to": "declined"}
    assert change.columns["last_decision"] == {"from": "accepted", "to": "declined"}
    assert change.columns["last_decision_rationale"] == {
        "from": "Referrals rose in 2024.",
        "to": "Covered by the neglect strategy.",
    }
    assert change.columns["events"]["from"] == 3
    assert set(change.columns) == {
        "status",
        "last_decision",
        "last_decision_at",
        "last_decision_rationale",
        "last_change",
        "events",
    }
    assert [(e["type"], e["summary"]) for e in change.events] == [
        (
            "Learning.Corrected",
            "corrected version 3 (Learning.Accepted): status back to prioritised",
        ),
        ("Learning.Declined", "declined"),
    ]
    measure_rows = [c for c in diff.changes if c.table == "impact_monitoring"]
    assert measure_rows and all(c.change == "added" for c in measure_rows)
    assert all(c.key["measure"] == MEASURE for c in measure_rows)
    assert [e["type"] for e in measure_rows[0].events] == [
        "Measure.Defined",
        "Measure.TargetSet",
        "Measure.Corrected",
    ]


def test_a_diff_of_policy_made_actions(history: History) -> None:
    with history.store() as store:
        diff = diff_tables(store, history.times["corrected"], history.times["actions"])
    counts = diff.counts()
    assert counts["action_status"] == {"added": 6, "removed": 0, "changed": 0}
    assert counts["learning_register"] == {"added": 0, "removed": 0, "changed": 1}
    added = [c for c in diff.changes if c.table == "action_status"]
    assert [c.key["reference"] for c in added] == ACTIONS
    first = added[0]
    assert [e["type"] for e in first.events] == [
        "Action.Raised",
        "Action.Cited",
        "Action.ProgressReported",
        "Action.Rescheduled",
        "Action.Cited",
        "Action.ProgressReported",
        "Action.Cited",
        "Action.ProgressReported",
        "Action.Completed",  # on 19/09/2025, the tracker's Date completed
    ]
    assert all(e["actor"] == "policy:actions" for e in first.events)
    assert first.columns["status"]["to"] == "completed"
    [register] = [c for c in diff.changes if c.table == "learning_register"]
    assert register.columns["actions_total"] == {"from": 0, "to": 4}
    assert register.events == ()  # the change came from the actions' streams, not the item's


def test_lif_audit_diff_text_and_json(history: History) -> None:
    t1, t2 = history.times["revised"].isoformat(), history.times["corrected"].isoformat()
    data = json.loads(
        done(history.lif("audit", "diff", t1, t2, "--table", "learning_register", "--json")).stdout
    )
    assert data["counts"] == {"learning_register": {"added": 0, "removed": 0, "changed": 1}}
    assert data["changes"][0]["columns"]["status"] == {"from": "accepted", "to": "declined"}
    text = done(history.lif("audit", "diff", t1, t2, "--table", "learning_register")).stdout
    assert "learning_register: 0 added, 0 removed, 1 changed" in text
    assert f"~ learning_register {REFERENCE}" in text
    assert "    status: accepted → declined" in text
    assert "because: Learning.Declined v5 by chair (command line)" in text
    result = history.lif("audit", "diff", t2, t1)
    assert result.exit_code == 2 and "must be after the first" in result.stderr
    result = history.lif("audit", "diff", t1, t2, "--table", "rejections")
    assert result.exit_code == 2 and "choose one of" in result.stderr


def test_diff_refuses_times_out_of_order(history: History) -> None:
    with history.store() as store, pytest.raises(ConfigError):
        diff_tables(store, history.times["actions"], history.times["first"])
