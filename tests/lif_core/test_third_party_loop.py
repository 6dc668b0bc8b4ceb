"""A third-party plugin (installed through an entry point of its own distribution, not a
built-in) feeds a finding, an action and a measure into the read tables, with no change to
lif_core/ or projections/."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lif_app.cli.app import app
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.ingestion.samples import sample_inputs
from lif_core.plugins.host import load_plugins
from lif_core.policies import run_policies
from projections import project

NAME = "youth-voice-review"
NAME_WYP = "wyp-referrals"
TODAY = date(2025, 12, 31)
HEADER = [
    "type",
    "period",
    "team",
    "value",
    "reference",
    "text",
    "severity",
    "date",
    "due",
    "state",
    "done_on",
]
ROWS = [
    # 2025-26 Q1: the service's total (50) and its two teams (30 + 20 = 50): the total is used
    ["seen", "2025-26 Q1", "", "50", "", "", "", "", "", "", ""],
    ["seen", "2025-26 Q1", "North", "30", "", "", "", "", "", "", ""],
    ["seen", "2025-26 Q1", "South", "20", "", "", "", "", "", "", ""],
    # 2025-26 Q2: no total row, the teams only: 12 + 8 = 20
    ["seen", "2025-26 Q2", "North", "12", "", "", "", "", "", "", ""],
    ["seen", "2025-26 Q2", "South", "8", "", "", "", "", "", "", ""],
    [
        "finding",
        "",
        "",
        "",
        "YV-F1",
        "Young people were not asked what they wanted from the plan.",
        "high",
        "2025-05-01",
        "",
        "",
        "",
    ],
    ["finding", "", "", "", "YV-F2", "Some letters used jargon.", "low", "2025-05-01", "", "", ""],
    [
        "action",
        "",
        "North",
        "",
        "YV-A1",
        "Ask every young person what they want from the plan.",
        "",
        "2025-09-30",
        "2025-08-31",
        "Done",
        "2025-08-20",
    ],
]


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Install the plugin as a distribution of its own: a dist-info with its entry point."""
    site = tmp_path / "site"
    info = site / "lif_plugin_youth_voice-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: lif-plugin-youth-voice\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[lif.ingestors]\n{NAME} = tests.support.loop_plugin\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("LIF_PLUGINS_THIRD_PARTY", "1")  # the suite runs built-ins only by default
    loaded = load_plugins().get(NAME)
    assert (loaded.distribution, loaded.builtin) == ("lif-plugin-youth-voice", False)


def _plain(row):  # type: ignore[no-untyped-def]
    """A row as SQLite gives it: PostgreSQL's native dates as ISO text, booleans as 1/0."""
    from datetime import date

    return tuple(
        v.isoformat() if isinstance(v, date) else int(v) if isinstance(v, bool) else v for v in row
    )


