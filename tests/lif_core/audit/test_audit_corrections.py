"""Corrections without rewriting history: the wrong event stays, a Corrected event puts things back."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from audit_history import done, lif_for

from lif_core.audit import build_trail
from lif_core.decisions.corrections import plan_correction
from lif_core.domain import Action, Learning, Measure
from lif_core.errors import NotFoundError, RefusedError
from lif_core.eventlog.store import Store

ACTOR = "chair"


def _learning(store: Store, reference: str = "LRN-2025-101") -> Learning:
    item = Learning.identify(
        reference=reference,
        title="Strategy discussions",
        statement="Strategy discussions were not always held.",
        themes=["front door"],
        source_kind="audit",
        identified_on=date(2025, 2, 1),
        actor=ACTOR,
    )
    item.prioritise("medium", "One audit.", ACTOR)
    store.save(item)
    return item


def _action(store: Store) -> Action:
    action = Action.raise_action(
        reference="ACT-2025-101",
        description="Weekly tracking of strategy discussions.",
        owner_agency="Children and Families",
        due=date(2025, 9, 30),
        raised_on=date(2025, 3, 1),
        actor=ACTOR,
    )
    store.save(action)
    return action


def _last_id(store: Store, cls: type, reference: str) -> str:
    events = store.recorder.select_events(cls.stream_id(reference), desc=True, limit=1)
    return str(store.decode(events[0]).event_id)


def test_an_acceptance_corrected_then_declined_keeps_both_in_the_history(store: Store) -> None:
    item = _learning(store)
    accepted = item.accept("Agreed.", ACTOR)
    store.save(item)

    again, restores = plan_correction(store, Learning, "LRN-2025-101", str(accepted.event_id))
    assert restores == {"status": "prioritised"}
    corrected = again.correct(
        str(accepted.event_id), "It was declined at the meeting.", restores, ACTOR
    )
    assert again.status == "prioritised" and again.corrected == [str(accepted.event_id)]
    assert corrected.causation == [str(accepted.event_id)]
    again.decline("Covered elsewhere.", ACTOR)
    store.save(again)

    reloaded = store.get(Learning, Learning.stream_id("LRN-2025-101"))
    assert (reloaded.status, reloaded.version) == ("declined", 5)
    trail = build_trail(store, "LRN-2025-101")
    assert [e.type for e in trail.events] == [
        "Learning.Identified",
        "Learning.Prioritised",
        "Learning.Accepted",
        "Learning.Corrected",
        "Learning.Declined",
    ]
    assert trail.events[2].corrected_by == (trail.events[3].event_id,)


def test_a_correction_is_refused_when_a_later_event_changed_the_same_thing(store: Store) -> None:
    item = _learning(store)
    accepted = item.accept("Agreed.", ACTOR)
    shared = item.disseminate("newsletter", date(2025, 4, 1), None, ACTOR)
    store.save(item)

    with pytest.raises(RefusedError, match="status of LRN-2025-101 was changed again after"):
        plan_correction(store, Learning, "LRN-2025-101", str(accepted.event_id))
    # In reverse order it works: the dissemination first, then the acceptance.
    again, restores = plan_correction(store, Learning, "LRN-2025-101", str(shared.event_id))
    assert restores == {
        "status": "accepted",
        "disseminations": [],
    }
    again.correct(str(shared.event_id), "Not sent after all.", restores, ACTOR)
    store.save(again)
    again, restores = plan_correction(store, Learning, "LRN-2025-101", str(accepted.event_id))
    assert restores == {"status": "prioritised"}


def test_what_cannot_be_corrected_is_refused_with_a_reason(store: Store) -> None:
    item = _learning(store)
    other = _learning(store, "LRN-2025-102")
    accepted = item.accept("Agreed.", ACTOR)
    store.save(item)
    first = store.decode(store.recorder.select_events(item.id, limit=1)[0]).event_id

    with pytest.raises(RefusedError, match="created LRN-2025-101; it cannot be corrected"):
        plan_correction(store, Learning, "LRN-2025-101", str(first))
    with pytest.raises(NotFoundError, match="is not an event of LRN-2025-102"):
        plan_correction(store, Learning, "LRN-2025-102", str(accepted.event_id))
    with pytest.raises(RefusedError, match="is not an event id"):
        plan_correction(store, Learning, "LRN-2025-101", "v3")
    with pytest.raises(NotFoundError, match="Did you mean"):
        plan_correction(store, Learning, "LRN-2025-110", str(accepted.event_id))

    again, restores = plan_correction(store, Learning, "LRN-2025-101", str(accepted.event_id))
    with pytest.raises(RefusedError, match="needs a reason"):
        again.correct(str(accepted.event_id), " ", restores, ACTOR)
    with pytest.raises(RefusedError, match="cannot restore reference"):
        again.correct(str(accepted.event_id), "Wrong.", {"reference": "X"}, ACTOR)
    with pytest.raises(RefusedError, match="changed nothing a correction can restore"):
        again.correct(str(accepted.event_id), "Wrong.", {}, ACTOR)
    correction = again.correct(str(accepted.event_id), "Wrong.", restores, ACTOR)
    store.save(again)
    with pytest.raises(RefusedError, match="already corrected"):
        again.correct(str(accepted.event_id), "Wrong again.", restores, ACTOR)
    with pytest.raises(RefusedError, match="is itself a correction"):
        plan_correction(store, Learning, "LRN-2025-101", str(correction.event_id))
    assert other.status == "prioritised"


def test_a_completed_action_corrected_is_open_to_progress_again(store: Store) -> None:
    action = _action(store)
    action.reschedule(date(2025, 12, 31), "Waiting for the strategy.", ACTOR)
    done_event = action.complete(date(2025, 6, 1), None, ACTOR)
    store.save(action)

    again, restores = plan_correction(store, Action, "ACT-2025-101", str(done_event.event_id))
    assert restores == {"status": "open", "completed_on": None}
    again.correct(str(done_event.event_id), "Completed on the wrong action.", restores, ACTOR)
    again.progress("Tracking started.", "amber", ACTOR)
    store.save(again)
    reloaded = store.get(Action, Action.stream_id("ACT-2025-101"))
    assert (reloaded.status, reloaded.due, reloaded.completed_on) == (
        "in-progress",
        date(2025, 12, 31),
        None,
    )


def test_lif_action_correct_and_lif_measure_correct(store_url: str) -> None:
    lif = lif_for(store_url)
    with Store(store_url) as store:
        _action(store)
    rescheduled = json.loads(
        done(
            lif(
                "action",
                "reschedule",
                "ACT-2025-101",
                "--due",
                "2026-01-31",
                "--rationale",
                "Typo.",
                "--json",
            )
        ).stdout
    )
    result = lif("action", "correct", "ACT-2025-101", "--event", rescheduled["event_id"])
    assert result.exit_code == 1 and "a correction needs a reason (--reason)" in result.stderr
    corrected = json.loads(
        done(
            lif(
                "action",
                "correct",
                "ACT-2025-101",
                "--event",
                rescheduled["event_id"],
                "--reason",
                "The date was typed wrong.",
                "--json",
            )
        ).stdout
    )
    assert corrected["type"] == "Action.Corrected"
    assert corrected["corrects"] == rescheduled["event_id"]
    assert corrected["causation"] == [rescheduled["event_id"]]
    assert corrected["restores"] == {"due": "2025-09-30", "times_rescheduled": 0}
    with Store(store_url) as store:
        action = store.get(Action, Action.stream_id("ACT-2025-101"))
        assert (action.due, action.times_rescheduled) == (date(2025, 9, 30), 0)
    result = lif(
        "action",
        "correct",
        "ACT-2025-101",
        "--event",
        rescheduled["event_id"],
        "--reason",
        "Again.",
    )
    assert (
        result.exit_code == 1
        and "Action.Rescheduled v2 of ACT-2025-101 was already corrected" in result.stderr
    )

    done(
        lif(
            "measure",
            "define",
            "--ref",
            "MEA-X",
            "--name",
            "X",
            "--category",
            "how-much",
            "--computed",
            "actions-completed",
        )
    )
    target = json.loads(
        done(
            lif(
                "measure", "set-target", "MEA-X", "--target", "5", "--rationale", "Board.", "--json"
            )
        ).stdout
    )
    done(lif("measure", "set-target", "MEA-X", "--target", "6", "--rationale", "Board again."))
    result = lif("measure", "correct", "MEA-X", "--event", target["event_id"], "--reason", "Wrong.")
    assert result.exit_code == 1 and "target of MEA-X was changed again" in result.stderr
    with Store(store_url) as store:
        assert store.get(Measure, Measure.stream_id("MEA-X")).target == Decimal("6")
    with Store(store_url) as store:
        latest = _last_id(store, Measure, "MEA-X")
    done(lif("measure", "correct", "MEA-X", "--event", latest, "--reason", "Six was a typo."))
    with Store(store_url) as store:
        assert store.get(Measure, Measure.stream_id("MEA-X")).target == Decimal("5")
