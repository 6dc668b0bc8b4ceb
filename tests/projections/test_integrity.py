"""Read-table integrity: a table edited outside `lif project` is refused by every reader that
publishes, named, and `lif project` says it repaired it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lif_app.cli.app import app
from lif_core.decisions import create, declaration
from lif_core.eventlog.store import Store
from projections import TableDrifted, check_tables, export_table, project


def _built(store: Store) -> Store:
    for description, due in (
        ("Audit conference minutes", "2025-01-31"),
        ("Train chairs", "2099-12-31"),
    ):
        arguments = {"description": description, "owner_agency": "Police", "due": due}
        create(store, declaration("action", "raise"), arguments, actor="chair")
    project(store)
    return store


def _rag(store: Store) -> list[tuple[str, str]]:
    with store.read() as tx:
        return [
            (str(r[0]), str(r[1]))
            for r in tx.execute(
                "SELECT reference, rag FROM action_status ORDER BY reference"
            ).fetchall()
        ]


def test_an_edited_read_table_is_refused_by_export_named_and_repaired_by_project(
    store: Store, tmp_path: Path
) -> None:
    _built(store)
    before = _rag(store)
    # The first action was due 2025-01-31, long past: red. An edit makes it look green.
    assert before[0][1] == "red", before
    with store.transaction() as tx:
        tx.execute("UPDATE action_status SET rag = 'green' WHERE reference = ?", (before[0][0],))
    with store.read() as tx:
        check_tables(tx, ["learning_register"])  # the untouched table passes
        with pytest.raises(TableDrifted, match="read table action_status differs"):
            check_tables(tx)
    out = tmp_path / "actions.csv"
    with pytest.raises(TableDrifted, match="action_status"):
        export_table(store, "action_status", "csv", out)
    assert not out.exists() and not list(tmp_path.glob(".actions.csv*"))
    run = project(store)
    assert [d.table for d in run.repaired] == ["action_status"]
    assert _rag(store) == before
    assert project(store).repaired == []
    assert export_table(store, "action_status", "csv", out) == 2


def test_lif_project_and_lif_export_say_which_table_differs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lif.db'}"
    with Store(url) as store:
        _built(store)
        with store.transaction() as tx:
            tx.execute("DELETE FROM action_status WHERE description = 'Train chairs'")
    runner = CliRunner()
    refused = runner.invoke(
        app, ["--store", url, "export", "action_status", "--out", str(tmp_path / "a.csv")]
    )
    assert refused.exit_code == 1, refused.output
    assert "action_status differs" in refused.output and "lif project" in refused.output
    repaired = runner.invoke(app, ["--store", url, "project"])
    assert repaired.exit_code == 0, repaired.output
    assert "repaired: action_status" in " ".join(repaired.output.split())
    again = runner.invoke(app, ["--store", url, "project", "--json"])
    assert '"repaired": []' in again.output
