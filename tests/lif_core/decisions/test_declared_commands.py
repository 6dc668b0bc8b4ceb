"""A decision declared with ``calls(...)``: checked when the table is made, called in the declared order."""

from __future__ import annotations

import pytest

from lif_core.decisions import RATIONALE, Decision, create, decide, declaration
from lif_core.decisions.declarations import DomainCommand, calls
from lif_core.domain import Action, Learning
from lif_core.errors import ConfigError
from lif_core.eventlog.store import Store

ACTOR = "chair"


def test_a_command_the_item_does_not_have_is_refused_when_the_table_is_made():
    with pytest.raises(ConfigError, match=r"'action cancle' calls cancle, which Action does not"):
        Decision(
            aggregate=Action,
            name="cancle",
            help="A typo.",
            arguments=(RATIONALE,),
            record=calls("cancle", "rationale"),
        )


def test_a_command_given_an_argument_the_decision_does_not_declare_is_refused():
    with pytest.raises(ConfigError, match=r"calls reschedule with due, which it does not declare"):
        Decision(
            aggregate=Action,
            name="reschedule",
            help="Move an action's due date.",
            arguments=(RATIONALE,),
            record=calls("reschedule", "due", "rationale"),
        )
    with pytest.raises(ConfigError, match=r"calls close with override, which it does not declare"):
        Decision(
            aggregate=Learning,
            name="close",
            help="Close.",
            arguments=(RATIONALE,),
            record=calls("close", "rationale", keywords=("override",)),
        )


def test_the_table_declares_its_usual_commands_by_name():
    record = declaration("learning", "cascade").record

    assert record == DomainCommand("cascade", ("partner", "channel", "on", "note"))
    assert declaration("learning", "close").record == calls(
        "close", "rationale", keywords=("override",)
    )


def test_a_keyword_argument_reaches_the_domain_command_by_name(store: Store) -> None:
    # close --override: the domain records ClosedOverride only when the override reaches it (as
    # its keyword `override`); without it, an item with no embedding assessment is refused.
    learning = create(
        store,
        declaration("learning", "identify"),
        {"title": "t", "statement": "s", "source_kind": "audit", "identified_on": "2025-03-03"},
        actor=ACTOR,
    )
    recorded = decide(
        store,
        declaration("learning", "close"),
        learning.reference,
        {"rationale": "board agreed", "override": "the service was decommissioned"},
        actor=ACTOR,
    )

    (event,) = recorded.events
    assert type(event).__qualname__.endswith("ClosedOverride")
    assert (event.rationale, event.override, event.actor) == (
        "board agreed",
        "the service was decommissioned",
        ACTOR,
    )


def test_positional_arguments_reach_the_domain_command_in_the_declared_order(store: Store) -> None:
    # reschedule is declared as calls("reschedule", "due", "rationale"), the domain's order.
    raised = create(
        store,
        declaration("action", "raise"),
        {"description": "d", "owner_agency": "Police", "due": "2025-09-30"},
        actor=ACTOR,
    )
    recorded = decide(
        store,
        declaration("action", "reschedule"),
        raised.reference,
        {"due": "2025-12-31", "rationale": "waiting for the re-audit"},
        actor=ACTOR,
    )

    (event,) = recorded.events
    assert (str(event.due), event.rationale) == ("2025-12-31", "waiting for the re-audit")
