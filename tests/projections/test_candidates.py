"""Learning candidates read a stored grade in either spelling (older stores hold underscores)."""

from __future__ import annotations

from datetime import date
from typing import Any

from lif_core.domain import SourceRecord
from lif_core.eventlog.store import Store
from projections import project


def _inspection(store: Store, key: str, grades: dict[str, str]) -> None:
    """An ILACS inspection of Leeds recorded as the pipeline would, with these grades."""
    record: SourceRecord = SourceRecord._start(
        SourceRecord.Recorded,
        natural_key=f"ofsted-ilacs|inspection|{key}",
        actor="plugin:ofsted-ilacs@1.0",
        source="ofsted-ilacs",
        record_kind="inspection",
        record_key=key,
        valid_from=date(2024, 1, 29),
        valid_to=date(2024, 2, 9),
        attributes={
            "local_authority": "leeds",
            "inspection_end_date": f"2024-02-0{len(key)}",
            **grades,
        },
        content_hash=key.ljust(64, "0"),
        provenance={"origin": "test"},
    )
    store.save(record)


def _candidates(store: Store) -> list[dict[str, Any]]:
    with store.read() as tx:
        rows = tx.execute("SELECT rule, summary FROM learning_candidates ORDER BY summary")
        return [{"rule": r[0], "summary": r[1]} for r in rows.fetchall()]


def test_a_concerning_grade_is_a_candidate_in_the_old_and_the_new_spelling(store: Store) -> None:
    _inspection(store, "a", {"care_leavers": "requires_improvement", "help_and_protection": "good"})
    _inspection(store, "bb", {"care_leavers": "requires-improvement"})
    _inspection(store, "ccc", {"impact_of_leaders": "Inadequate"})
    _inspection(store, "dddd", {"care_leavers": "good", "children_in_care": "outstanding"})

    project(store, reference_date=date(2025, 10, 15))

    assert _candidates(store) == [
        {
            "rule": "ilacs-concern",
            "summary": "Children's services inspection ending 2024-02-01: care leavers: requires-improvement",
        },
        {
            "rule": "ilacs-concern",
            "summary": "Children's services inspection ending 2024-02-02: care leavers: requires-improvement",
        },
        {
            "rule": "ilacs-concern",
            "summary": "Children's services inspection ending 2024-02-03: impact of leaders: inadequate",
        },
    ]
