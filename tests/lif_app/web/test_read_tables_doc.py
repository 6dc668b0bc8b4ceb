"""docs/projections.md, as a reporting tool reads it, against the tables `make demo` really builds.

tests/projections/test_docs.py proves the page is rendered from the table definitions; this file
proves the page matches what lands in the database. It reads the committed page (not the code)
and opens the demo's SQLite store (the session's ``demo_store``, made as ``make demo`` makes it),
so a column renamed, retyped, left out of a view, or left empty where the page does not say so
fails here.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[3] / "docs" / "projections.md"

# What each documented type is on SQLite, as the page's "Types" section says: "SQLite has no
# date, time, boolean or JSON type: DATE is ISO 8601 text, TIMESTAMP ISO 8601 text in UTC, JSON
# is JSON text and BOOLEAN flags are INTEGER 1 or 0". `typeof()` names the storage class.
STORAGE = {
    "TEXT": "text",
    "DATE": "text",
    "TIMESTAMP": "text",
    "JSON": "text",
    "INTEGER": "integer",
    "BOOLEAN": "integer",
    "REAL": "real",
}


@dataclass(frozen=True)
class DocColumn:
    name: str
    type: str
    since: int
    meaning: str


@dataclass(frozen=True)
class DocTable:
    name: str
    key: tuple[str, ...]
    views: tuple[str, ...]
    columns: tuple[DocColumn, ...]


def _documented(page: str) -> dict[str, DocTable]:
    tables: dict[str, DocTable] = {}
    for section in re.split(r"^### ", page, flags=re.MULTILINE)[1:]:
        name = re.match(r"`(\w+)`", section)
        keys = re.search(r"^Key: (.*?)\. Stable views: (.*)\.$", section, flags=re.MULTILINE)
        assert name and keys, section[:200]
        rows = re.findall(r"^\| `(\w+)` \| (\w+) \| v(\d+) \| (.*) \|$", section, re.MULTILINE)
        tables[name[1]] = DocTable(
            name=name[1],
            key=tuple(re.findall(r"`(\w+)`", keys[1])),
            views=tuple(re.findall(r"`(\w+)`", keys[2])),
            columns=tuple(DocColumn(n, t, int(v), m) for n, t, v, m in rows),
        )
    return tables


DOCUMENTED = _documented(PAGE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def db(demo_store) -> Iterator[sqlite3.Connection]:  # type: ignore[no-untyped-def]
    path = demo_store.url.removeprefix("sqlite:///")
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield connection
    connection.close()


def test_the_page_documents_each_table_it_lists_once_with_columns() -> None:
    page = PAGE.read_text(encoding="utf-8")
    listed = re.findall(r"^\| \[`(\w+)`\]\(#\1\) \|", page, flags=re.MULTILINE)
    assert listed == list(DOCUMENTED), "the table of tables and the sections disagree"
    assert len(listed) >= 14  # every read table `lif project` printed for the demo
    for table in DOCUMENTED.values():
        assert table.columns and set(table.key) <= {c.name for c in table.columns}, table.name


def test_every_table_in_the_demo_store_is_a_documented_read_table_or_named_as_another(
    db: sqlite3.Connection,
) -> None:
    page = PAGE.read_text(encoding="utf-8")
    others = page.split("## Other tables in the database", 1)[1].split("\n## ", 1)[0]
    named_there = set(re.findall(r"`(\w+)`", others))
    found = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    undocumented = {
        name
        for name in found
        if name not in DOCUMENTED and not name.startswith("lif_") and name not in named_there
    }
    assert not undocumented, (
        f"tables a reporting tool sees that the page does not mention: {undocumented}"
    )
    assert set(DOCUMENTED) <= found


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_the_real_table_has_the_documented_columns_key_and_views(
    db: sqlite3.Connection, name: str
) -> None:
    table = DOCUMENTED[name]
    info = db.execute(f"PRAGMA table_info({name})").fetchall()
    assert [row[1] for row in info] == [c.name for c in table.columns]
    key = [row[1] for row in sorted((row for row in info if row[5]), key=lambda row: row[5])]
    assert tuple(key) == table.key
    views = {
        v
        for (v,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type='view' AND name LIKE ?", (f"{name}_v%",)
        )
    }
    assert views == set(table.views)
    for view in table.views:
        version = int(view.rsplit("_v", 1)[1])
        shown = [row[1] for row in db.execute(f"PRAGMA table_info({view})")]
        assert shown == [c.name for c in table.columns if c.since <= version], view


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_every_value_in_the_demo_is_of_its_documented_type(
    db: sqlite3.Connection, name: str
) -> None:
    table = DOCUMENTED[name]
    (count,) = db.execute(f"SELECT count(*) FROM {name}").fetchone()
    assert count > 0, f"the demo leaves {name} empty, so nothing below would be checked"
    for column in table.columns:
        values = db.execute(f"SELECT {column.name}, typeof({column.name}) FROM {name}").fetchall()
        for value, storage in values:
            if value is None:
                continue
            where = f"{name}.{column.name} = {value!r}"
            assert storage == STORAGE[column.type], (
                f"{where} is stored as {storage}, documented {column.type}"
            )
            if column.type == "DATE":
                assert date.fromisoformat(value).isoformat() == value, where
            elif column.type == "TIMESTAMP":
                assert datetime.fromisoformat(value).utcoffset() == timedelta(0), where
            elif column.type == "BOOLEAN":
                assert value in (0, 1), where
            elif column.type == "JSON":
                json.loads(value)


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_a_cell_is_empty_only_where_the_page_says_when(db: sqlite3.Connection, name: str) -> None:
    """The page's "Empty cells": NULL only where the meaning says "empty"; key columns never;
    the empty text only in a list column (its meaning says "separated by '; '")."""
    table = DOCUMENTED[name]
    for column in table.columns:
        (nulls,) = db.execute(f"SELECT count(*) FROM {name} WHERE {column.name} IS NULL").fetchone()
        (blank,) = db.execute(f"SELECT count(*) FROM {name} WHERE {column.name} = ''").fetchone()
        where = f"{name}.{column.name} ({column.meaning!r})"
        if column.name in table.key:
            assert nulls == 0, f"{where}: a key column holds NULL in {nulls} rows"
        if nulls:
            assert "empty" in column.meaning.lower(), (
                f"{where}: NULL in {nulls} rows of the demo, but the page does not say when it is empty"
            )
        if blank:
            assert "separated by '; '" in column.meaning, (
                f"{where}: the empty text in {blank} rows of the demo, but it is not a list column"
            )


def test_the_checks_above_catch_a_column_the_page_does_not_say_may_be_empty(
    db: sqlite3.Connection,
) -> None:
    """The demo really leaves documented-empty cells (so the NULL check bites): the learning
    register's `last_decision` is NULL for an item no one has decided on, and its meaning says so."""
    (column,) = [c for c in DOCUMENTED["learning_register"].columns if c.name == "last_decision"]
    (nulls,) = db.execute(
        "SELECT count(*) FROM learning_register WHERE last_decision IS NULL"
    ).fetchone()
    assert nulls > 0
    assert "empty until the first" in column.meaning
