"""The projection runner: incremental equals rebuild, one transaction per run, positions, views."""

from __future__ import annotations

import contextlib
import csv
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from lif_core.domain import Action, Learning, Measure
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.ingestion.samples import bad_inputs, sample_inputs
from lif_core.plugins.host import load_plugins
from lif_core.policies import run_policies
from projections import ALL, TABLES, context_for, project, table_checksums
from projections import catalogue as catalogue_module
from projections.engine import Column, Context, Table, checksum, run_projections

REFERENCE = date(2025, 10, 1)
PERSON = "jane.smith"
CHANNELS = ("newsletter", "7-minute-briefing", "practitioner-briefing", "training")
AGENCIES = ("LCH", "LTHT", "West Yorkshire Police", "Leeds City Council Children and Families")
PERFORMANCE_HEADER = [
    "Period",
    "Area",
    "Indicator code",
    "Indicator",
    "Value",
    "Numerator",
    "Denominator",
    "Unit",
    "Polarity",
]


def table_rows(store: Store, name: str) -> list[tuple[Any, ...]]:
    """A table's rows as stored, in key order."""
    spec = TABLES[name]
    cols = ", ".join(c.name for c in spec.columns)
    with store.read() as tx:
        return tx.execute(f"SELECT {cols} FROM {name} ORDER BY {', '.join(spec.key)}").fetchall()


def snapshot(store: Store) -> dict[str, Any]:
    """Every projection table's rows and its recorded checksum (without run-dependent fields)."""
    sums = table_checksums(store)
    return {
        name: {
            "rows": table_rows(store, name),
            "checksum": sums[name]["checksum"],
            "count": sums[name]["rows"],
        }
        for name in TABLES
    }


