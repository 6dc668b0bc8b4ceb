"""PostgreSQL read tables and their views hold native types: date, timestamptz, boolean,
bigint, double precision, jsonb (information_schema says so), and a store built before is
retyped by the next `lif project`."""

from __future__ import annotations

import pytest

from lif_core.decisions import create, declaration
from lif_core.eventlog.store import Store
from projections import TABLES, check_tables, project

EXPECTED = {
    "TEXT": "text",
    "INTEGER": "bigint",
    "REAL": "double precision",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp with time zone",
    "JSON": "jsonb",
}


def _columns(store: Store, relation: str) -> dict[str, str]:
    with store.read() as tx:
        rows = tx.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ?",
            (relation,),
        ).fetchall()
    return {str(name): str(kind) for name, kind in rows}


@pytest.fixture
def built(pg_url: str) -> Store:
    store = Store(pg_url)
    arguments = {"description": "Audit minutes", "owner_agency": "Police", "due": "2025-01-31"}
    create(store, declaration("action", "raise"), arguments, actor="chair")
    project(store)
    yield store
    store.close()


@pytest.mark.postgres
def test_information_schema_shows_native_types_for_every_read_table_and_view(
    built: Store,
) -> None:
    seen = set()
    for name, table in TABLES.items():
        wanted = {c.name: EXPECTED[c.type] for c in table.columns}
        assert _columns(built, name) == wanted, name
        for version in table.versions:
            view = _columns(built, f"{name}_v{version}")
            assert view == {c.name: wanted[c.name] for c in table.columns if c.since <= version}
        seen |= set(wanted.values())
    assert seen == set(EXPECTED.values())
    with built.read() as tx:
        due, overdue, last_change = tx.execute(
            "SELECT due, overdue, last_change FROM action_status"
        ).fetchone()
    assert (due.isoformat(), overdue) == ("2025-01-31", True)
    assert last_change.utcoffset().total_seconds() == 0


@pytest.mark.postgres
def test_a_table_built_with_text_dates_is_retyped_by_the_next_project(built: Store) -> None:
    with built.transaction() as tx:
        for version in TABLES["action_status"].versions:
            tx.execute(f"DROP VIEW action_status_v{version}")
        tx.execute("ALTER TABLE action_status ALTER COLUMN due TYPE text")
        tx.execute("ALTER TABLE action_status ALTER COLUMN overdue TYPE bigint USING overdue::int")
    assert _columns(built, "action_status")["due"] == "text"
    run = project(built)
    assert run.repaired == []  # retyped and rebuilt, not an edit
    assert _columns(built, "action_status")["due"] == "date"
    assert _columns(built, "action_status_v1")["overdue"] == "boolean"
    with built.read() as tx:
        check_tables(tx)
        assert tx.execute("SELECT COUNT(*) FROM action_status").fetchone()[0] == 1
