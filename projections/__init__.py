"""Read models built from the event log only: pure functions from events to rows.

- ``_engine``: the runner (positions, state, one transaction per run, checksums, as-of).
- ``learning_register``, ``action_status``, ``impact_monitoring``: the three views the LIF asks for.
- ``catalogue``: source_catalogue, ingestion_runs, rejections.
- ``candidates``: learning_candidates, evidence someone should look at.
- ``api``: project(), export() — what the CLI and Dagster call.
"""

from projections.api import (
    ALL,
    TABLES,
    TableDrifted,
    check_tables,
    context_for,
    export_table,
    project,
    projected_position,
    table_checksums,
)

__all__ = [
    "ALL",
    "TABLES",
    "TableDrifted",
    "check_tables",
    "context_for",
    "export_table",
    "project",
    "projected_position",
    "table_checksums",
]
