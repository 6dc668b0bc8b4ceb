"""Roles: what each one reads and decides, and a refusal that says why (no server needed)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lif_app.web.access import Grant, Person, area_of
from lif_core.actors import signed_in
from lif_core.decisions import DECISIONS, declaration
from lif_core.errors import ForbiddenError

ISS = "https://login.example.org/tenant/v2.0"
ICB = "West Yorkshire ICB"


def person(*grants: Grant) -> Person:
    return Person(ISS, "sub-1", "Jo Bloggs", grants)


BUSINESS_UNIT = person(Grant("business-unit"))
PARTNER = person(Grant("partner", ICB))
AUDITOR = person(Grant("auditor"))
VIEWER = person(Grant("viewer"))
ICB_ACTION = SimpleNamespace(owner_agency=ICB)
LCH_ACTION = SimpleNamespace(owner_agency="LCH")


@pytest.mark.parametrize(
    ("path", "area"),
    [
        ("/register", "register"),
        ("/learning/LRN-2025-014", "register"),
        ("/actions/ACT-2025-035", "register"),
        ("/impact", "register"),
        ("/api/v1/learning-register", "register"),
        ("/api/v1/report-cards", "register"),
        ("/decide/action/progress/ACT-2025-035", "register"),
        ("/sources", "audit"),
        ("/rejections", "audit"),
        ("/audit/pack/LRN-2025-014", "audit"),
        ("/api/v1/rejections", "audit"),
        ("/api/v1/source-catalogue", "audit"),
        ("/api/v1/ingestion-runs", "audit"),
        ("/api/v1/learning-candidates", "audit"),
        ("/sourcesX", "register"),
    ],
)
def test_each_page_belongs_to_an_area(path, area):
    assert area_of(path) == area


def test_what_each_role_reads():
    reads = {
        p.grants[0].role: {a for a in ("register", "trails", "audit") if p.reads(a)}
        for p in (BUSINESS_UNIT, PARTNER, AUDITOR, VIEWER)
    }

    assert reads == {
        "business-unit": {"register", "trails", "audit"},
        "auditor": {"register", "trails", "audit"},
        "partner": {"register", "trails"},
        "viewer": {"register"},
    }


def test_an_area_outside_the_role_is_refused_saying_who_reads_it():
    with pytest.raises(ForbiddenError) as refused:
        PARTNER.check_reads("audit")

    assert str(refused.value) == (
        "audit packs, the source catalogue, ingestion runs and rejected rows are for the "
        f"business unit and auditors: you are signed in as partner ({ICB})"
    )


def test_a_partner_sees_the_trails_of_the_partnerships_items_and_its_own_actions_only():
    assert PARTNER.sees_trail(None)
    assert PARTNER.sees_trail(ICB)
    assert not PARTNER.sees_trail("LCH")
    assert "shown to LCH, the business unit and auditors" in PARTNER.trail_hidden("LCH")
    assert AUDITOR.sees_trail("LCH") and BUSINESS_UNIT.sees_trail("LCH")
    assert not VIEWER.sees_trail(None)
    assert "you are signed in as viewer" in VIEWER.trail_hidden(None)


@pytest.mark.parametrize("decision", DECISIONS, ids=lambda d: d.key)
def test_the_business_unit_makes_every_decision(decision):
    assert BUSINESS_UNIT.grant_for(decision, ICB_ACTION, None) == Grant("business-unit")


@pytest.mark.parametrize("who", [AUDITOR, VIEWER], ids=["auditor", "viewer"])
@pytest.mark.parametrize("decision", DECISIONS, ids=lambda d: d.key)
def test_auditors_and_viewers_make_no_decision(who, decision):
    with pytest.raises(ForbiddenError, match="reads but changes nothing"):
        who.grant_for(decision, ICB_ACTION, None)


def test_a_partner_records_progress_and_completion_on_its_own_agencys_actions():
    for name in ("progress", "complete"):
        assert PARTNER.grant_for(declaration("action", name), ICB_ACTION, None) == Grant(
            "partner", ICB
        )


def test_a_partner_is_refused_another_agencys_action_saying_whose_it_is():
    with pytest.raises(ForbiddenError) as refused:
        PARTNER.grant_for(declaration("action", "progress"), LCH_ACTION, None)

    assert str(refused.value) == (
        f"`action progress` is for LCH here: this is LCH's action, and you record for {ICB} only"
    )


@pytest.mark.parametrize(
    "key",
    [d.key for d in DECISIONS if d.agency_of is None],
)
def test_a_partner_is_refused_every_business_unit_decision(key):
    group, name = key.split(" ")

    with pytest.raises(ForbiddenError, match="is the business unit's decision"):
        PARTNER.grant_for(declaration(group, name), ICB_ACTION, None)


def test_a_person_with_several_grants_decides_under_the_one_that_may():
    both = person(Grant("partner", "LCH"), Grant("partner", ICB))

    assert both.grant_for(declaration("action", "progress"), ICB_ACTION, None) == Grant(
        "partner", ICB
    )
    assert both.held == f"partner (LCH), partner ({ICB})"


def test_the_actor_of_a_decision_names_the_provider_subject_role_and_agency():
    actor = PARTNER.actor(Grant("partner", ICB)).actor

    assert signed_in(actor) == signed_in(
        'web:{"agency":"West Yorkshire ICB","iss":"' + ISS + '","name":"Jo Bloggs",'
        '"role":"partner","sub":"sub-1"}'
    )


def test_a_person_survives_the_session_cookie():
    again = Person.from_session(PARTNER.to_session())

    assert again == PARTNER
