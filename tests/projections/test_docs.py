"""docs/projections.md is the table definitions, rendered: a column without docs fails here."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from projections import ALL, TABLES
from projections import action_status as action_status_module
from projections.docs import PAGE, render
from projections.engine import Column


def test_the_committed_page_is_the_rendered_definitions() -> None:
    assert Path(__file__).resolve().parents[2] / "docs" / "projections.md" == PAGE
    assert PAGE.read_text(encoding="utf-8") == render(), (
        "docs/projections.md is out of date: run `python -m projections.docs` and commit it"
    )


def test_every_table_and_column_is_on_the_page_with_its_type_version_and_meaning() -> None:
    page = render()
    for name, table in TABLES.items():
        assert f"### `{name}`" in page
        assert f"`{name}_v1`" in page
        for column in table.columns:
            assert column.description.strip(), f"{name}.{column.name} has no description"
            row = f"| `{column.name}` | {column.type} | v{column.since} | "
            assert row in page, f"{name}.{column.name} is missing from the page"


def test_a_column_added_without_updating_the_page_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    (table,) = action_status_module.TABLES
    grown = replace(
        table,
        columns=(*table.columns, Column("escalated", "INTEGER", "1 when escalated.", since=2)),
    )
    monkeypatch.setattr(action_status_module, "TABLES", [grown])
    page = render()
    assert page != PAGE.read_text(encoding="utf-8")
    assert "| `escalated` | INTEGER | v2 | 1 when escalated. |" in page
    assert "`action_status_v1`, `action_status_v2`" in page


def test_the_page_says_how_to_connect_and_what_the_reference_date_does() -> None:
    page = render()
    for words in (
        "Power BI",
        "Excel",
        "Tableau",
        "SQLite",
        "PostgreSQL",
        "?schema=",
        "--reference-date",
        "--as-of",
        "lif export",
        "## The reference date",
        "## Stable views",
    ):
        assert words in page, words
    for module in ALL:
        assert f"## {module.__doc__.splitlines()[0].rstrip('.')}" in page
