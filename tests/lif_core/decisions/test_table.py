"""The decision table: every row is well formed and calls a domain command that exists."""

from __future__ import annotations

import pytest

from lif_core.decisions import DECISIONS, EVIDENCE, RATIONALE, Creation, Decision, declaration


def test_each_decision_is_declared_once():
    keys = [d.key for d in DECISIONS]

    assert len(keys) == len(set(keys))
    assert {"learning identify", "action raise", "measure set-target"} <= set(keys)


@pytest.mark.parametrize("decision", DECISIONS, ids=lambda d: d.key)
def test_each_declaration_has_help_and_a_model_with_one_field_per_argument(decision):
    fields = decision.model.model_fields

    assert decision.help.endswith(".")
    assert list(fields) == [a.name for a in decision.arguments]
    assert all(fields[a.name].is_required() == a.required for a in decision.arguments)
    assert all(a.help for a in decision.arguments), "every argument says what it is"


def test_decisions_that_need_a_rationale_say_so():
    needing = {d.key for d in DECISIONS if d.needs_rationale}

    assert "learning accept" in needing and "action cancel" in needing
    assert "action progress" not in needing and "learning identify" not in needing
    assert RATIONALE.default == "" and EVIDENCE.repeatable and EVIDENCE.cited


def test_creations_name_their_reference_and_the_date_that_numbers_it():
    for creation in (d for d in DECISIONS if isinstance(d, Creation)):
        names = {a.name for a in creation.arguments}
        assert {"ref", creation.dated_by} <= names, creation.key
    assert all(isinstance(d, Creation | Decision) for d in DECISIONS)


def test_a_partner_agency_records_progress_and_completion_of_its_own_actions_only():
    by_partners = {d.key for d in DECISIONS if d.agency_of is not None}

    # ... and its own cascade of learning inside its organisation (issue 15).
    assert by_partners == {"action progress", "action complete", "learning cascade"}


def test_the_agency_of_an_action_decision_is_the_actions_owner_agency():
    from types import SimpleNamespace

    progress = declaration("action", "progress")
    assert progress.agency_of is not None

    assert progress.agency_of(SimpleNamespace(owner_agency="LCH"), None) == "LCH"
    assert progress.agency_of(None, None) is None  # not known before the item is read


def test_progress_may_cite_evidence_as_completion_does():
    assert EVIDENCE in declaration("action", "progress").arguments
    assert EVIDENCE in declaration("action", "complete").arguments
