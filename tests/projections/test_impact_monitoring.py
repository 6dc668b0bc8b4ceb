"""Impact monitoring: bound and computed measures, baseline forecast, curve turned, RAG."""

from __future__ import annotations

import csv
import json
import random
import statistics
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from read_tables import written
from typer.testing import CliRunner

from ingestors.performance import SOURCE as PERFORMANCE
from lif_app.cli.app import app
from lif_core.domain import Action, Learning, Measure, SourceRecord
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.ingestion.samples import sample_inputs
from lif_core.plugins.host import load_plugins
from projections import project

PERSON = "jane.smith"
TODAY = date(2025, 10, 1)
KIND = PERFORMANCE.kinds[0].name  # the record kind measures bind to
YEARS = ["2018-19", "2019-20", "2020-21", "2021-22", "2022-23", "2023-24", "2024-25"]
UP = [50, 52, 54, 57, 57, 61, 55]  # higher is better; baseline 50, 52, 54 -> +2 a year
DOWN = [30, 29.5, 28, 26, 27]  # lower is better, first five years
HEADER = ["Period", "Area", "Indicator code", "Indicator", "Value", "Unit", "Polarity"]


def _figures(year: str) -> list[list[Any]]:
    i = YEARS.index(year)
    rows = [
        [year, "Leeds", "TEST-UP", "Up is good", UP[i], "count", "higher-is-better"],
        [year, "England", "TEST-UP", "Up is good", UP[i] - 10, "count", "higher-is-better"],
    ]
    if i < len(DOWN):
        rows.append([year, "Leeds", "TEST-DOWN", "Down is good", DOWN[i], "%", "lower-is-better"])
    return rows


