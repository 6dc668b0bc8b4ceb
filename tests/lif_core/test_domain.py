"""The domain: guarded state transitions that write nothing when refused, and optimistic concurrency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lif_core.audit.verify import verify
from lif_core.domain import Action, Learning, Measure
from lif_core.domain.base import LifAggregate, LifCreated, LifEvent
from lif_core.errors import ConcurrencyError, RefusedError
from lif_core.eventlog.codec import GENESIS, chain_hash, split_state
from lif_core.eventlog.store import Store

ACTOR = "safeguarding.lead"


def _learning(reference: str = "LRN-2025-014") -> Learning:
    return Learning.identify(
        reference=reference,
        title="Hearing the voice of the child",
        statement="Children's views were not recorded at conference.",
        themes=["voice-of-the-child"],
        source_kind="audit",
        identified_on=date(2025, 2, 3),
        actor=ACTOR,
    )


def _action(reference: str = "ACT-2025-031") -> Action:
    return Action.raise_action(
        reference=reference,
        description="Add the child's view to the conference template",
        owner_agency="Children's Social Care",
        due=date(2025, 9, 30),
        raised_on=date(2025, 3, 1),
        actor=ACTOR,
        learning_reference="LRN-2025-014",
    )


def _measure() -> Measure:
    return Measure.define(
        reference="MEA-ICPC-15WD",
        name="Initial conferences within 15 working days",
        category="how-well",
        unit="percent",
        polarity="higher-is-better",
        frequency="yearly",
        binding={"computed": "icpc-timeliness"},
        actor=ACTOR,
    )


def _saved(store: Store, aggregate):
    """Save, then load it back: every guard below runs against state rebuilt from the log."""
    store.save(aggregate)
    return store.get(type(aggregate), aggregate.id)


def _refused(store: Store, aggregate, command, match: str) -> None:
    """The command is refused with ``match`` in the message and nothing reaches the log."""
    before = (store.max_notification_id(), aggregate.version)
    with pytest.raises(RefusedError, match=match):
        command()
    assert aggregate.pending_events == []
    store.save(aggregate)
    assert (store.max_notification_id(), aggregate.version) == before
    assert store.get(type(aggregate), aggregate.id).version == before[1]


# --- actions ----------------------------------------------------------------------------------


def test_an_action_answers_more_learning_items_each_recorded_once(store):
    action = _saved(store, _action())
    assert action.learning_references == ["LRN-2025-014"]
    assert action.answer("LRN-2025-014", ACTOR) is None  # the one it was raised against
    action.answer("LRN-2025-015", ACTOR)
    action = _saved(store, action)
    assert action.answer("LRN-2025-015", ACTOR) is None  # already answered: nothing recorded
    assert action.pending_events == []
    # rebuilt from the log: the first from Raised (its fields unchanged), then LearningAdded
    assert (action.learning_reference, action.learning_references) == (
        "LRN-2025-014",
        ["LRN-2025-014", "LRN-2025-015"],
    )
    assert action.version == 2


def test_a_cancelled_action_cannot_be_completed(store):
    action = _action()
    action.cancel("Superseded by the multi-agency template work", ACTOR)
    action = _saved(store, action)

    _refused(
        store,
        action,
        lambda: action.complete(date(2025, 6, 1), None, ACTOR),
        "was cancelled: it cannot be completed",
    )
    assert action.status == "cancelled"


def test_a_completed_action_takes_no_further_change_of_course(store):
    action = _action()
    action.complete(date(2025, 6, 30), "Template live", ACTOR)
    action = _saved(store, action)

    _refused(
        store, action, lambda: action.progress("More done", "green", ACTOR), "cannot be progressed"
    )
    _refused(
        store,
        action,
        lambda: action.reschedule(date(2026, 1, 31), "Waiting on IT", ACTOR),
        "cannot be rescheduled",
    )
    _refused(
        store, action, lambda: action.complete(date(2025, 7, 1), None, ACTOR), "cannot be completed"
    )
    _refused(
        store, action, lambda: action.cancel("Changed our minds", ACTOR), "cannot be cancelled"
    )


def test_impact_is_verified_only_once_and_only_after_completion(store):
    action = _saved(store, _action())
    _refused(
        store,
        action,
        lambda: action.verify_impact(
            "Re-audit improved",
            [
                "document:re-audit.pdf sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            ],
            ACTOR,
        ),
        "only a completed action",
    )

    action.complete(date(2025, 6, 30), None, ACTOR)
    action.verify_impact(
        "Re-audit: views recorded in 9 of 10",
        [
            "document:re-audit.pdf sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        ],
        ACTOR,
    )
    action = _saved(store, action)

    assert action.status == "impact-verified"
    _refused(
        store,
        action,
        lambda: action.verify_impact(
            "Again",
            [
                "document:re-audit.pdf sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            ],
            ACTOR,
        ),
        "only a completed action",
    )


@pytest.mark.parametrize("rationale", ["", "   "])
def test_an_action_decision_without_a_rationale_is_refused(store, rationale):
    action = _saved(store, _action())

    _refused(
        store,
        action,
        lambda: action.reschedule(date(2026, 1, 31), rationale, ACTOR),
        "rescheduling needs a rationale",
    )
    _refused(store, action, lambda: action.cancel(rationale, ACTOR), "cancelling needs a rationale")
    action.complete(date(2025, 6, 30), None, ACTOR)
    action = _saved(store, action)
    _refused(
        store,
        action,
        lambda: action.verify_impact(
            rationale,
            [
                "document:re-audit.pdf sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            ],
            ACTOR,
        ),
        "verifying impact needs a rationale",
    )


def test_progress_needs_a_note_and_a_known_rag(store):
    action = _saved(store, _action())

    _refused(store, action, lambda: action.progress("  ", "green", ACTOR), "needs a note")
    _refused(store, action, lambda: action.progress("Half done", "purple", ACTOR), "RAG must be")


def test_rescheduling_to_the_same_day_is_refused_and_a_real_move_is_counted(store):
    action = _saved(store, _action())

    _refused(
        store,
        action,
        lambda: action.reschedule(date(2025, 9, 30), "No change", ACTOR),
        "already due on 2025-09-30",
    )
    action.reschedule(date(2025, 12, 31), "Template needs IT release", ACTOR)
    action = _saved(store, action)

    assert (action.due, action.times_rescheduled) == (date(2025, 12, 31), 1)


def test_an_action_needs_an_owner_agency():
    with pytest.raises(RefusedError, match="owner agency"):
        Action.raise_action(
            reference="ACT-2025-099",
            description="x",
            owner_agency=" ",
            due=date(2025, 1, 1),
            raised_on=date(2025, 1, 1),
            actor=ACTOR,
        )


# --- learning ---------------------------------------------------------------------------------


def test_declined_learning_cannot_be_disseminated(store):
    item = _learning()
    item.decline("Already covered by the neglect strategy", ACTOR)
    item = _saved(store, item)

    _refused(
        store,
        item,
        lambda: item.disseminate("newsletter", date(2025, 4, 1), None, ACTOR),
        "declined learning is not disseminated",
    )


def test_declined_learning_stays_undisseminated_after_being_closed_and_reopened(store):
    item = _learning()
    item.decline("Already covered by the neglect strategy", ACTOR)
    item.close("Nothing more to do", ACTOR, override="nothing to embed")
    item.reopen("Raised again at the board", ACTOR)
    item = _saved(store, item)

    # Reopening a closed item does not undo the decision to decline it.
    _refused(
        store,
        item,
        lambda: item.disseminate("newsletter", date(2025, 4, 1), None, ACTOR),
        "declined",
    )


@pytest.mark.parametrize("rationale", ["", "   "])
def test_a_learning_decision_without_a_rationale_is_refused(store, rationale):
    item = _saved(store, _learning())

    _refused(
        store,
        item,
        lambda: item.prioritise("high", rationale, ACTOR),
        "prioritising needs a rationale",
    )
    _refused(store, item, lambda: item.accept(rationale, ACTOR), "accepting needs a rationale")
    _refused(store, item, lambda: item.decline(rationale, ACTOR), "declining needs a rationale")
    _refused(
        store,
        item,
        lambda: item.assess_embedding("embedded", rationale, ACTOR),
        "an embedding assessment needs a rationale",
    )
    _refused(store, item, lambda: item.close(rationale, ACTOR), "closing needs a rationale")
    item.close("Done", ACTOR, override="closed in a test of what follows")
    item = _saved(store, item)
    _refused(store, item, lambda: item.reopen(rationale, ACTOR), "reopening needs a rationale")


@pytest.mark.parametrize("rationale", ["", "   "])
def test_a_measure_decision_without_a_rationale_is_refused(store, rationale):
    measure = _saved(store, _measure())

    _refused(
        store,
        measure,
        lambda: measure.set_target(Decimal("90"), rationale, ACTOR),
        "setting a target needs a rationale",
    )
    _refused(store, measure, lambda: measure.retire(rationale, ACTOR), "retiring needs a rationale")


def test_accepted_learning_cannot_then_be_declined_nor_accepted_again(store):
    item = _learning()
    item.accept("Agreed at subgroup", ACTOR)
    item = _saved(store, item)

    _refused(
        store,
        item,
        lambda: item.decline("Changed mind", ACTOR),
        "only an identified or prioritised item can be declined",
    )
    _refused(
        store,
        item,
        lambda: item.accept("Again", ACTOR),
        "only an identified or prioritised item can be accepted",
    )


def test_closed_learning_must_be_reopened_before_it_is_shared_and_only_closed_items_reopen(store):
    item = _saved(store, _learning())
    _refused(
        store, item, lambda: item.reopen("Not closed", ACTOR), "only a closed item can be reopened"
    )

    item.close("Embedded", ACTOR, override="closed in a test of what follows")
    item = _saved(store, item)
    _refused(
        store,
        item,
        lambda: item.disseminate("briefing", date(2025, 5, 1), None, ACTOR),
        "reopen it first",
    )
    _refused(store, item, lambda: item.close("Twice", ACTOR), "already closed")

    item.reopen("New case shows it is not embedded", ACTOR)
    item.disseminate("7-minute briefing", date(2025, 5, 1), "front door", ACTOR)
    item = _saved(store, item)
    assert item.status == "disseminated"
    assert item.disseminations == [{"channel": "7-minute briefing", "on": date(2025, 5, 1)}]


def test_priority_and_embedding_take_only_known_values_and_evidence_links_once(store):
    item = _saved(store, _learning())

    _refused(
        store,
        item,
        lambda: item.prioritise("urgent", "Big", ACTOR),
        "priority must be one of high, medium, low",
    )
    _refused(
        store,
        item,
        lambda: item.assess_embedding("mostly", "Audit", ACTOR),
        "assessment must be one of",
    )
    item.link_evidence("9f1c", None, ACTOR)
    item = _saved(store, item)
    _refused(store, item, lambda: item.link_evidence("9f1c", None, ACTOR), "already linked")


# --- measures ---------------------------------------------------------------------------------


def test_a_retired_measure_takes_no_target_and_cannot_retire_twice(store):
    measure = _measure()
    measure.set_target(Decimal("90.0"), "Regional average", ACTOR)
    measure.retire("Replaced by the national measure", ACTOR)
    measure = _saved(store, measure)

    assert measure.target == Decimal("90.0")
    _refused(
        store,
        measure,
        lambda: measure.set_target(Decimal("95"), "Stretch", ACTOR),
        "retired: it takes no new target",
    )
    _refused(store, measure, lambda: measure.retire("Again", ACTOR), "already retired")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"category": "how-often"}, "category must be one of"),
        ({"polarity": "sideways"}, "polarity must be one of"),
        ({"binding": {}}, "needs a binding"),
        ({"baseline_periods": 1}, "at least two periods"),
    ],
)
def test_a_measure_definition_is_checked(change, match):
    fields = {
        "reference": "MEA-X",
        "name": "x",
        "category": "how-much",
        "unit": "count",
        "polarity": "higher-is-better",
        "frequency": "yearly",
        "binding": {"computed": "x"},
        "actor": ACTOR,
    } | change

    with pytest.raises(RefusedError, match=match):
        Measure.define(**fields)


# --- hash chain as events are made --------------------------------------------------------------


def test_each_event_is_chained_to_the_one_before_it_even_across_loads(store):
    item = _learning()
    first = item.pending_events[0]
    item.prioritise("medium", "Seen twice", ACTOR)
    item = _saved(store, item)
    item.accept("Agreed", ACTOR)  # made after a reload: it must chain from the stored head
    third = item.pending_events[0]
    store.save(item)

    stored = [split_state(n.state) for n in store.notifications(1, 10)]
    assert stored[0][1] == first.hash
    assert stored[0][1] == chain_hash(
        GENESIS, item.id, 1, "lif_core.domain.learning:Learning.Identified", stored[0][0]
    )
    assert stored[2][1] == third.hash
    assert stored[2][1] == chain_hash(
        stored[1][1], item.id, 3, "lif_core.domain.learning:Learning.Accepted", stored[2][0]
    )
    assert verify(store).ok


# --- optimistic concurrency ---------------------------------------------------------------------


def test_a_concurrent_write_to_the_same_stream_is_detected_and_nothing_is_lost(store):
    store.save(_learning())
    mine = store.get(Learning, Learning.stream_id("LRN-2025-014"))
    theirs = store.get(Learning, Learning.stream_id("LRN-2025-014"))

    mine.prioritise("high", "Seen in three reviews", "alice")
    theirs.decline("Covered elsewhere", "bob")
    store.save(mine)
    with pytest.raises(ConcurrencyError, match="LRN-2025-014 was changed by someone else"):
        store.save(theirs)

    now = store.get(Learning, Learning.stream_id("LRN-2025-014"))
    assert (now.version, now.status, now.priority) == (2, "prioritised", "high")
    assert store.max_notification_id() == 2
    assert store.decode(store.notifications(2, 1)[0]).actor == "alice"
    assert verify(store).ok


def test_after_a_conflict_the_loser_reloads_and_its_decision_chains_on(store):
    store.save(_action())
    mine = store.get(Action, Action.stream_id("ACT-2025-031"))
    theirs = store.get(Action, Action.stream_id("ACT-2025-031"))
    mine.cancel("Superseded", "alice")
    theirs.complete(date(2025, 6, 30), None, "bob")
    store.save(mine)
    with pytest.raises(ConcurrencyError):
        store.save(theirs)

    again = store.get(Action, Action.stream_id("ACT-2025-031"))
    with pytest.raises(RefusedError, match="was cancelled"):
        again.complete(date(2025, 6, 30), None, "bob")
    again_other = store.get(Action, Action.stream_id("ACT-2025-031"))
    assert again_other.status == "cancelled"
    assert verify(store).ok


def test_two_creations_of_the_same_reference_conflict(store):
    store.save(_learning())

    with pytest.raises(ConcurrencyError):
        store.save(_learning())

    assert store.get(Learning, Learning.stream_id("LRN-2025-014")).version == 1
    assert store.max_notification_id() == 1


# --- ids made without the uuid module's constructors (the hot path) ---------------------------------


def test_ids_made_on_the_hot_path_are_the_uuids_the_uuid_module_makes() -> None:
    import random
    from uuid import UUID, uuid5

    from lif_core.domain.base import (
        LIF_NAMESPACE,
        dashed,
        new_event_hex,
        new_event_id,
        uuid5_hex,
    )

    rng = random.Random(7)
    for _ in range(2000):
        name = "".join(rng.choice("abcé|/ 0123456789") for _ in range(rng.randint(0, 40)))
        assert uuid5_hex(LIF_NAMESPACE, name) == uuid5(LIF_NAMESPACE, name).hex
        made = new_event_id()
        assert made == UUID(int=made.int, version=4) and made.version == 4
        assert str(made) == str(UUID(made.hex)) and hash(made) == hash(UUID(made.hex))
        text = new_event_hex()
        assert UUID(text).version == 4 and UUID(text).hex == text
        assert dashed(text) == str(UUID(text))
    assert len({new_event_id() for _ in range(1000)}) == 1000


# --- a decision's body written by hand (the hot path) ------------------------------------------------


def _every_decision() -> list:
    """One of each kind of event the commands make, with awkward values where they can be."""
    item = _learning()
    item.prioritise("high", 'Seen in "two" reviews — and the neglect audit\n', "Zoë O'Neil")
    item.accept("Agreed", ACTOR, causation=["a1", "b2"], correlation="run-é")
    item.disseminate("7-minute briefing", date(2025, 4, 1), None, ACTOR)
    item.link_evidence("6c1f3b1e-2f7a-4c55-9d0e-4b1a0c2f6e11", None, ACTOR)
    item.assess_embedding("embedded", "Re-audit", ACTOR)
    item.close("Done", ACTOR, override="closed in a test of what follows")
    item.reopen("Not done", ACTOR)
    item.correct(item.pending_events[1].event_id.hex, "wrong", {"status": "prioritised"}, ACTOR)
    action = _action()
    action.progress("Under way", "amber", ACTOR)
    action.reschedule(date(2025, 12, 1), "Staffing", ACTOR)
    action.complete(date(2025, 11, 1), None, ACTOR)
    action.verify_impact("Re-audit shows it", ["e1", "e2"], ACTOR)
    measure = _measure()
    measure.set_target(Decimal("0.85"), "Regional average", ACTOR)
    measure.retire("Replaced", ACTOR)
    bare = _Bare._start(_Bare.Started, natural_key="b", actor=ACTOR)
    bare._record(_Bare.Poked, actor=ACTOR)  # an event with no fields of its own
    for aggregate in (item, action, measure, bare):  # what the library's mutate would set
        assert aggregate.version == len(aggregate.pending_events) > 1
        assert aggregate.modified_on == aggregate.pending_events[-1].timestamp
        assert aggregate._chain_head == aggregate.pending_events[-1].hash
    return [
        *item.pending_events,
        *action.pending_events,
        *measure.pending_events,
        *bare.pending_events,
    ]


class _Bare(LifAggregate):
    kind = "bare"

    class Started(LifCreated):
        pass

    class Poked(LifEvent):
        pass


def test_a_decision_written_by_hand_is_what_the_generic_encoder_writes_byte_for_byte() -> None:
    from lif_core.domain.base import make_event
    from lif_core.eventlog.codec import LifTranscoder

    events = _every_decision()
    for stream in {e.originator_id for e in events}:
        made = [e for e in events if e.originator_id == stream]
        assert [e.originator_version for e in made] == list(range(1, len(made) + 1))
    assert len({type(e) for e in events}) >= 15
    prev: dict = {}
    for event in events:
        state = {
            k: v
            for k, v in vars(event).items()
            if k not in ("originator_id", "originator_version", "hash", "_lif_body")
        }
        head = prev.get(event.originator_id, GENESIS)
        generic = make_event(
            type(event), event.originator_id, event.originator_version, head, state
        )
        assert event._lif_body == generic._lif_body, type(event).__qualname__
        assert event.hash == generic.hash
        # and it reads back as the values the event holds
        decoded = LifTranscoder().decode(event._lif_body)
        assert decoded["timestamp"] == event.timestamp
        assert decoded["event_id"] == event.event_id
        assert decoded["causation"] == event.causation
        prev[event.originator_id] = event.hash


def test_a_command_given_a_field_its_event_does_not_have_is_refused_by_name() -> None:
    item = _learning()
    with pytest.raises(TypeError, match=r"unknown \['weather'\]"):
        item._record(Learning.Accepted, actor=ACTOR, rationale="ok", weather="fine")
    with pytest.raises(TypeError, match=r"missing \['rationale'\]"):
        item._record(Learning.Accepted, actor=ACTOR)
    with pytest.raises(TypeError, match=r"\['timestamp'\] are set when it is made"):
        item._record(Learning.Accepted, actor=ACTOR, rationale="ok", timestamp=None)
    assert item.version == 1 and len(item.pending_events) == 1


def test_the_recorded_time_text_is_its_isoformat_across_seconds_minutes_and_rounding(
    monkeypatch,
) -> None:
    import random

    from lif_core.domain import base

    rng = random.Random(11)
    start = 1_764_000_000.0
    moments = [start, start + 0.5, start + 60.5, start + 120.0, start + 5.9999997, start + 6.0]
    moments += [start + 60 * rng.randint(0, 3) + rng.random() * 2 for _ in range(3000)]
    moments += [start + rng.randint(0, 10**6) + rng.choice([0.0, 0.999_999_6]) for _ in range(500)]
    for moment in moments:
        monkeypatch.setattr(base, "_time", lambda m=moment: m)
        stamp, text = base._stamp()
        assert text == stamp.isoformat()
        assert abs(stamp.timestamp() - moment) < 1e-6


def test_closing_needs_an_embedding_assessment_or_an_override_that_says_why(store):
    item = _saved(store, _learning())
    _refused(store, item, lambda: item.close("Done", ACTOR), "no embedding assessment")
    item.close("Done", ACTOR, override="the service was decommissioned")
    item = _saved(store, item)
    (closed,) = [
        e for e in store.app.repository.event_store.get(item.id) if "Closed" in type(e).__name__
    ]
    assert (type(closed).__name__, closed.override) == (
        "ClosedOverride",
        "the service was decommissioned",
    )
    assessed = _saved(store, _learning("LRN-2025-098"))
    assessed.assess_embedding("embedded", "re-audit: 37 of 40", ACTOR)
    assessed.close("Embedded", ACTOR)
    assert _saved(store, assessed).status == "closed"


def test_verifying_impact_needs_evidence(store):
    action = _action()
    action.complete(date(2025, 6, 30), None, ACTOR)
    action = _saved(store, action)
    _refused(store, action, lambda: action.verify_impact("It worked", [], ACTOR), "needs evidence")
    _refused(
        store, action, lambda: action.verify_impact("It worked", ["  "], ACTOR), "needs evidence"
    )
