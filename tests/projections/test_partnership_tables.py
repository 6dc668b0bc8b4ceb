"""The partnership's read tables: partners with their actions counted once, cascade, priorities, narratives."""

from __future__ import annotations

from datetime import date
from typing import Any

from lif_core.decisions import create, decide, declaration
from lif_core.domain import Measure
from lif_core.eventlog.store import Store
from projections import project

ACTOR = "cli:business.unit"
TODAY = date(2025, 10, 1)


def _create(store: Store, key: str, **given: object) -> str:
    return create(store, declaration(*key.split()), given, actor=ACTOR).reference


def _decide(store: Store, key: str, reference: str, **given: object) -> None:
    decide(store, declaration(*key.split()), reference, given, actor=ACTOR)


def _rows(store: Store, table: str) -> list[dict[str, Any]]:
    with store.read() as tx:
        query = tx.execute(f"SELECT * FROM {table}")
        cursor = getattr(query.cursor, "sqlite_cursor", query.cursor)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in query.fetchall()]


def _raise(store: Store, agency: str, due: str, ref: str) -> str:
    return _create(
        store,
        "action raise",
        description="d",
        owner_agency=agency,
        due=due,
        raised_on="2025-04-01",
        ref=ref,
    )


def _learning(store: Store, ref: str) -> str:
    return _create(
        store,
        "learning identify",
        title=ref,
        statement="s",
        source_kind="review",
        identified_on="2025-01-15",
        ref=ref,
    )


def _two_partners(store: Store) -> None:
    _create(
        store,
        "partner add",
        ref="LCH",
        name="Leeds Community Healthcare NHS Trust",
        sector="health",
        statutory="yes",
    )
    _create(store, "partner add", ref="WYP", name="West Yorkshire Police", sector="police")


def test_actions_by_partner_count_each_partner_once_whatever_the_spelling(store: Store) -> None:
    # Written before the alias existed: stays as written in the log, resolves in the tables.
    _raise(store, "Leeds Community Healthcare", "2025-06-30", "ACT-2025-001")
    _two_partners(store)
    _decide(store, "partner alias", "LCH", alias="Leeds Community Healthcare")
    _raise(store, "LCH", "2025-12-31", "ACT-2025-002")
    _raise(store, "leeds community healthcare nhs trust", "2025-09-30", "ACT-2025-003")
    _raise(store, "West Yorkshire Police", "2025-12-31", "ACT-2025-004")
    _decide(store, "action complete", "ACT-2025-003", on="2025-09-01")
    project(store, reference_date=TODAY)

    partners = {r["reference"]: r for r in _rows(store, "partner_register")}
    # LCH: ACT-001 (due 30 Jun, open on 1 Oct: overdue), ACT-002 (open, not due), ACT-003
    # (complete) = 3 actions, 2 open, 1 overdue, 1 complete. WYP: ACT-004, open, not due.
    lch = partners["LCH"]
    assert (lch["actions_total"], lch["actions_open"], lch["actions_overdue"]) == (3, 2, 1)
    assert lch["actions_complete"] == 1
    assert (partners["WYP"]["actions_total"], partners["WYP"]["actions_open"]) == (1, 1)
    assert lch["aliases"] == "Leeds Community Healthcare"
    status = {r["reference"]: r["owner_partner"] for r in _rows(store, "action_status")}
    assert status == {
        "ACT-2025-001": "LCH",
        "ACT-2025-002": "LCH",
        "ACT-2025-003": "LCH",
        "ACT-2025-004": "WYP",
    }


def test_a_name_no_partner_answers_to_is_listed_with_its_close_matches(store: Store) -> None:
    _raise(store, "Leeds Comunity Healthcare", "2025-12-31", "ACT-2025-001")  # before the register
    _two_partners(store)
    project(store, reference_date=TODAY)
    names = {(r["name"], r["used_as"]): r for r in _rows(store, "agency_names")}
    row = names[("Leeds Comunity Healthcare", "action owner")]
    assert (row["resolved"], row["partner"], row["items"]) == (0, None, "ACT-2025-001")
    assert row["close_matches"] == "Leeds Community Healthcare NHS Trust"
    assert next(r for r in _rows(store, "action_status"))["owner_partner"] is None


