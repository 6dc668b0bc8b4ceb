"""As-of builds: the tables as they stood at a past moment, built into a separate file."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from read_tables import written_tuple
from typer.testing import CliRunner

from lif_app.cli.app import app
from lif_core.domain import Action, Learning
from lif_core.errors import ConfigError
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.ingestion.samples import sample_inputs
from lif_core.plugins.host import load_plugins
from lif_core.policies import run_policies
from projections import TABLES, project, table_checksums

REFERENCE = date(2025, 6, 15)
PERSON = "jane.smith"


def _tables(store: Store) -> dict[str, Any]:
    sums = table_checksums(store)
    out = {}
    for name, spec in TABLES.items():
        cols = ", ".join(c.name for c in spec.columns)
        with store.read() as tx:
            rows = [
                written_tuple(name, [c.name for c in spec.columns], r)
                for r in tx.execute(
                    f"SELECT {cols} FROM {name} ORDER BY {', '.join(spec.key)}"
                ).fetchall()
            ]
        out[name] = (rows, sums[name]["checksum"], sums[name]["rows"])
    return out


def _learning(n: int, on: date) -> Learning:
    return Learning.identify(
        reference=f"LRN-2025-{n:03d}",
        title=f"Learning {n}",
        statement="Practitioners should see the child alone.",
        themes=["Voice of the child"],
        source_kind="review",
        identified_on=on,
        actor=PERSON,
    )


def _action(n: int, due: date) -> Action:
    return Action.raise_action(
        reference=f"ACT-2025-{n:03d}",
        description=f"Action {n}",
        owner_agency="LCH",
        due=due,
        raised_on=date(2025, 1, 10),
        learning_reference="LRN-2025-001",
        actor=PERSON,
    )


def _ingest(store: Store, source: str, index: int) -> None:
    loaded = load_plugins().get(source)
    path = sample_inputs(loaded.source)[index]
    assert ingest_file(store, loaded, path).status == "completed"


def _before_and_after(store: Store) -> tuple[datetime, dict[str, Any], list[Any]]:
    """Phase one, projected and remembered; a moment T; then phase two, projected."""
    items = [_learning(n, date(2025, 1, n)) for n in range(1, 6)]
    actions = [_action(n, date(2025, 5, 1) + timedelta(days=30 * n)) for n in range(1, 5)]
    store.save(*items, *actions)
    _ingest(store, "action-plans", 0)
    _ingest(store, "performance", 0)
    run_policies(store)
    project(store, reference_date=REFERENCE)
    at_t = _tables(store)
    moment = datetime.now(UTC)

    items[0].disseminate("newsletter", date(2024, 12, 1), "all", PERSON)  # valid time before T
    items[1].decline("covered by LRN-2025-001", PERSON)
    actions[0].complete(date(2025, 5, 20), None, PERSON)
    actions[1].cancel("superseded", PERSON)
    store.save(*items, *actions, _learning(9, date(2024, 6, 1)))
    _ingest(store, "action-plans", 1)
    run_policies(store)
    project(store, reference_date=REFERENCE)
    return moment, at_t, items


def test_an_as_of_build_has_the_tables_as_they_were_at_that_moment(
    store: Store, tmp_path: Path
) -> None:
    moment, at_t, _ = _before_and_after(store)
    now = _tables(store)
    assert now != at_t

    out = tmp_path / "as-of.db"
    run = project(store, as_of=moment, out=str(out), reference_date=REFERENCE)
    with Store(f"sqlite:///{out}") as built:
        assert _tables(built) == at_t
        assert built.max_notification_id() == 0  # tables only: the log stays where it is
    assert {n: t["checksum"] for n, t in run.tables.items()} == {n: t[1] for n, t in at_t.items()}
    assert _tables(store) == now  # the source store is only read


def test_events_recorded_after_the_moment_are_left_out_even_when_about_earlier_days(
    store: Store, tmp_path: Path
) -> None:
    moment, _, items = _before_and_after(store)
    out = tmp_path / "as-of.db"
    project(store, as_of=moment, out=str(out), reference_date=REFERENCE)
    with Store(f"sqlite:///{out}") as built, built.read() as tx:
        register = dict(
            tx.execute(
                "SELECT reference, status FROM learning_register WHERE reference LIKE ?",
                ("LRN-2025-%",),
            ).fetchall()
        )
        actions = dict(
            tx.execute(
                "SELECT reference, status FROM action_status WHERE reference IN (?, ?)",
                ("ACT-2025-001", "ACT-2025-002"),
            ).fetchall()
        )
        dissemination = tx.execute(
            "SELECT dissemination_count FROM learning_register WHERE reference = ?",
            (items[0].reference,),
        ).fetchone()
    assert register == {f"LRN-2025-{n:03d}": "identified" for n in range(1, 6)}
    assert "LRN-2025-009" not in register  # identified after T about a day long before
    assert actions == {"ACT-2025-001": "open", "ACT-2025-002": "open"}
    assert dissemination == (0,)


def test_an_as_of_build_judges_overdue_on_its_own_day_unless_told(
    store: Store, tmp_path: Path
) -> None:
    moment, _, _ = _before_and_after(store)
    out = tmp_path / "as-of.db"
    project(store, as_of=moment, out=str(out))
    with Store(f"sqlite:///{out}") as built, built.read() as tx:
        days = {r[0] for r in tx.execute("SELECT reference_date FROM action_status").fetchall()}
    assert days == {moment.date().isoformat()}


def test_an_as_of_build_needs_somewhere_to_go(store: Store) -> None:
    with pytest.raises(ConfigError, match="--out"):
        project(store, as_of=datetime.now(UTC))


def test_lif_project_as_of_writes_the_file(store: Store, store_url: str, tmp_path: Path) -> None:
    moment, at_t, _ = _before_and_after(store)
    out = tmp_path / "cli-as-of.db"
    result = CliRunner().invoke(
        app,
        [
            "--store",
            store_url,
            "project",
            "--as-of",
            moment.isoformat().replace("+00:00", "Z"),
            "--out",
            str(out),
            "--reference-date",
            REFERENCE.isoformat(),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    with Store(f"sqlite:///{out}") as built:
        assert _tables(built) == at_t


def test_lif_project_as_of_refuses_a_time_without_a_zone(store_url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "--store",
            store_url,
            "project",
            "--as-of",
            "2025-03-31T12:00:00",
            "--out",
            str(tmp_path / "x.db"),
        ],
    )
    assert result.exit_code == 2
    assert "time zone" in result.output
