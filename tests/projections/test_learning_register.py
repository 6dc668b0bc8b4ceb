"""The learning register: one row per item, its decisions, its dissemination and its actions."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from read_tables import written

from lif_core.domain import Action, Learning
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.ingestion.samples import sample_inputs
from lif_core.plugins.host import load_plugins
from lif_core.policies import run_policies
from projections import project

PERSON = "jane.smith"
TODAY = date(2025, 9, 1)


def _identify(reference: str, **extra: Any) -> Learning:
    fields: dict[str, Any] = {
        "title": "Children not brought to appointments",
        "statement": "Missed health appointments are a sign of neglect.",
        "themes": ["Neglect", "Was not brought"],
        "source_kind": "review",
        "identified_on": date(2025, 1, 15),
        **extra,
    }
    return Learning.identify(reference=reference, actor=PERSON, **fields)


def _register(store: Store) -> dict[str, dict[str, Any]]:
    with store.read() as tx:
        query = tx.execute("SELECT * FROM learning_register")
        cursor = getattr(query.cursor, "sqlite_cursor", query.cursor)
        names = [d[0] for d in cursor.description]
        return {r[0]: written("learning_register", names, r) for r in query.fetchall()}


def test_an_item_keeps_its_decisions_and_latest_decision(store: Store) -> None:
    item = _identify("LRN-2025-014")
    item.prioritise("high", "three reviews found it", PERSON)
    item.accept("the board agreed", "board.chair")
    store.save(item)
    project(store, reference_date=TODAY)
    row = _register(store)["LRN-2025-014"]
    assert row["stream_id"] == str(item.id)
    assert (row["status"], row["priority"]) == ("accepted", "high")
    assert (row["last_decision"], row["last_decision_by"], row["last_decision_rationale"]) == (
        "accepted",
        "board.chair",
        "the board agreed",
    )
    assert row["themes"] == "Neglect; Was not brought"
    assert row["date_identified"] == "2025-01-15"
    assert row["events"] == 3

    item.assess_embedding("embedded", "the re-audit shows it", PERSON)
    item.close("embedded in practice", PERSON)
    item.reopen("a new review found it again", PERSON)
    store.save(item)
    project(store, reference_date=TODAY)
    row = _register(store)["LRN-2025-014"]
    # reopened: back to where it was when closed
    # the three above, then assessed, closed and reopened: 6 events
    assert (row["status"], row["last_decision"], row["events"]) == ("accepted", "reopened", 6)


def test_a_declined_item_shows_declined(store: Store) -> None:
    item = _identify("LRN-2025-015")
    item.decline("already covered by LRN-2025-014", PERSON)
    store.save(item)
    project(store, reference_date=TODAY)
    assert _register(store)["LRN-2025-015"]["status"] == "declined"


def test_dissemination_counts_channels_once_and_keeps_the_latest_date_by_valid_time(
    store: Store,
) -> None:
    item = _identify("LRN-2025-016")
    store.save(item)
    project(store, reference_date=TODAY)
    # recorded in this order, about days in another order
    item.disseminate("newsletter", date(2025, 5, 1), "all partners", PERSON)
    item.disseminate("7-minute-briefing", date(2025, 3, 10), "practitioners", PERSON)
    item.disseminate("newsletter", date(2025, 2, 1), "all partners", PERSON)
    store.save(item)
    project(store, reference_date=TODAY)
    row = _register(store)["LRN-2025-016"]
    assert row["status"] == "disseminated"
    # By their names in the channel vocabulary: a 7-minute briefing is a briefing sheet.
    assert row["dissemination_channels"] == "newsletter; briefing sheet and resources"
    assert row["dissemination_count"] == 3
    assert row["last_disseminated"] == "2025-05-01"


def test_evidence_and_embedding_are_counted(store: Store) -> None:
    item = _identify("LRN-2025-017")
    item.link_evidence(str(uuid4()), "re-audit", PERSON)
    item.link_evidence(str(uuid4()), None, PERSON)
    item.assess_embedding("partly-embedded", "half of the audited records show it", PERSON)
    store.save(item)
    project(store, reference_date=TODAY)
    row = _register(store)["LRN-2025-017"]
    assert (row["evidence_count"], row["embedding_assessment"]) == (2, "partly-embedded")
    assert row["last_decision"] == "embeddingassessed"


def test_actions_are_counted_against_their_learning_at_the_reference_date(store: Store) -> None:
    item = _identify("LRN-2025-018")

    def action(n: int, due: date) -> Action:
        return Action.raise_action(
            reference=f"ACT-2025-{n:03d}",
            description="Revise the toolkit",
            owner_agency="LCH",
            due=due,
            raised_on=date(2025, 2, 1),
            learning_reference="LRN-2025-018",
            actor=PERSON,
        )

    late, open_, done, verified, cancelled = (
        action(1, date(2025, 6, 30)),
        action(2, date(2025, 12, 31)),
        action(3, date(2025, 4, 30)),
        action(4, date(2025, 4, 30)),
        action(5, date(2025, 4, 30)),
    )
    open_.progress("started", "amber", PERSON)
    done.complete(date(2025, 4, 20), None, PERSON)
    verified.complete(date(2025, 4, 20), None, PERSON)
    verified.verify_impact(
        "re-audit",
        [
            "document:re-audit.pdf sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        ],
        PERSON,
    )
    cancelled.cancel("superseded", PERSON)
    other = Action.raise_action(
        reference="ACT-2025-009",
        description="Unrelated",
        owner_agency="LTHT",
        due=date(2025, 1, 1),
        raised_on=date(2024, 12, 1),
        actor=PERSON,
    )
    store.save(item, late, open_, done, verified, cancelled, other)
    project(store, reference_date=TODAY)
    row = _register(store)["LRN-2025-018"]
    assert (
        row["actions_total"],
        row["actions_open"],
        row["actions_overdue"],
        row["actions_complete"],
        row["actions_impact_verified"],
    ) == (5, 2, 1, 2, 1)
    project(store, reference_date=date(2025, 6, 1))
    assert _register(store)["LRN-2025-018"]["actions_overdue"] == 0


def test_policies_put_the_learning_log_and_review_learning_points_in_the_register(
    store: Store,
) -> None:
    plugins = load_plugins()
    for name in ("learning-log", "practice-reviews"):
        loaded = plugins.get(name)
        for path in sample_inputs(loaded.source):
            assert ingest_file(store, loaded, path).status == "completed"
    run_policies(store)
    project(store, reference_date=TODAY)
    register = _register(store)
    # nine logged items, seven review learning points, four of them the same learning (the log
    # names CSPR-2024-02/LP01..LP03 for LRN-2025-014..016, LLR-2024-01/LP01 for LRN-2025-017):
    # 9 + 7 - 4 = 12
    assert len(register) == 9 + 7 - 4
    assert register["LRN-2025-017"]["also_known_as"] == "LLR-2024-01/LP01"
    logged = register["LRN-2024-031"]
    assert logged["source_kind"] == "audit"
    assert logged["dissemination_channels"] == "briefing sheet and resources; newsletter"
    assert logged["last_disseminated"] == "2024-11-20"
    assert register["LRN-2025-014"]["also_known_as"] == "CSPR-2024-02/LP01"
    point = register["CSPR-2024-02/LP04"]
    assert (point["source_kind"], point["status"]) == ("practice-review", "identified")
    assert register["LRN-2025-019"]["status"] == "identified"  # not yet shared