def _json(value):  # type: ignore[no-untyped-def]
    """A JSON column: text on SQLite, decoded jsonb on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "youth-voice.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    return path


def test_a_third_party_plugin_feeds_a_finding_an_action_and_a_measure(
    installed: None, store: Store, store_url: str, tmp_path: Path
) -> None:
    result = ingest_file(store, load_plugins().get(NAME), _file(tmp_path))
    assert (result.status, result.counts["rejected"]) == ("completed", 0), result.message
    policies = run_policies(store)
    assert policies.events_read == {"actions": 1}
    defined = CliRunner().invoke(
        app,
        [
            *("--store", store_url, "measure", "define", "--ref", "MEA-YV-SEEN"),
            *("--category", "how-much", "--source", NAME, "--value", "seen"),
            *("--frequency", "quarterly"),
        ],
    )
    assert defined.exit_code == 0, defined.stderr
    project(store, reference_date=TODAY)

    with store.read() as tx:
        candidates = tx.execute(
            "SELECT rule, source, summary, severity FROM learning_candidates WHERE source = ?",
            (NAME,),
        ).fetchall()
        action = _plain(
            tx.execute(
                "SELECT reference, owner_agency, due, status, completed, completed_on_time, sources, citations "
                "FROM action_status WHERE reference = 'YV-A1'"
            ).fetchone()
        )
        seen = tx.execute(
            "SELECT CAST(period_start AS TEXT), value FROM impact_monitoring WHERE measure = 'MEA-YV-SEEN' ORDER BY period_start"
        ).fetchall()
    # only the high-severity finding is declared a finding
    assert candidates == [
        (
            "youth-voice-finding",
            NAME,
            "Young people were not asked what they wanted from the plan.",
            "high",
        )
    ]
    # done on 20/08/2025, as the tracker states, before its due date of 31/08/2025
    reference, owner, due, status, completed, on_time, sources, citations = action
    assert (reference, owner, due, status, completed, on_time, sources) == (
        "YV-A1",
        "North",
        "2025-08-31",
        "completed",
        "2025-08-20",
        1,
        NAME,
    )
    assert [c["key"] for c in _json(citations)] == ["YV-A1"]
    # Q1 (April-June 2025): the total row, 50 (not 50 + 30 + 20 = 100);
    # Q2 (July-September 2025): no total row, so the teams add up: 12 + 8 = 20
    assert seen == [("2025-04-01", 50.0), ("2025-07-01", 20.0)]


def test_the_example_plugin_feeds_a_finding_an_action_and_a_measure(
    store: Store, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIF_PLUGINS_THIRD_PARTY", "1")
    loaded = load_plugins().get("wyp-referrals")
    assert not loaded.builtin
    for path in sample_inputs(loaded.source):
        assert ingest_file(store, loaded, path).status == "completed"
    assert run_policies(store).events_read == {"actions": 3}
    for ref, args in {
        "MEA-WYP-LEEDS": ("--source", "wyp-referrals", "--value", "referrals"),
        "MEA-ON-TIME": ("--computed", "actions-on-time", "--unit", "%"),
    }.items():
        defined = CliRunner().invoke(
            app,
            [
                *("--store", store_url, "measure", "define", "--ref", ref),
                *("--category", "how-much", *args),
                *(
                    ("--match", "district=leeds", "--frequency", "quarterly")
                    if "LEEDS" in ref
                    else ()
                ),
            ],
        )
        assert defined.exit_code == 0, defined.stderr
    project(store, reference_date=TODAY)
    with store.read() as tx:
        rises = tx.execute(
            "SELECT summary FROM learning_candidates WHERE rule = 'wyp-referrals-rise' ORDER BY summary"
        ).fetchall()
        leeds = tx.execute(
            "SELECT CAST(period_start AS TEXT), value FROM impact_monitoring WHERE measure = 'MEA-WYP-LEEDS' ORDER BY period_start"
        ).fetchall()
        on_time = tx.execute(
            "SELECT CAST(period_start AS TEXT), value, numerator, denominator, unknown "
            "FROM impact_monitoring WHERE measure = 'MEA-ON-TIME'"
        ).fetchall()
        actions = [
            _plain(row)
            for row in tx.execute(
                "SELECT reference, owner_agency, due, status, rag, completed, completed_by, "
                "completed_on_time, sources FROM action_status ORDER BY reference"
            ).fetchall()
        ]
        citations = tx.execute(
            "SELECT citations FROM action_status WHERE reference = 'WYP-2024-01'"
        ).fetchone()
    # wyp-referrals-2024-25-q1.csv -> -q2.csv, a rise of 25 % or more: Bradford online abuse
    # 51 -> 64 (x1.255) and Calderdale child concern 172 -> 219 (x1.273); no other pair
    assert rises == [
        ("child-concern referrals in calderdale rose from 172 (2024-25 Q1) to 219 (2024-25 Q2)",),
        ("online-abuse referrals in bradford rose from 51 (2024-25 Q1) to 64 (2024-25 Q2)",),
    ]
    # Leeds, every referral type: Q1 785 + 897 + 302 + 137 + 82 = 2203;
    # Q2 678 + 767 + 309 + 126 + 76 = 1956
    assert leeds == [("2024-04-01", 2203.0), ("2024-07-01", 1956.0)]
    # wyp-referral-actions-2024-25-q3.csv, status as at 31/12/2024, judged on 31/12/2025:
    #   01 due 30/11/2024, complete, 'Date completed' 22/11/2024: completed, on time, green
    #   02 due 31/12/2024, in progress: open past its due date: red (and late in the measure)
    #   03 due 31/10/2024, complete with no day: done by 31/12/2024 at the latest (the first
    #      statement), which is after its due date: on time or late cannot be told (unknown)
    police = "West Yorkshire Police"
    assert actions == [
        (
            "WYP-2024-01",
            police,
            "2024-11-30",
            "completed",
            "green",
            "2024-11-22",
            None,
            1,
            NAME_WYP,
        ),
        ("WYP-2024-02", police, "2024-12-31", "in-progress", "red", None, None, None, NAME_WYP),
        (
            "WYP-2024-03",
            police,
            "2024-10-31",
            "completed",
            "green",
            None,
            "2024-12-31",
            None,
            NAME_WYP,
        ),
    ]
    [cited] = _json(citations[0])
    assert (cited["source"], cited["kind"], cited["key"]) == (
        "wyp-referrals",
        "agreed-action",
        "WYP-2024-01",
    )
    # 2024: on time 1 (01) of the 2 judged (01, 02) = 50.0 %; 1 unknown (03)
    assert [_plain(r) for r in on_time] == [("2024-01-01", 50.0, 1.0, 2.0, 1)]


def _tracker(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*HEADER, "learning"])
        writer.writerows(rows)
    return path


def _action_row(reference: str, due: str, state: str, as_at: str, learning: str) -> list[str]:
    text = f"Do {reference}."
    return ["action", "", "North", "", reference, text, "", as_at, due, state, "", learning]


def test_a_third_party_action_naming_two_learning_items_counts_under_each(
    installed: None, store: Store, store_url: str, tmp_path: Path
) -> None:
    for ref in ("LRN-YV-1", "LRN-YV-2", "LRN-YV-3"):
        identified = CliRunner().invoke(
            app,
            [
                *("--store", store_url, "learning", "identify", "--ref", ref),
                *("--title", f"Youth voice {ref}", "--statement", "Found by the youth service."),
                *("--source-kind", "audit", "--identified-on", "2025-03-01"),
            ],
        )
        assert identified.exit_code == 0, identified.stderr
    plugin = load_plugins().get(NAME)
    # 31/03: YV-A1 answers items 1 and 2; YV-A2 answers item 2
    march = _tracker(
        tmp_path,
        "march.csv",
        [
            _action_row("YV-A1", "2025-08-31", "Doing", "2025-03-31", "LRN-YV-1; LRN-YV-2"),
            _action_row("YV-A2", "2026-01-31", "Open", "2025-03-31", "LRN-YV-2"),
        ],
    )
    assert ingest_file(store, plugin, march).status == "completed"
    first = run_policies(store)
    # YV-A1: Raised (item 1), LearningAdded (item 2), Cited, ProgressReported (Doing: in
    # progress); YV-A2: Raised (item 2), Cited
    assert first.events_written["actions"] == 6
    assert sum(run_policies(store).events_written.values()) == 0  # running again writes nothing
    # 30/06: YV-A1 names item 3 as well; YV-A2 no longer names item 2
    june = _tracker(
        tmp_path,
        "june.csv",
        [
            _action_row(
                "YV-A1", "2025-08-31", "Doing", "2025-06-30", "LRN-YV-1; LRN-YV-2; LRN-YV-3"
            ),
            _action_row("YV-A2", "2026-01-31", "Open", "2025-06-30", ""),
        ],
    )
    assert ingest_file(store, plugin, june).status == "completed"
    second = run_policies(store)
    # YV-A1: LearningAdded (item 3), Cited; YV-A2: Cited only, and a conflict for the drop
    assert second.events_written["actions"] == 3
    assert second.conflicts["actions"] == 1
    with store.read() as tx:
        ((target, message),) = tx.execute(
            "SELECT target, message FROM policy_conflicts WHERE policy = 'actions'"
        ).fetchall()
    assert target == "YV-A2"
    assert "no longer names LRN-YV-2" in message
    project(store, reference_date=TODAY)

    with store.read() as tx:
        actions = dict(
            tx.execute("SELECT reference, learning_references FROM action_status").fetchall()
        )
        register = {
            r[0]: tuple(r[1:])
            for r in tx.execute(
                "SELECT reference, actions_total, actions_open, actions_overdue FROM learning_register"
            ).fetchall()
        }
    assert actions == {"YV-A1": "LRN-YV-1; LRN-YV-2; LRN-YV-3", "YV-A2": "LRN-YV-2"}
    # On 31/12/2025: YV-A1 (Doing, due 31/08/2025) is open and overdue; YV-A2 (Open, due
    # 31/01/2026) open, not overdue. Item 1: A1; item 2: A1 and A2; item 3: A1.
    assert register == {
        "LRN-YV-1": (1, 1, 1),
        "LRN-YV-2": (2, 2, 1),
        "LRN-YV-3": (1, 1, 1),
    }
