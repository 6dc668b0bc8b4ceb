"""The learning loop over every built-in source's samples: the policies and the projections run
after each source equal one rebuild, and the policies run again over the whole log write nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from lif_core.domain import Measure
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.ingestion.samples import sample_inputs
from lif_core.plugins.host import load_plugins
from lif_core.policies import run_policies
from projections import TABLES, context_for, project, table_checksums

REFERENCE = date(2026, 1, 31)


def _snapshot(store: Store) -> dict[str, Any]:
    sums = table_checksums(store)
    out = {}
    for name, spec in TABLES.items():
        cols = ", ".join(c.name for c in spec.columns)
        with store.read() as tx:
            rows = tx.execute(
                f"SELECT {cols} FROM {name} ORDER BY {', '.join(spec.key)}"
            ).fetchall()
        out[name] = (rows, sums[name]["checksum"], sums[name]["rows"])
    return out


def test_every_sample_source_by_source_equals_a_rebuild_and_policies_again_write_nothing(
    store: Store,
) -> None:
    store.save(
        Measure.define(
            reference="MEA-ON-TIME",
            name="Actions on time",
            category="how-well",
            unit="%",
            polarity="higher-is-better",
            frequency="yearly",
            binding={"computed": "actions-on-time"},
            baseline_periods=2,
            target=None,
            actor="jane.smith",
        )
    )
    context = context_for(REFERENCE)
    written: dict[str, int] = {}
    for loaded in sorted(load_plugins(), key=lambda p: p.name):
        for path in sample_inputs(loaded.source):
            assert ingest_file(store, loaded, path).status == "completed", path
        for policy, count in run_policies(store).events_written.items():
            written[policy] = written.get(policy, 0) + count
        project(store, context=context)  # an increment after each source
    incremental = _snapshot(store)
    # the loop reached the tables from many sources, not from one
    assert written["actions"] > 0 and written["learning"] > 0
    with store.read() as tx:
        sources = {
            s for (s,) in tx.execute("SELECT DISTINCT sources FROM action_status").fetchall()
        }
        merged = tx.execute(
            "SELECT COUNT(*) FROM learning_register WHERE also_known_as <> ''"
        ).fetchone()[0]
    assert {"action-plans", "hmicfrs", "jtai", "deep-dive", "section-11"} <= sources
    assert merged == 4  # the learning log's items naming a review's learning point
    assert incremental["impact_monitoring"][2] >= 1  # MEA-ON-TIME, a value a year

    top = store.max_notification_id()
    again = run_policies(store)
    assert again.events_written == {} and again.events_read == {}
    assert store.max_notification_id() == top

    rebuilt = project(store, rebuild=True, context=context)
    assert _snapshot(store) == incremental
    assert {n: t["checksum"] for n, t in rebuilt.tables.items()} == {
        n: t[1] for n, t in incremental.items()
    }