def test_the_register_shows_per_item_who_confirmed_cascade_and_who_has_not(store: Store) -> None:
    _two_partners(store)
    _create(store, "partner add", ref="OLD", name="Old Trust", sector="health")
    shared = _learning(store, "LRN-2025-001")
    declined = _learning(store, "LRN-2025-002")
    _decide(store, "learning decline", declined, rationale="covered elsewhere")
    _decide(
        store,
        "learning disseminate",
        shared,
        channel="7 minute briefing",
        on="2025-02-01",
        audience="GPs",
    )
    _decide(store, "learning disseminate", shared, channel="newsletter", audience="Schools")
    _decide(
        store,
        "learning cascade",
        shared,
        partner="Leeds Community Healthcare NHS Trust",
        channel="cascade",
        on="2025-03-01",
    )
    _decide(store, "partner retire", "OLD", rationale="merged")
    project(store, reference_date=TODAY)

    register = {r["reference"]: r for r in _rows(store, "learning_register")}
    row = register[shared]
    assert (row["cascade_confirmed"], row["cascade_awaited"]) == ("LCH", "WYP")
    assert row["dissemination_channels"] == "briefing sheet and resources; newsletter"
    assert row["audiences"] == "GPs; Schools"
    assert (register[declined]["cascade_confirmed"], register[declined]["cascade_awaited"]) == (
        "",
        "",
    )
    cascade = {(r["learning_reference"], r["partner"]): r for r in _rows(store, "learning_cascade")}
    # One shared item x the two active partners; the declined item and the retired partner
    # (which confirmed nothing) are left out.
    assert set(cascade) == {(shared, "LCH"), (shared, "WYP")}
    assert (cascade[(shared, "LCH")]["confirmed"], cascade[(shared, "LCH")]["channel"]) == (
        1,
        "single-agency cascade",
    )
    assert str(cascade[(shared, "LCH")]["cascaded_on"]) == "2025-03-01"
    assert cascade[(shared, "WYP")]["confirmed"] == 0
    assert {r["reference"]: r["learning_cascaded"] for r in _rows(store, "partner_register")} == {
        "LCH": 1,
        "WYP": 0,
        "OLD": 0,
    }


def test_priorities_show_strengths_beside_areas_for_improvement(store: Store) -> None:
    strength = _learning(store, "LRN-2025-001")
    area = _learning(store, "LRN-2025-002")
    _learning(store, "LRN-2025-003")  # linked to nothing
    _decide(store, "learning good-practice", strength, rationale="9 of 10 audited cases")
    _create(store, "priority set", ref="PRI-2025-01", title="Neglect", set_in="Annual report")
    _decide(store, "priority link", "PRI-2025-01", learning=strength)
    _decide(store, "priority link", "PRI-2025-01", learning=area)
    project(store, reference_date=TODAY)
    (row,) = _rows(store, "priorities")
    assert (row["strengths"], row["areas_for_improvement"]) == (strength, area)
    assert row["learning_items"] == f"{strength}; {area}"
    register = {r["reference"]: r for r in _rows(store, "learning_register")}
    assert [register[r]["good_practice"] for r in (strength, area, "LRN-2025-003")] == [1, 0, 0]
    assert [register[r]["priorities"] for r in (strength, area, "LRN-2025-003")] == [
        "PRI-2025-01",
        "PRI-2025-01",
        "",
    ]


def test_the_latest_narrative_of_a_period_is_shown_and_earlier_ones_counted(store: Store) -> None:
    _two_partners(store)
    store.save(
        Measure.define(
            reference="MEA-X",
            name="x",
            category="how-well",
            unit="%",
            polarity="higher-is-better",
            frequency="yearly",
            binding={"computed": "actions-on-time"},
            actor=ACTOR,
        )
    )
    late = _raise(store, "WYP", "2025-06-30", "ACT-2025-001")
    for story in ("first draft", "agreed story"):
        _decide(
            store,
            "measure narrate",
            "MEA-X",
            period="2024-25",
            story=story,
            partner=["West Yorkshire Police", "LCH"],
            action=[late],
            what_works="Daily review",
            rationale="performance subgroup",
        )
    project(store, reference_date=TODAY)
    (row,) = _rows(store, "measure_narratives")
    assert (row["measure"], row["period"], row["story"], row["versions"]) == (
        "MEA-X",
        "2024-25",
        "agreed story",
        2,
    )
    assert row["partners"] == "WYP; LCH"
    # ACT-2025-001 is due 30 June 2025 and open on 1 October 2025: open and overdue.
    assert (row["action_plan"], row["action_plan_open"], row["action_plan_overdue"]) == (
        late,
        1,
        1,
    )
    assert row["recorded_by"] == ACTOR


def test_a_shared_action_counts_once_for_each_partner_that_shares_it(store: Store) -> None:
    _raise(store, "Police", "2025-12-31", "ACT-2025-002")  # before the register: as written
    _two_partners(store)
    _raise(store, "LCH; West Yorkshire Police", "2025-12-31", "ACT-2025-001")
    project(store, reference_date=TODAY)
    totals = {r["reference"]: r["actions_total"] for r in _rows(store, "partner_register")}
    # ACT-001 is shared by LCH and WYP; ACT-002 names no partner (not an alias of WYP here).
    assert totals == {"LCH": 1, "WYP": 1}
    owners = {r["reference"]: r["owner_partner"] for r in _rows(store, "action_status")}
    assert owners == {"ACT-2025-001": "LCH; WYP", "ACT-2025-002": None}
