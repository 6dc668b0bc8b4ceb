"""Measures that add up: totals rows, several records a period, refusals that list what exists.

Every expected figure below is worked out by hand from the input files (the arithmetic is in the
comments), not by the code under test.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from read_tables import written_tuple
from typer.testing import CliRunner

from lif_app.cli.app import app
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.ingestion.samples import sample_inputs
from lif_core.plugins.host import load_plugins
from lif_core.policies import run_policies
from projections import project

TODAY = date(2026, 1, 31)
TRAINING_HEADER = [
    "Period",
    "Course",
    "Delivered by",
    "Theme",
    "Sessions",
    "Places",
    "Attendance",
    "Evaluations returned",
    "Evaluation score",
    "Practice themes",
]
# Several courses a quarter. Attendance per quarter:
#   2024-Q3: 40 + 30 + 22 = 92;  2024-Q4: 25 + 12 = 37;  2025-Q1: 40.
# Evaluation score, weighted by evaluations returned:
#   2024-Q3: (4.0 x 20 + 5.0 x 10 + 3.0 x 10) / (20 + 10 + 10) = 160 / 40 = 4.00
#   2024-Q4: (4.6 x 20 + 3.4 x 5) / (20 + 5) = (92 + 17) / 25 = 109 / 25 = 4.36
#   2025-Q1: 4.2 x 30 / 30 = 4.20
TRAINING = [
    ["2024-Q3", "Neglect toolkit", "LSCP", "Neglect", 2, 50, 40, 20, 4.0, ""],
    ["2024-Q3", "Was not brought", "LCH", "Neglect", 1, 30, 30, 10, 5.0, ""],
    ["2024-Q3", "Think family", "LYPFT", "Think family", 1, 30, 22, 10, 3.0, ""],
    ["2024-Q4", "Neglect toolkit", "LSCP", "Neglect", 1, 30, 25, 20, 4.6, ""],
    ["2024-Q4", "Exploitation", "LCC", "Exploitation", 1, 20, 12, 5, 3.4, ""],
    ["2025-Q1", "Neglect toolkit", "LSCP", "Neglect", 2, 50, 40, 30, 4.2, ""],
]


def _lif(store_url: str, *args: str) -> Any:
    return CliRunner().invoke(app, ["--store", store_url, *args])


def _define(store_url: str, *args: str) -> None:
    result = _lif(store_url, "measure", "define", "--category", "how-much", *args)
    assert result.exit_code == 0, result.output + result.stderr


def _ingest(store: Store, source: str, paths: list[Path]) -> None:
    loaded = load_plugins().get(source)
    for path in paths:
        result = ingest_file(store, loaded, path)
        assert (result.status, result.counts["rejected"]) == ("completed", 0), result.message


def _values(store: Store, measure: str) -> dict[str, tuple[Any, ...]]:
    with store.read() as tx:
        rows = tx.execute(
            "SELECT period_start, value, numerator, denominator, unknown, aggregate "
            "FROM impact_monitoring WHERE measure = ? ORDER BY period_start",
            (measure,),
        ).fetchall()
    names = ["period_start", "value", "numerator", "denominator", "unknown", "aggregate"]
    written_rows = [written_tuple("impact_monitoring", names, r) for r in rows]
    return {r[0]: tuple(r[1:]) for r in written_rows}


@pytest.fixture
def lado(store: Store, store_url: str) -> Store:
    _ingest(store, "lado", sample_inputs(load_plugins().get("lado").source))
    _define(
        store_url,
        *("--ref", "MEA-LADO-SUBSTANTIATED", "--source", "lado"),
        *("--match", "metric_code=LADO-OUTCOME", "--match", "outcome=Substantiated"),
    )
    _define(
        store_url,
        *("--ref", "MEA-LADO-SUBSTANTIATED-EDUCATION", "--source", "lado"),
        *("--match", "metric_code=LADO-OUTCOME", "--match", "outcome=Substantiated"),
        *("--match", "employment_sector=Education"),
    )
    project(store, reference_date=TODAY)
    return store


def test_lado_substantiated_allegations_are_the_all_sector_row_not_a_sector_nor_their_sum(
    lado: Store,
) -> None:
    # lado-annual-report.csv, 2024-25, LADO-OUTCOME, Substantiated: the all-sector row says 104;
    # the Education row says 39. Keeping one row by chance gave 39; adding both gives 143.
    # 2023-24 states only the outcome 'All' (361): no substantiated figure, so no period.
    assert _values(lado, "MEA-LADO-SUBSTANTIATED") == {
        "2024-04-01": (104.0, None, None, None, "sum")
    }


def test_a_sector_s_own_figure_is_its_row(lado: Store) -> None:
    # the same file, 2024-25, Education, Substantiated: 39
    assert _values(lado, "MEA-LADO-SUBSTANTIATED-EDUCATION") == {
        "2024-04-01": (39.0, None, None, None, "sum")
    }


def test_preview_shows_the_rows_used_and_those_left_out(lado: Store, store_url: str) -> None:
    result = _lif(store_url, "measure", "preview", "MEA-LADO-SUBSTANTIATED", "--json")
    assert result.exit_code == 0, result.stderr
    (period,) = json.loads(result.stdout)
    assert (period["start"], period["value"], period["aggregate"]) == ("2024-04-01", "104", "sum")
    assert [(r["key"], r["value"]) for r in period["used"]] == [
        ("2024-25|LADO-OUTCOME|outcome=Substantiated", 104)
    ]
    assert [(r["key"], r["value"]) for r in period["left_out"]] == [
        ("2024-25|LADO-OUTCOME|employment_sector=Education|outcome=Substantiated", 39)
    ]
    assert "employment_sector" in period["why"][0]
    text = _lif(store_url, "measure", "preview", "MEA-LADO-SUBSTANTIATED")
    assert "left out" in text.stdout and "39" in text.stdout


def _training(folder: Path) -> Path:
    path = folder / "training-2024-25.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(TRAINING_HEADER)
        writer.writerows(TRAINING)
    return path


def test_a_quarterly_attendance_measure_adds_up_every_course_of_the_quarter(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    _ingest(store, "learning-development", [_training(tmp_path)])
    common = ("--source", "learning-development", "--frequency", "quarterly")
    _define(store_url, "--ref", "MEA-ATTENDANCE", *common, "--value", "attendance")
    _define(
        store_url,
        *("--ref", "MEA-EVALUATION", *common, "--value", "evaluation_score", "--unit", "score"),
    )
    _define(
        store_url,
        *("--ref", "MEA-NEGLECT-LATEST", *common, "--value", "attendance"),
        *("--match", "theme=Neglect", "--aggregate", "latest"),
    )
    project(store, reference_date=TODAY)
    attendance = _values(store, "MEA-ATTENDANCE")
    assert {k: v[0] for k, v in attendance.items()} == {
        "2024-07-01": 92.0,
        "2024-10-01": 37.0,
        "2025-01-01": 40.0,
    }
    assert {v[-1] for v in attendance.values()} == {"sum"}
    score = _values(store, "MEA-EVALUATION")
    assert {k: (v[0], v[-1]) for k, v in score.items()} == {
        "2024-07-01": (4.0, "mean"),
        "2024-10-01": (4.36, "mean"),
        "2025-01-01": (4.2, "mean"),
    }
    # Neglect courses, the one recorded last in each quarter: Q3 'Was not brought' (30, after
    # 'Neglect toolkit' 40 in file order), Q4 'Neglect toolkit' (25), Q1 'Neglect toolkit' (40)
    latest = _values(store, "MEA-NEGLECT-LATEST")
    assert {k: v[0] for k, v in latest.items()} == {
        "2024-07-01": 30.0,
        "2024-10-01": 25.0,
        "2025-01-01": 40.0,
    }


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--source", "no-such-source"), ["no source 'no-such-source'", "lado", "performance"]),
        (("--source", "action-plans"), ["declares no figures", "learning-development"]),
        (("--source", "lado", "--kind", "nope"), ["no kind 'nope'", "it has: metric"]),
        (
            ("--source", "learning-development", "--value", "nope"),
            ["no measurable field 'nope'", "attendance", "evaluation_score"],
        ),
        (
            ("--source", "lado", "--match", "metric_code=LADO-REF", "--match", "sector=Police"),
            ["no field 'sector'", "employment_sector"],
        ),
        (("--source", "lado", "--match", "outcome=Substantiated"), ["--match metric_code="]),
        (
            ("--source", "learning-development", "--value", "attendance", "--aggregate", "median"),
            ["sum, mean, latest, ratio", "'median'"],
        ),
    ],
)
def test_measure_define_refuses_what_does_not_exist_and_lists_what_does(
    store: Store, store_url: str, args: tuple[str, ...], says: list[str]
) -> None:
    result = _lif(store_url, "measure", "define", "--ref", "MEA-X", "--category", "how-much", *args)
    assert result.exit_code == 2, result.stdout
    for words in says:
        assert words in result.stderr
    assert not store.exists(
        __import__("lif_core.domain", fromlist=["Measure"]).Measure.stream_id("MEA-X")
    )


def test_on_time_over_the_shipped_tracker_judges_each_action_by_the_tracker_s_own_dates(
    store: Store, store_url: str
) -> None:
    _ingest(store, "action-plans", sample_inputs(load_plugins().get("action-plans").source))
    run_policies(store)
    _define(
        store_url,
        *("--ref", "MEA-ON-TIME", "--computed", "actions-on-time", "--unit", "%"),
    )
    project(store, reference_date=TODAY)
    # AP-CSPR-2024-02, exports of 31/03 (no 'Date completed' column), 30/06 and 30/09/2025:
    #   action  due (last stated)      completed, as the tracker states it      judged
    #   031     30/09 (moved in June)  19/09 ('Date completed', 30/09 export)    on time
    #   032     30/04                  15/04 ('Date completed', 30/06 export)    on time
    #   033     31/05                  04/08 ('Date completed', 30/09 export)    late
    #   034     31/03                  no day ("completed in March"); complete in
    #                                  the first export: by 31/03 <= 31/03        on time
    #   035     30/09                  never complete; open past due on 31/01/2026: late
    #   036     30/04                  no day ("delivered in April"); open on 31/03,
    #                                  complete on 30/06: between, straddles due  unknown
    # 2025 (every due date is in 2025): on time 3 (031, 032, 034) of the 5 judged
    # (031, 032, 033, 034, 035) = 60.0 %, 1 unknown (036).
    # (Completion by export date alone gave 2 of 4 judged, 2 unknown.)
    assert _values(store, "MEA-ON-TIME") == {"2025-01-01": (60.0, 3.0, 5.0, 1, None)}
    with store.read() as tx:
        judged = dict(
            tx.execute("SELECT reference, completed_on_time FROM action_status").fetchall()
        )
    assert {k: None if v is None else bool(v) for k, v in judged.items()} == {
        "ACT-2025-031": True,
        "ACT-2025-032": True,
        "ACT-2025-033": False,
        "ACT-2025-034": True,
        "ACT-2025-035": None,  # not completed: action_status judges completions only
        "ACT-2025-036": None,
    }


def test_a_past_date_view_shows_overdue_what_the_tracker_showed_red_then(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    first, second, third = sample_inputs(load_plugins().get("action-plans").source)
    _define(
        store_url,
        *("--ref", "MEA-ON-TIME", "--computed", "actions-on-time", "--unit", "%"),
    )
    moments = []
    for path in (first, second):
        _ingest(store, "action-plans", [path])
        run_policies(store)
        moments.append(datetime.now(UTC))
    _ingest(store, "action-plans", [third])
    run_policies(store)

    def view(moment: datetime, day: date) -> tuple[dict[str, Any], dict[str, tuple[Any, ...]]]:
        out = tmp_path / f"as-of-{day.isoformat()}.db"
        project(store, as_of=moment, out=str(out), reference_date=day)
        with Store(f"sqlite:///{out}") as built:
            with built.read() as tx:
                rows = tx.execute(
                    "SELECT reference, rag, overdue FROM action_status ORDER BY reference"
                ).fetchall()
            return {r[0]: (r[1], bool(r[2])) for r in rows}, _values(built, "MEA-ON-TIME")

    # The RAG column of each export, read off the CSV by hand; only 033 was Red (30/06).
    rags, on_time = view(moments[0], date(2025, 3, 31))
    assert rags == {
        "ACT-2025-031": ("amber", False),
        "ACT-2025-032": ("amber", False),
        "ACT-2025-033": ("amber", False),
        "ACT-2025-034": ("green", False),
        "ACT-2025-035": ("amber", False),
        "ACT-2025-036": ("amber", False),
    }
    # due by 31/03/2025: only 034 (complete in that export, by 31/03): 1 of 1 = 100.0 %
    assert on_time == {"2025-01-01": (100.0, 1.0, 1.0, 0, None)}

    rags, on_time = view(moments[1], date(2025, 6, 30))
    assert rags == {
        "ACT-2025-031": ("amber", False),  # moved to 30/09 at the May subgroup
        "ACT-2025-032": ("green", False),
        "ACT-2025-033": ("red", True),  # the tracker's Red: due 31/05, in progress
        "ACT-2025-034": ("blue", False),  # re-audit: impact
        "ACT-2025-035": ("amber", False),
        "ACT-2025-036": ("green", False),
    }
    # due by 30/06/2025: 032 on time (15/04 <= 30/04), 033 late (open past 31/05),
    # 034 on time (by 31/03), 036 unknown (complete between 31/03 and 30/06, due 30/04);
    # 031 and 035 are due 30/09, not yet: 2 of 3 judged = 66.7 %, 1 unknown.
    assert on_time == {"2025-01-01": (66.7, 2.0, 3.0, 1, None)}