def _write(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _ingest(store: Store, paths: list[Path]) -> None:
    loaded = load_plugins().get("performance")
    for path in paths:
        assert ingest_file(store, loaded, path).status == "completed"


def _files(folder: Path) -> list[Path]:
    """One file a year, as the figures were published, plus a quarter that is not a year."""
    paths = [_write(folder / f"pmf-{year}.csv", _figures(year)) for year in YEARS]
    quarter = [["2024-Q3", "Leeds", "TEST-UP", "Up is good", 99, "count", "higher-is-better"]]
    return [*paths, _write(folder / "pmf-2024-q3.csv", quarter)]


def _define(store_url: str, *args: str) -> None:
    result = CliRunner().invoke(app, ["--store", store_url, "measure", "define", *args])
    assert result.exit_code == 0, result.output


def _up_and_down(store_url: str) -> None:
    _define(
        store_url,
        *("--ref", "MEA-UP", "--name", "Up is good", "--category", "how-well"),
        *("--source", "performance", "--kind", KIND),
        *("--match", "indicator_code=TEST-UP", "--match", "area=Leeds", "--value", "value"),
        *("--unit", "count", "--polarity", "higher-is-better", "--baseline-periods", "3"),
        *("--target", "60", "--result", "Children are safe"),
    )
    _define(
        store_url,
        *("--ref", "MEA-DOWN", "--name", "Down is good", "--category", "better-off"),
        *("--source", "performance", "--kind", KIND),
        *("--match", "indicator_code=TEST-DOWN", "--match", "area=Leeds"),
        *("--unit", "%", "--polarity", "lower-is-better", "--baseline-periods", "3"),
        *(
            "--target",
            "27",
        ),
    )


def _impact(store: Store, measure: str | None = None) -> list[dict[str, Any]]:
    with store.read() as tx:
        query = tx.execute("SELECT * FROM impact_monitoring ORDER BY measure, period_start")
        cursor = getattr(query.cursor, "sqlite_cursor", query.cursor)
        names = [d[0] for d in cursor.description]
        rows = [written("impact_monitoring", names, r) for r in query.fetchall()]
    return [r for r in rows if measure is None or r["measure"] == measure]


def _forecast(values: list[float], baseline: int, count: int) -> list[float]:
    """The oracle: statistics' least-squares line through the baseline, extended."""
    fit = statistics.linear_regression(list(range(baseline)), values[:baseline])
    return [fit.intercept + fit.slope * i for i in range(count)]


def test_a_bound_measure_has_one_row_per_period_with_the_least_squares_forecast(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    _ingest(store, _files(tmp_path))
    _up_and_down(store_url)
    project(store, reference_date=TODAY)
    rows = _impact(store, "MEA-UP")
    assert [r["period_start"] for r in rows] == [f"{y[:4]}-04-01" for y in YEARS]
    assert [r["period_end"] for r in rows] == [f"{int(y[:4]) + 1}-03-31" for y in YEARS]
    assert [r["period_index"] for r in rows] == list(range(7))
    assert [r["value"] for r in rows] == [float(v) for v in UP]  # England and the quarter left out
    assert [r["baseline"] for r in rows] == [1, 1, 1, 0, 0, 0, 0]
    assert [r["forecast"] for r in rows] == pytest.approx(_forecast(UP, 3, 7), abs=1e-4)
    first = rows[0]
    assert (first["name"], first["category"], first["result"], first["unit"]) == (
        "Up is good",
        "how-well",
        "Children are safe",
        "count",
    )
    record = SourceRecord.record_id("performance", KIND, "TEST-UP/leeds/2018-19")
    assert json.loads(first["source_records"]) == [str(record)]
    assert first["measure_stream_id"] == str(Measure.stream_id("MEA-UP"))


def test_the_curve_turns_in_the_good_direction_for_either_polarity(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    _ingest(store, _files(tmp_path))
    _up_and_down(store_url)
    project(store, reference_date=TODAY)
    up = _impact(store, "MEA-UP")
    # forecast 56, 58, 60, 62 after the baseline
    assert [r["curve_turned"] for r in up] == [None, None, None, 1, 0, 1, 0]
    down = _impact(store, "MEA-DOWN")
    assert [r["forecast"] for r in down] == pytest.approx(_forecast(DOWN, 3, 5), abs=1e-4)
    # forecast 27.17 then 26.17: 26 is below (better), 27 is above (worse)
    assert [r["curve_turned"] for r in down] == [None, None, None, 1, 0]


def test_rag_is_judged_against_the_target_for_either_polarity(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    _ingest(store, _files(tmp_path))
    _up_and_down(store_url)
    project(store, reference_date=TODAY)
    # higher is better, target 60: green at or above, amber within 10% below, red under
    assert [r["rag"] for r in _impact(store, "MEA-UP")] == [
        "red",
        "red",
        "amber",
        "amber",
        "amber",
        "green",
        "amber",
    ]
    # lower is better, target 27: green at or below, amber within 10% above, red over
    assert [r["rag"] for r in _impact(store, "MEA-DOWN")] == [
        "red",
        "amber",
        "amber",
        "green",
        "green",
    ]
    assert {r["target"] for r in _impact(store, "MEA-DOWN")} == {27.0}


def test_a_new_target_and_retirement_show_on_the_next_run(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    _ingest(store, _files(tmp_path))
    _up_and_down(store_url)
    project(store, reference_date=TODAY)
    measure = store.get(Measure, Measure.stream_id("MEA-UP"))
    measure.set_target(Decimal("50"), "the plan was too ambitious", PERSON)
    measure.retire("replaced by a national indicator", PERSON)
    store.save(measure)
    project(store, reference_date=TODAY)
    rows = _impact(store, "MEA-UP")
    assert {r["target"] for r in rows} == {50.0}
    assert {r["rag"] for r in rows} == {"green"}
    assert {r["measure_status"] for r in rows} == {"retired"}


def test_a_figure_restated_later_replaces_the_value(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    _ingest(store, _files(tmp_path))
    _up_and_down(store_url)
    project(store, reference_date=TODAY)
    restated = [["2019-20", "Leeds", "TEST-UP", "Up is good", 51, "count", "higher-is-better"]]
    _ingest(store, [_write(tmp_path / "pmf-restated.csv", restated)])
    project(store, reference_date=TODAY)
    rows = _impact(store, "MEA-UP")
    assert rows[1]["value"] == 51.0
    assert [r["forecast"] for r in rows] == pytest.approx(_forecast([50, 51, 54], 3, 7), abs=1e-4)


def test_ingesting_the_figures_in_any_order_gives_the_same_impact_monitoring(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    (tmp_path / "files").mkdir()
    files = _files(tmp_path / "files")
    shuffled = files[:]
    random.Random(2025).shuffle(shuffled)
    assert shuffled != files
    _up_and_down(store_url)
    _ingest(store, shuffled)
    project(store, reference_date=TODAY)

    with Store(f"sqlite:///{tmp_path / 'in-order.db'}") as in_order:
        _up_and_down(f"sqlite:///{tmp_path / 'in-order.db'}")
        _ingest(in_order, files)
        run = project(in_order, reference_date=TODAY)
        expected = _impact(in_order)
    assert len(expected) == 7 + 5
    assert _impact(store) == expected
    with store.read() as tx:
        stored = tx.execute(
            "SELECT checksum FROM lif_projection_tables WHERE name = 'impact_monitoring'"
        ).fetchone()
    assert stored == (run.tables["impact_monitoring"]["checksum"],)


def test_the_shipped_performance_sample_feeds_a_measure_defined_as_documented(
    store: Store, store_url: str
) -> None:
    loaded = load_plugins().get("performance")
    _ingest(store, sample_inputs(loaded.source))
    _define(
        store_url,
        *("--ref", "MEA-ICPC-15WD", "--name", "ICPC within 15 working days"),
        *("--category", "how-well", "--source", "performance", "--kind", KIND),
        *("--match", "indicator_code=ICPC-15WD", "--match", "area=Leeds", "--value", "value"),
        *("--unit", "%", "--polarity", "higher-is-better", "--baseline-periods", "3"),
    )
    _define(
        store_url,
        *("--ref", "MEA-ICPC-15WD-M", "--name", "ICPC within 15 working days, monthly"),
        *("--category", "how-well", "--source", "performance", "--kind", KIND),
        *("--match", "indicator_code=ICPC-15WD", "--match", "area=Leeds"),
        *("--unit", "%", "--polarity", "higher-is-better", "--baseline-periods", "2"),
        *("--frequency", "monthly"),
    )
    project(store, reference_date=TODAY)
    yearly = _impact(store, "MEA-ICPC-15WD")
    assert [(r["period_start"], r["value"]) for r in yearly] == [
        ("2022-04-01", 85.3),
        ("2023-04-01", 87.3),
        ("2024-04-01", 86.5),
    ]
    assert [(r["numerator"], r["denominator"]) for r in yearly] == [
        (1012.0, 1187.0),
        (1043.0, 1195.0),
        (1071.0, 1238.0),
    ]
    assert [r["forecast"] for r in yearly] == pytest.approx(
        _forecast([85.3, 87.3, 86.5], 3, 3), abs=1e-4
    )
    monthly = _impact(store, "MEA-ICPC-15WD-M")
    assert [r["value"] for r in monthly] == [83.2, 85.4, 87.7]
    # baseline 83.2 -> 85.4 forecasts 87.6 for June; 87.7 is above it
    assert [r["curve_turned"] for r in monthly] == [None, None, 1]


def _action(n: int, due: date, done: date | None = None, cancel: bool = False) -> Action:
    action = Action.raise_action(
        reference=f"ACT-2024-{n:03d}",
        description="Do it",
        owner_agency="LCH",
        due=due,
        raised_on=date(2024, 1, 2),
        actor=PERSON,
    )
    if done is not None:
        action.complete(done, None, PERSON)
    if cancel:
        action.cancel("superseded", PERSON)
    return action


def _computed(store: Store, name: str) -> None:
    store.save(
        Measure.define(
            reference=f"MEA-{name.upper()}",
            name=name,
            category="how-well",
            unit="%" if name == "actions-on-time" else "count",
            polarity="higher-is-better",
            frequency="yearly",
            binding={"computed": name},
            baseline_periods=2,
            actor=PERSON,
        )
    )


@pytest.fixture
def computed(store: Store) -> Store:
    store.save(
        _action(1, date(2024, 3, 1), done=date(2024, 2, 20)),  # on time
        _action(2, date(2024, 6, 1), done=date(2024, 7, 1)),  # late
        _action(3, date(2024, 9, 1)),  # never done: late once due
        _action(4, date(2025, 2, 1), done=date(2025, 1, 15)),  # on time
        _action(5, date(2025, 12, 31)),  # not yet due
        _action(6, date(2024, 5, 1), cancel=True),  # cancelled: not counted
    )
    items = []
    for n, (identified, shared) in enumerate(
        [(date(2024, 3, 1), date(2024, 4, 1)), (date(2024, 11, 1), date(2025, 1, 5))], start=1
    ):
        item = Learning.identify(
            reference=f"LRN-2024-{n:03d}",
            title="t",
            statement="s",
            themes=[],
            source_kind="audit",
            identified_on=identified,
            actor=PERSON,
        )
        item.disseminate("newsletter", shared, None, PERSON)
        item.disseminate("training", shared, None, PERSON)
        items.append(item)
    store.save(*items)
    for name in (
        "actions-on-time",
        "actions-completed",
        "learning-identified",
        "learning-disseminated",
    ):
        _computed(store, name)
    return store


def _by_year(store: Store, measure: str) -> dict[int, tuple[Any, ...]]:
    return {
        int(r["period_start"][:4]): (r["value"], r["numerator"], r["denominator"])
        for r in _impact(store, measure)
    }


def test_computed_measures_count_actions_and_learning_per_year(computed: Store) -> None:
    project(computed, reference_date=TODAY)
    assert _by_year(computed, "MEA-ACTIONS-ON-TIME") == {
        2024: (33.3, 1.0, 3.0),
        2025: (100.0, 1.0, 1.0),
    }
    assert _by_year(computed, "MEA-ACTIONS-COMPLETED") == {
        2024: (2.0, 2.0, None),
        2025: (1.0, 1.0, None),
    }
    assert _by_year(computed, "MEA-LEARNING-IDENTIFIED") == {2024: (2.0, 2.0, None)}
    assert _by_year(computed, "MEA-LEARNING-DISSEMINATED") == {
        2024: (2.0, 2.0, None),
        2025: (2.0, 2.0, None),
    }
    rows = _impact(computed, "MEA-ACTIONS-ON-TIME")
    assert [(r["period_start"], r["period_end"]) for r in rows] == [
        ("2024-01-01", "2024-12-31"),
        ("2025-01-01", "2025-12-31"),
    ]
    assert {r["source_records"] for r in rows} == {"[]"}


def test_actions_on_time_counts_only_actions_due_by_the_reference_date(computed: Store) -> None:
    project(computed, rebuild=True, reference_date=date(2024, 8, 1))
    # ACT-2024-003 (due 1 September) is not yet due on 1 August
    assert _by_year(computed, "MEA-ACTIONS-ON-TIME")[2024] == (50.0, 1.0, 2.0)
