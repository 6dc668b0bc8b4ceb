"""The application functions: a declared decision loaded, checked, recorded and saved in one place."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lif_core.decisions import DECISIONS, Recorded, create, decide, declaration
from lif_core.domain import Action, Learning, Measure
from lif_core.errors import ConcurrencyError, ConfigError, NotFoundError, RefusedError
from lif_core.eventlog.store import Store

ACTOR = "chair"


def _decide(store: Store, key: str, reference: str, given: dict, **kwargs) -> Recorded:
    kwargs.setdefault("actor", ACTOR)
    return decide(store, declaration(*key.split()), reference, given, **kwargs)


def _raise(store: Store, **given: str) -> Recorded:
    arguments = {"description": "d", "owner_agency": "Police", "due": "2025-09-30", **given}
    return create(store, declaration("action", "raise"), arguments, actor=ACTOR)


def _identify(store: Store, on: str = "2025-03-03") -> Recorded:
    arguments = {
        "title": "Hearing the voice of the child",
        "statement": "Children's views were not recorded at conference.",
        "theme": ["voice-of-the-child"],
        "source_kind": "audit",
        "identified_on": on,
    }
    return create(store, declaration("learning", "identify"), arguments, actor=ACTOR)


def test_create_numbers_the_next_reference_of_the_year_and_returns_what_it_recorded(store):
    first = _identify(store)
    second = _identify(store)
    other_year = _identify(store, on="2026-01-05")

    assert (first.reference, second.reference, other_year.reference) == (
        "LRN-2025-001",
        "LRN-2025-002",
        "LRN-2026-001",
    )
    assert [type(e).__qualname__ for e in first.events] == ["Learning.Identified"]
    assert first.version == 1
    summary = first.summaries()[0]
    assert (summary["identified_on"], summary["themes"], summary["actor"]) == (
        "2025-03-03",
        ["voice-of-the-child"],
        ACTOR,
    )
    item = store.get(Learning, Learning.stream_id("LRN-2025-001"))
    assert (item.identified_on, item.status) == (date(2025, 3, 3), "identified")


def test_decide_loads_by_reference_records_and_saves(store):
    _identify(store)

    recorded = _decide(store, "learning accept", "LRN-2025-001", {"rationale": "Agreed"})

    assert (recorded.reference, recorded.version) == ("LRN-2025-001", 2)
    assert store.get(Learning, Learning.stream_id("LRN-2025-001")).status == "accepted"


def test_a_decision_on_the_version_it_was_made_on_is_recorded(store):
    _identify(store)

    recorded = _decide(
        store, "learning accept", "LRN-2025-001", {"rationale": "Agreed"}, expected_version=1
    )

    assert recorded.version == 2


def test_a_stale_expected_version_is_refused_saying_what_changed_and_writes_nothing(store):
    _identify(store)
    prioritise = {"priority": "high", "rationale": "Seen in three audits"}
    _decide(store, "learning prioritise", "LRN-2025-001", prioritise, actor="board.chair")
    before = store.max_notification_id()
    accept = {"rationale": "Agreed"}

    with pytest.raises(ConcurrencyError) as refused:
        _decide(store, "learning accept", "LRN-2025-001", accept, expected_version=1)
    with pytest.raises(ConcurrencyError, match="LRN-2025-001 is at v2: there is no v7"):
        _decide(store, "learning accept", "LRN-2025-001", accept, expected_version=7)

    message = str(refused.value)
    assert message.startswith("LRN-2025-001 changed after v1, the version this decision was made")
    assert "v2 Learning.Prioritised by board.chair at " in message
    assert message.endswith("Nothing was written; look at it again and decide.")
    assert store.max_notification_id() == before


def test_arguments_are_parsed_from_text_by_the_declarations_model(store):
    _identify(store)
    raised = _raise(store, raised_on="2025-03-10", learning="LRN-2025-001")
    target = declaration("measure", "set-target")
    model = target.parse({"target": "92.50", "rationale": "Regional top quartile"})

    assert raised.summaries()[0]["due"] == "2025-09-30"
    assert raised.summaries()[0]["raised_on"] == "2025-03-10"
    assert raised.summaries()[0]["learning_reference"] == "LRN-2025-001"
    assert model.target == Decimal("92.50") and str(model.target) == "92.50"
    assert target.parse(model) is model


@pytest.mark.parametrize(
    ("key", "given", "says"),
    [
        ("action reschedule", {"due": "30/09/2025"}, "--due '30/09/2025' is not a date like"),
        ("measure set-target", {"target": "ninety"}, "--target 'ninety' is not a number"),
        ("learning prioritise", {}, "--priority is required"),
        ("learning accept", {"rationale": "r", "priority": "high"}, "takes no priority"),
        ("learning close", {"evidence": ["a", 3]}, "--evidence 3: Input should be"),
    ],
)
def test_an_argument_that_does_not_parse_is_a_usage_error_naming_its_option(key, given, says):
    with pytest.raises(ConfigError) as refused:
        declaration(*key.split()).parse(given)

    assert says in str(refused.value)
    assert refused.value.exit_code == 2


def test_a_reference_argument_must_name_an_item_that_exists(store):
    with pytest.raises(NotFoundError, match="LRN-2099-001 does not exist"):
        _raise(store, learning="LRN-2099-001")

    assert store.max_notification_id() == 0


def test_a_decision_needs_an_actor(store):
    _identify(store)

    with pytest.raises(ConfigError, match="a decision needs an actor"):
        _decide(store, "learning accept", "LRN-2025-001", {"rationale": "r"}, actor=" ")


def test_a_refusal_by_the_domain_writes_nothing(store):
    _identify(store)
    before = store.max_notification_id()

    with pytest.raises(RefusedError, match="accepting needs a rationale"):
        _decide(store, "learning accept", "LRN-2025-001", {})

    assert store.max_notification_id() == before


def test_one_correct_declaration_per_correctable_item_records_the_correction(store):
    _raise(store, raised_on="2025-03-01")
    moved = _decide(
        store, "action reschedule", "ACT-2025-001", {"due": "2025-12-31", "rationale": "Typo"}
    )
    wrong = str(moved.events[0].event_id)

    corrected = _decide(
        store,
        "action correct",
        "ACT-2025-001",
        {"event_id": wrong.upper(), "reason": "The date was typed wrong."},
    )

    summary = corrected.summaries()[0]
    assert (summary["corrects"], summary["causation"]) == (wrong, [wrong])
    assert summary["restores"] == {"due": "2025-09-30", "times_rescheduled": 0}
    assert store.get(Action, Action.stream_id("ACT-2025-001")).due == date(2025, 9, 30)
    corrections = {d.aggregate for d in DECISIONS if d.name == "correct"}
    assert corrections == {Learning, Action, Measure}


def test_an_unknown_decision_names_the_ones_there_are():
    with pytest.raises(NotFoundError, match=r"no decision learning 'embed'.*learning accept"):
        declaration("learning", "embed")