class History:
    """A large, varied history written in phases through the domain and the ingestion pipeline.

    Each phase adds learning items, decisions on earlier items (out of valid-time order),
    actions and their progress, performance figures (new periods and revised old ones),
    a tracker export with its policy run, a file with bad rows, measures and their targets.
    """

    def __init__(self, store: Store, folder: Path, *, size: int, seed: int = 7) -> None:
        self.store = store
        self.folder = folder
        self.size = size
        self.rng = random.Random(seed)
        self.plugins = load_plugins()
        self.learning: list[Learning] = []
        self.actions: list[Action] = []
        self.measures: list[Measure] = []
        self.values: dict[tuple[str, str, int], int] = {}
        self.trackers = sample_inputs(self.plugins.get("action-plans").source)
        self.phase = 0

    def _save(self, aggregates: list[Any]) -> None:
        for start in range(0, len(aggregates), 400):
            self.store.save(*aggregates[start : start + 400])

    def _day(self) -> date:
        return date(2022, 1, 1) + timedelta(days=self.rng.randrange(0, 1400))

    def _learning(self) -> None:
        new = []
        for _ in range(self.size):
            n = len(self.learning) + 1
            item = Learning.identify(
                reference=f"LRN-{2022 + n % 4}-{n:05d}",
                title=f"Learning {n}",
                statement=f"Statement of learning {n}. Practitioners should act.",
                themes=self.rng.sample(["Neglect", "Domestic abuse", "Exploitation", "Voice"], 2),
                source_kind=self.rng.choice(["review", "audit", "inspection", "survey"]),
                identified_on=self._day(),
                actor=PERSON,
            )
            self.learning.append(item)
            new.append(item)
        fresh = {id(item) for item in new}
        touched = []
        for item in self.rng.sample(self.learning, min(len(self.learning), self.size)):
            step = self.rng.randrange(6)
            if step == 0 and item.status in ("identified", "prioritised"):
                item.prioritise(self.rng.choice(["high", "medium", "low"]), "board said so", PERSON)
            elif step == 1 and item.status in ("identified", "prioritised"):
                item.accept("fits the priorities", PERSON)
            elif step == 2 and item.status not in ("declined", "closed"):
                item.disseminate(self.rng.choice(CHANNELS), self._day(), "practitioners", PERSON)
            elif step == 3 and item.status in ("identified", "prioritised"):
                item.decline("already covered", PERSON)
            elif step == 4 and item.status != "closed":
                item.close("embedded", PERSON, override="a generated history")
            elif step == 5 and item.status == "closed":
                item.reopen("seen again in an audit", PERSON)
            else:
                continue
            if id(item) not in fresh:
                touched.append(item)
        self._save(new + touched)

    def _actions(self) -> None:
        new = []
        for _ in range(self.size):
            n = len(self.actions) + 1
            raised = self._day()
            action = Action.raise_action(
                reference=f"ACT-{raised.year}-{n:05d}",
                description=f"Action {n}",
                owner_agency=self.rng.choice(AGENCIES),
                due=raised + timedelta(days=self.rng.randrange(10, 400)),
                raised_on=raised,
                learning_reference=self.rng.choice(self.learning).reference,
                actor=PERSON,
            )
            self.actions.append(action)
            new.append(action)
        fresh = {id(action) for action in new}
        touched = []
        for action in self.rng.sample(self.actions, min(len(self.actions), self.size)):
            if action.status in ("completed", "impact-verified", "cancelled"):
                if action.status == "completed" and self.rng.random() < 0.3:
                    action.verify_impact(
                        "re-audit shows it",
                        [
                            "document:re-audit.pdf sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                        ],
                        PERSON,
                    )
                    touched.append(action)
                continue
            step = self.rng.randrange(5)
            if step == 0:
                action.progress("on track", self.rng.choice(["amber", "green", None]), PERSON)
            elif step == 1:
                action.reschedule(action.due + timedelta(days=30), "waiting on a board", PERSON)
            elif step in (2, 3):
                action.complete(
                    action.due + timedelta(days=self.rng.randrange(-20, 20)), None, PERSON
                )
            else:
                action.cancel("superseded", PERSON)
            if id(action) not in fresh:
                touched.append(action)
        self._save(new + touched)

    def _performance(self) -> None:
        """New years for every indicator, and some earlier years restated (Revised events)."""
        codes = [f"GEN-{i:03d}" for i in range(max(4, self.size // 5))]
        years = [2016 + 2 * self.phase, 2017 + 2 * self.phase]
        rows = []
        for code in codes:
            for area in ("Leeds", "England", "Statistical neighbours"):
                for year in years:
                    self.values[(code, area, year)] = self.rng.randrange(10, 500)
        restated = self.rng.sample(sorted(self.values), min(len(self.values), self.size // 4))
        for key in restated:
            self.values[key] += 1
        for code, area, year in sorted(
            {*restated, *((c, a, y) for c, a, y in self.values if y in years)}
        ):
            polarity = "higher-is-better" if int(code[-1]) % 2 else "lower-is-better"
            rows.append(
                [
                    f"{year}-{(year + 1) % 100:02d}",
                    area,
                    code,
                    f"Indicator {code}",
                    self.values[(code, area, year)],
                    "",
                    "",
                    "count",
                    polarity,
                ]
            )
        self.rng.shuffle(rows)
        path = self.folder / f"pmf-phase-{self.phase}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(PERFORMANCE_HEADER)
            writer.writerows(rows)
            writer.writerow(["2024-25", "Leeds", "bad code!", "x", "1", "", "", "count", "up"])
        result = ingest_file(self.store, self.plugins.get("performance"), path)
        assert result.status == "completed", result.message

    def _measures(self) -> None:
        if self.phase == 0:
            new = [
                Measure.define(
                    reference=f"MEA-{name.upper()}",
                    name=name,
                    category="how-well",
                    unit="%",
                    polarity="higher-is-better",
                    frequency="yearly",
                    binding={"computed": name},
                    baseline_periods=2,
                    actor=PERSON,
                )
                for name in (
                    "actions-on-time",
                    "actions-completed",
                    "learning-disseminated",
                    "learning-identified",
                )
            ]
        else:
            new = []
        for i in range(3):
            code = f"GEN-{self.phase * 3 + i:03d}"
            new.append(
                Measure.define(
                    reference=f"MEA-{code}",
                    name=f"Indicator {code}",
                    category="better-off",
                    unit="count",
                    polarity="higher-is-better" if int(code[-1]) % 2 else "lower-is-better",
                    frequency="yearly",
                    binding={
                        "source": "performance",
                        "kind": "indicator-value",
                        "match": {"indicator_code": code, "area": "Leeds"},
                        "value": "value",
                    },
                    baseline_periods=3,
                    target=Decimal(self.rng.randrange(10, 500)),
                    actor=PERSON,
                )
            )
        for measure in self.measures:
            if measure.status == "active" and self.rng.random() < 0.4:
                measure.set_target(Decimal(self.rng.randrange(10, 500)), "new plan", PERSON)
        if self.phase == 2 and self.measures:
            self.measures[-1].retire("indicator dropped", PERSON)
        self.measures.extend(new)
        self._save(self.measures)

    def _tracker_and_bad_rows(self) -> None:
        if self.phase < len(self.trackers):
            loaded = self.plugins.get("action-plans")
            assert ingest_file(self.store, loaded, self.trackers[self.phase]).ok
            run_policies(self.store)
        loaded = self.plugins.get("performance")
        for path in bad_inputs(loaded.source):
            copy = self.folder / f"phase-{self.phase}-{path.name}"
            copy.write_bytes(path.read_bytes() + f"\n# phase {self.phase}\n".encode())
            ingest_file(self.store, loaded, copy)

    def write_phase(self) -> None:
        self._learning()
        self._actions()
        self._performance()
        self._measures()
        self._tracker_and_bad_rows()
        self.phase += 1


@pytest.fixture
def reference_context() -> Context:
    return context_for(REFERENCE)


def test_projecting_in_increments_equals_a_rebuild_on_a_large_history(
    store: Store, tmp_path: Path, reference_context: Context
) -> None:
    history = History(store, tmp_path, size=700)
    runs = []
    for _ in range(4):
        history.write_phase()
        runs.append(project(store, context=reference_context))
    assert store.max_notification_id() > 10_000  # a large history, not a toy
    # every increment read only what was new since the previous one
    assert all(run.events["learning"] > 0 for run in runs)
    assert sum(run.events["catalogue"] for run in runs) == sum(
        1 for n in store.iter_notifications(topics=_topics(catalogue_module.TOPICS))
    )
    incremental = snapshot(store)
    assert incremental["learning_register"]["count"] == len(history.learning)
    assert incremental["action_status"]["count"] == len(history.actions) + 6  # + the tracker's
    assert incremental["impact_monitoring"]["count"] > 100
    assert incremental["rejections"]["count"] >= 4

    rebuilt = project(store, rebuild=True, context=reference_context)
    assert snapshot(store) == incremental
    assert {n: t["checksum"] for n, t in rebuilt.tables.items()} == {
        n: t["checksum"] for n, t in incremental.items()
    }


def _topics(types: set[str]) -> list[str]:
    from eventsourcing.utils import get_topic

    from lif_core.domain import STREAM_TYPES

    out = []
    for name in types:
        stream, event = name.split(".")
        out.append(get_topic(getattr(STREAM_TYPES[stream], event)))
    return out


def test_a_run_with_nothing_new_reads_nothing_and_changes_nothing(
    store: Store, tmp_path: Path, reference_context: Context
) -> None:
    History(store, tmp_path, size=40).write_phase()
    first = project(store, context=reference_context)
    before = snapshot(store)
    again = project(store, context=reference_context)
    assert again.events == dict.fromkeys(first.events, 0)
    assert again.position == first.position == store.max_notification_id()
    assert snapshot(store) == before


def _positions(store: Store) -> dict[str, int]:
    with store.read() as tx:
        rows = tx.execute(
            "SELECT name, position FROM lif_tracking WHERE name LIKE ?", ("projection:%",)
        ).fetchall()
    return {name: int(position) for name, position in rows}


def _state(store: Store) -> list[tuple[Any, ...]]:
    with store.read() as tx:
        return tx.execute(
            "SELECT projection, entity, state FROM lif_projection_state ORDER BY projection, entity"
        ).fetchall()


def test_positions_are_tracked_per_projection_at_the_end_of_the_log(
    store: Store, tmp_path: Path, reference_context: Context
) -> None:
    History(store, tmp_path, size=30).write_phase()
    run = project(store, context=reference_context)
    assert _positions(store) == {f"projection:{m.NAME}": run.position for m in ALL}
    assert run.position == store.max_notification_id()


def test_a_crash_while_rendering_leaves_tables_positions_and_state_as_they_were(
    store: Store, tmp_path: Path, reference_context: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = History(store, tmp_path, size=60)
    history.write_phase()
    project(store, context=reference_context)
    tables, positions, state = snapshot(store), _positions(store), _state(store)
    history.write_phase()

    def boom(states: Any, context: Any) -> list[dict[str, Any]]:
        raise RuntimeError("the machine lost power while rendering")

    # the last table rendered fails, after every other write of the run was made
    broken = [*catalogue_module.TABLES[:-1], replace(catalogue_module.TABLES[-1], render=boom)]
    monkeypatch.setattr(catalogue_module, "TABLES", broken)
    with pytest.raises(RuntimeError, match="lost power"):
        project(store, context=reference_context)
    assert snapshot(store) == tables
    assert _positions(store) == positions
    assert _state(store) == state

    monkeypatch.undo()
    project(store, context=reference_context)
    caught_up = snapshot(store)
    project(store, rebuild=True, context=reference_context)
    assert snapshot(store) == caught_up
    assert caught_up != tables


def test_tables_are_rendered_before_the_write_transaction_opens(
    store: Store, tmp_path: Path, reference_context: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL ends a session left idle in a transaction for 5 s, and rendering the tables
    of a log of millions takes longer: a projection of 5 million events failed so. Nothing that
    grows with the log may run while the write transaction is open."""
    History(store, tmp_path, size=60).write_phase()
    open_now = [0]
    seen: list[int] = []
    original = Store.transaction

    @contextlib.contextmanager
    def counted(self: Store, *args: Any, **kwargs: Any) -> Iterator[Any]:
        with original(self, *args, **kwargs) as tx:
            open_now[0] += 1
            try:
                yield tx
            finally:
                open_now[0] -= 1

    def watched(render: Any) -> Any:
        def run(states: Any, context: Any) -> list[dict[str, Any]]:
            seen.append(open_now[0])
            return render(states, context)  # type: ignore[no-any-return]

        return run

    monkeypatch.setattr(Store, "transaction", counted)
    monkeypatch.setattr(
        catalogue_module,
        "TABLES",
        [replace(t, render=watched(t.render)) for t in catalogue_module.TABLES],
    )
    run = project(store, context=reference_context)
    assert len(seen) == len(catalogue_module.TABLES)
    assert seen == [0] * len(seen), "a table was rendered inside the write transaction"
    assert run.tables["source_catalogue"]["rows"] > 0


def test_a_projection_behind_the_others_catches_up_from_its_own_position(
    store: Store, tmp_path: Path, reference_context: Context
) -> None:
    from projections import action_status, learning_register

    history = History(store, tmp_path, size=50)
    history.write_phase()
    first = run_projections(store, [action_status], reference_context)
    history.write_phase()
    run = project(store, context=reference_context)
    learning_events = sum(
        1 for n in store.iter_notifications(topics=_topics(learning_register.TOPICS))
    )
    action_events = sum(1 for n in store.iter_notifications(topics=_topics(action_status.TOPICS)))
    assert run.events["learning"] == learning_events  # from event one
    assert run.events["actions"] == action_events - first.events["actions"]  # only what is new
    caught_up = snapshot(store)
    project(store, rebuild=True, context=reference_context)
    assert snapshot(store) == caught_up


def test_the_recorded_checksum_is_the_checksum_of_the_stored_rows(
    store: Store, tmp_path: Path, reference_context: Context
) -> None:
    History(store, tmp_path, size=40).write_phase()
    run = project(store, context=reference_context)
    sums = table_checksums(store)
    for name, spec in TABLES.items():
        names = [c.name for c in spec.columns]
        rows = [dict(zip(names, r, strict=True)) for r in table_rows(store, name)]
        assert checksum(rows, spec) == sums[name]["checksum"] == run.tables[name]["checksum"]
        assert sums[name]["rows"] == len(rows)
        assert sums[name]["reference_date"] == REFERENCE.isoformat()
        assert sums[name]["position"] == run.position


def _columns(tx: Any) -> list[str]:
    """The column names of the last query (the SQLite cursor is wrapped by the library)."""
    cursor = getattr(tx.cursor, "sqlite_cursor", tx.cursor)
    return [d[0] for d in cursor.description]


def test_every_table_has_a_stable_view_per_column_version(
    store: Store, tmp_path: Path, reference_context: Context
) -> None:
    History(store, tmp_path, size=20).write_phase()
    project(store, context=reference_context)
    for name, spec in TABLES.items():
        with store.read() as tx:
            view = tx.execute(f"SELECT * FROM {name}_v1")
            names = _columns(view)
            count = len(view.fetchall())
        assert names == [c.name for c in spec.columns if c.since <= 1]
        assert count == len(table_rows(store, name))


def test_a_column_added_in_version_2_stays_out_of_the_version_1_view(store: Store) -> None:
    def render(states: dict[str, Any], context: Context) -> list[dict[str, Any]]:
        return [{"key": k, "old": v["n"], "new": v["n"] * 2} for k, v in states["toy"].items()]

    def apply(state: dict[str, Any], event: Any) -> set[str]:
        state[event.stream_id] = {"n": event.version}
        return {event.stream_id}

    toy = SimpleNamespace(
        NAME="toy",
        TOPICS={"Learning.Identified"},
        apply=apply,
        TABLES=[
            Table(
                name="toy_table",
                description="A table that grew a column.",
                key=("key",),
                render=render,
                columns=(
                    Column("key", "TEXT", "The key."),
                    Column("old", "INTEGER", "Since the start."),
                    Column("new", "INTEGER", "Added later.", since=2),
                ),
            )
        ],
    )
    store.save(
        Learning.identify(
            reference="LRN-2025-001",
            title="t",
            statement="s",
            themes=[],
            source_kind="audit",
            identified_on=REFERENCE,
            actor=PERSON,
        )
    )
    run_projections(store, [toy], Context(reference_date=REFERENCE))  # type: ignore[list-item]
    with store.read() as tx:
        v1 = tx.execute("SELECT * FROM toy_table_v1")
        assert _columns(v1) == ["key", "old"]
        assert len(v1.fetchall()) == 1
        v2 = tx.execute("SELECT * FROM toy_table_v2")
        assert _columns(v2) == ["key", "old", "new"]
        assert [r[1:] for r in v2.fetchall()] == [(1, 2)]


def test_a_runner_overtaken_by_another_starts_again_from_its_position(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runners side by side: the one that commits second must not apply events twice."""
    from projections import engine

    loaded = load_plugins().get("action-plans")
    first, second, third = sample_inputs(loaded.source)[:3]
    ctx = context_for(REFERENCE)
    assert ingest_file(store, loaded, first).ok
    project(store, context=ctx)
    assert ingest_file(store, loaded, second).ok
    real = engine.events_of
    starts: list[int] = []

    def racing(*args: Any, **kwargs: Any) -> Any:
        starts.append(int(args[1]))
        if len(starts) == 1:
            # While this runner reads from its position, another one ingests a third export and
            # projects it all, committing first.
            assert ingest_file(store, loaded, third).ok
            run_projections(store, ALL, ctx)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "events_of", racing)
    run = run_projections(store, ALL, ctx)
    monkeypatch.setattr(engine, "events_of", real)
    head = store.max_notification_id()
    # Three reads: the overtaken runner's, the other runner's, and the overtaken one's again
    # from where the other stopped (the log's head: nothing left for it to do).
    assert len(starts) == 3 and starts[2] == head + 1
    assert run.position == head
    incremental = snapshot(store)
    project(store, rebuild=True, context=ctx)
    assert snapshot(store) == incremental


def test_kept_attributes_are_equal_to_the_records_and_share_repeated_names_and_text() -> None:
    from projections.engine import kept_attributes

    # Two records decoded apart: equal text, but separate string objects (built at run time).
    first = {"".join(["ar", "ea"]): "".join(["Le", "eds"]), "value": 87.6, "note": None}
    second = {"".join(["ar", "ea"]): "".join(["Le", "eds"]), "value": 75.5, "note": None}
    assert next(iter(first)) is not next(iter(second))
    kept_first, kept_second = kept_attributes(first), kept_attributes(second)
    assert kept_first == {"area": "Leeds", "value": 87.6, "note": None}
    assert kept_second == {"area": "Leeds", "value": 75.5, "note": None}
    # The field name and the repeated text value are now one object each, held by both.
    assert next(iter(kept_first)) is next(iter(kept_second))
    assert kept_first["area"] is kept_second["area"]


def test_states_loaded_apart_are_equal_to_what_was_stored_and_share_their_field_names() -> None:
    from datetime import date

    from projections.engine import _state_codec_dump, _state_codec_load

    one = {"source": "performance", "valid_from": date(2021, 4, 1), "rules": [{"rule": "r1"}]}
    two = {"source": "performance", "valid_from": date(2021, 5, 1), "rules": [{"rule": "r2"}]}
    loaded_one = _state_codec_load(_state_codec_dump(one))
    loaded_two = _state_codec_load(_state_codec_dump(two))
    assert loaded_one == one
    assert loaded_two == two
    # Decoded from two texts, yet each name is one object, at the top and in nested dicts.
    assert next(iter(loaded_one)) is next(iter(loaded_two))
    assert next(iter(loaded_one["rules"][0])) is next(iter(loaded_two["rules"][0]))
