"""Every source whose samples hold actions or recommendations yields Actions, each citing the
source record version it rests on, and each one's audit trail reaches the file and row."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lif_core.audit.trail import build_trail
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.ingestion.samples import sample_inputs
from lif_core.plugins.host import load_plugins
from lif_core.policies import run_policies
from projections import project

# Actions per source, counted by hand in the shipped sample files:
EXPECTED = {
    "action-plans": 6,  # ACT-2025-031 .. 036 in the tracker exports
    "hmicfrs": 6,  # causes of concern and areas for improvement (distinct references)
    "jtai": 4,  # the statement of action's items A1.1, A1.2, A2.1, A3.1
    "other-inspections": 7,  # recommendations (distinct inspection and reference)
    "cdop": 5,  # recommendations of the 2023-24 and 2024-25 reports
    "section-11": 7,  # 1 Red + 6 Amber standards, each with its actions
    "section-175": 5,  # 1 Red + 4 Amber standards, each with its actions
    "multi-agency-audits": 4,  # areas with agreed actions
    "single-agency-audits": 6,  # areas with agreed actions
}
TODAY = date(2026, 1, 31)


@pytest.fixture
def everything(store: Store) -> Store:
    plugins = load_plugins()
    for name in EXPECTED:
        loaded = plugins.get(name)
        for path in sample_inputs(loaded.source):
            assert ingest_file(store, loaded, path).status == "completed", path
    run_policies(store)
    project(store, reference_date=TODAY)
    return store


def _plain(row):  # type: ignore[no-untyped-def]
    """A row as SQLite gives it: PostgreSQL's native dates as ISO text, booleans as 1/0."""
    from datetime import date

    return tuple(
        v.isoformat() if isinstance(v, date) else int(v) if isinstance(v, bool) else v for v in row
    )


def _json(value):  # type: ignore[no-untyped-def]
    """A JSON column: text on SQLite, decoded jsonb on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def _rows(store: Store) -> list[dict[str, Any]]:
    with store.read() as tx:
        query = tx.execute("SELECT reference, sources, citations, owner_agency FROM action_status")
        return [
            {"reference": r[0], "sources": r[1], "citations": _json(r[2]), "owner": r[3]}
            for r in query.fetchall()
        ]


def test_every_source_with_actions_in_its_samples_yields_cited_actions(everything: Store) -> None:
    rows = _rows(everything)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["sources"]] = counts.get(row["sources"], 0) + 1
        assert row["citations"], row["reference"]
        for citation in row["citations"]:
            assert citation["source"] == row["sources"]
            assert everything.exists(__import__("uuid").UUID(citation["record_id"]))
        assert row["owner"]
    assert counts == EXPECTED


def test_a_later_status_review_moves_an_inspection_action_on(everything: Store) -> None:
    rows = {r["reference"]: r for r in _rows(everything)}
    # other-inspections: R1 to Leeds Youth Justice Service, In progress in October 2025 and
    # Closed on 15/01/2026: completed by 15/01/2026, citing both versions of its row
    with everything.read() as tx:
        status, completed_by, citations = _plain(
            tx.execute(
                "SELECT status, completed_by, citations FROM action_status WHERE reference = ?",
                ("HMI-PROBATION-LEEDS-YOUTH-JUSTICE-SERVICE-2024-09-09-R1",),
            ).fetchone()
        )
    assert (status, completed_by) == ("completed", "2026-01-15")
    assert [c["version"] for c in _json(citations)] == [2]
    assert "HMI-PROBATION-LEEDS-YOUTH-JUSTICE-SERVICE-2024-09-09-R1" in rows


@pytest.mark.parametrize("source", sorted(EXPECTED))
def test_the_trail_of_each_kind_of_action_reaches_the_source_file_and_row(
    everything: Store, source: str
) -> None:
    reference = next(r["reference"] for r in _rows(everything) if r["sources"] == source)
    trail = build_trail(everything, reference)
    assert trail.kind == "action"
    cited = [ev for ev in trail.evidence if ev.cited is not None]
    assert cited, f"{reference}: no source record in its trail"
    for ev in cited:
        assert ev.source == source
        provenance = ev.cited.provenance  # type: ignore[union-attr]
        assert provenance is not None
        assert Path(provenance.origin or "").suffix in (".csv", ".xlsx")
        assert provenance.locator, provenance  # the row (or sheet and row) in the file
