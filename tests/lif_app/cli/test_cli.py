"""The ``lif`` command as a user runs it: status, every decision command, audit; exit codes 0/1/2."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from click.testing import Result
from typer.testing import CliRunner

from lif_app.cli.app import app
from lif_core.config import StoreURL
from lif_core.domain import Action, Learning, Measure, SourceRecord
from lif_core.eventlog.store import Store

ACTOR = "chair"
LIF = str(Path(sys.executable).with_name("lif"))

Lif = Callable[..., Result]


def _lif_for(url: str) -> Lif:
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), env={"LIF_STORE": url, "LIF_ACTOR": ACTOR})

    run.url = url  # type: ignore[attr-defined]
    return run


@pytest.fixture
def lif(tmp_path) -> Lif:
    """``lif`` on a fresh SQLite store (decision commands behave the same on both databases)."""
    return _lif_for(f"sqlite:///{tmp_path}/lif.db")


@pytest.fixture
def lif_any(store_url) -> Lif:
    """``lif`` on a fresh store of each kind."""
    return _lif_for(store_url)


def _done(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def _json(result: Result) -> dict:
    return json.loads(_done(result).stdout)


def _log_size(url: str) -> int:
    with Store(url) as store:
        return store.max_notification_id()


def _error(result: Result, code: int, says: str) -> str:
    """Failed with ``code``: one line on stderr saying ``says``, nothing on stdout, no traceback."""
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == ""
    assert says in result.stderr
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
    return result.stderr


def _identify(lif: Lif, *extra: str) -> dict:
    return _json(
        lif(
            "learning", "identify", "--title", "Hearing the voice of the child",
            "--statement", "Children's views were not recorded at conference.",
            "--theme", "voice-of-the-child", "--theme", "conference",
            "--source-kind", "audit", "--identified-on", "2025-03-03", *extra, "--json",
        )
    )  # fmt: skip


def _raise(lif: Lif, *extra: str) -> dict:
    return _json(
        lif(
            "action", "raise", "--description", "Add the child's view to the conference template",
            "--owner-agency", "Children's Social Care", "--due", "2025-09-30", "--raised-on", "2025-03-10",
            *extra, "--json",
        )
    )  # fmt: skip


def _source_record(url: str) -> tuple[str, str]:
    """A source record written as the pipeline would: (its stream id, its current event id)."""
    record: SourceRecord = SourceRecord._start(
        SourceRecord.Recorded,
        natural_key="school-health-survey|indicator|2024-feel-safe",
        actor="plugin:school-health-survey@1.0",
        source="school-health-survey",
        record_kind="indicator",
        record_key="2024-feel-safe",
        valid_from=date(2024, 1, 1),
        valid_to=date(2024, 12, 31),
        attributes={"value": Decimal("71.5")},
        content_hash="0" * 64,
        provenance={"origin": "test"},
    )
    event_id = str(record.pending_events[0].event_id)
    with Store(url) as store:
        store.save(record)
    return str(record.id), event_id


# --- status -----------------------------------------------------------------------------------


def test_status_of_an_empty_store(lif_any):
    text = _done(lif_any("status")).stdout
    info = _json(lif_any("status", "--json"))

    assert StoreURL.parse(lif_any.url).masked in text
    assert "events 0" in text
    assert "none yet" in text
    assert info == {
        "store": StoreURL.parse(lif_any.url).masked,
        "events": 0,
        "streams": {},
        "last_notification_id": 0,
        "last_seal": None,
    }


def test_status_counts_events_and_streams_per_type_and_shows_the_last_seal(lif_any):
    _identify(lif_any)
    _identify(lif_any)
    _done(lif_any("learning", "accept", "LRN-2025-001", "--rationale", "Agreed at subgroup"))
    _raise(lif_any)
    seal = _json(lif_any("audit", "seal", "--json"))

    info = _json(lif_any("status", "--json"))
    text = _done(lif_any("status")).stdout

    assert (info["events"], info["last_notification_id"]) == (4, 4)
    assert info["streams"] == {"Action": 1, "Learning": 2}
    assert info["last_seal"] == {
        "seal_id": seal["seal_id"],
        "created_at": seal["created_at"],
        "last_notification_id": 4,
    }
    assert seal["seal_id"] in text
    assert "Learning" in text and "Action" in text


def test_the_store_option_wins_over_lif_store(lif, tmp_path):
    other = f"sqlite:///{tmp_path}/other.db"

    _done(
        lif(
            "--store",
            other,
            "learning",
            "identify",
            "--title",
            "T",
            "--statement",
            "S",
            "--source-kind",
            "review",
        )
    )

    assert (_log_size(other), _log_size(lif.url)) == (1, 0)


# --- learning ---------------------------------------------------------------------------------


def test_a_learning_item_through_every_command(lif):
    record_id, record_event = _source_record(lif.url)

    first = _identify(lif, "--evidence", record_id)
    second = _identify(lif)
    steps = [
        lif(
            "learning",
            "prioritise",
            "LRN-2025-001",
            "--priority",
            "high",
            "--rationale",
            "Seen in three audits",
            "--json",
        ),
        lif("learning", "accept", "LRN-2025-001", "--rationale", "Agreed at subgroup", "--json"),
        lif(
            "learning",
            "disseminate",
            "LRN-2025-001",
            "--channel",
            "7-minute briefing",
            "--on",
            "2025-04-01",
            "--audience",
            "front door",
            "--json",
        ),
        lif(
            "learning",
            "link-evidence",
            "LRN-2025-001",
            "--evidence",
            record_id,
            "--note",
            "2024 survey",
            "--json",
        ),
        lif(
            "learning",
            "assess-embedding",
            "LRN-2025-001",
            "--assessment",
            "partly-embedded",
            "--rationale",
            "Re-audit",
            "--json",
        ),
        lif(
            "learning",
            "close",
            "LRN-2025-001",
            "--rationale",
            "Embedded enough",
            "--actor",
            "board.chair",
            "--json",
        ),
        lif("learning", "reopen", "LRN-2025-001", "--rationale", "New case", "--json"),
    ]
    recorded = [_json(step) for step in steps]

    assert (first["reference"], second["reference"]) == ("LRN-2025-001", "LRN-2025-002")
    assert first["type"] == "Learning.Identified"
    assert first["themes"] == ["voice-of-the-child", "conference"]
    assert first["identified_on"] == "2025-03-03"
    assert first["causation"] == [record_event]
    assert [r["type"] for r in recorded] == [
        "Learning.Prioritised",
        "Learning.Accepted",
        "Learning.Disseminated",
        "Learning.EvidenceLinked",
        "Learning.EmbeddingAssessed",
        "Learning.Closed",
        "Learning.Reopened",
    ]
    assert [r["version"] for r in recorded] == list(range(2, 9))
    assert {r["stream_id"] for r in recorded} == {first["stream_id"]}
    # The command line records its actors as cli:NAME, never as a signed-in person.
    assert [r["actor"] for r in recorded][-2:] == ["cli:board.chair", "cli:" + ACTOR]
    assert recorded[3]["causation"] == [record_event]
    assert recorded[2]["disseminated_on"] == "2025-04-01"
    with Store(lif.url) as store:
        item = store.get(Learning, Learning.stream_id("LRN-2025-001"))
    # Reopening returns the item to the status it had when it was closed.
    assert (item.status, item.priority, item.embedding, item.evidence) == (
        "disseminated",
        "high",
        "partly-embedded",
        [record_id],
    )


def test_a_decision_prints_what_was_recorded(lif):
    _identify(lif)

    out = _done(
        lif("learning", "prioritise", "LRN-2025-001", "--priority", "low", "--rationale", "Rare")
    ).stdout

    assert out.startswith("recorded Learning.Prioritised LRN-2025-001 v2 by cli:chair at ")


# --- actions and measures ---------------------------------------------------------------------


def test_an_action_through_every_command(lif):
    _identify(lif)
    raised = _raise(lif, "--learning", "LRN-2025-001")
    record_id, record_event = _source_record(lif.url)
    steps = [
        lif(
            "action",
            "progress",
            "ACT-2025-001",
            "--note",
            "Draft agreed",
            "--rag",
            "AMBER",
            "--json",
        ),
        lif(
            "action",
            "reschedule",
            "ACT-2025-001",
            "--due",
            "2025-12-31",
            "--rationale",
            "IT release moved",
            "--json",
        ),
        lif(
            "action",
            "complete",
            "ACT-2025-001",
            "--on",
            "2025-11-30",
            "--note",
            "Template live",
            "--json",
        ),
        lif(
            "action",
            "verify-impact",
            "ACT-2025-001",
            "--rationale",
            "Re-audit 9 of 10",
            "--evidence",
            record_id,
            "--json",
        ),
    ]
    recorded = [_json(step) for step in steps]
    other = _raise(lif)
    cancelled = _json(
        lif("action", "cancel", "ACT-2025-002", "--rationale", "Superseded", "--json")
    )

    assert (raised["reference"], raised["learning_reference"], raised["due"]) == (
        "ACT-2025-001",
        "LRN-2025-001",
        "2025-09-30",
    )
    assert [r["type"] for r in recorded] == [
        "Action.ProgressReported",
        "Action.Rescheduled",
        "Action.Completed",
        "Action.ImpactVerified",
    ]
    assert recorded[0]["rag"] == "amber"
    assert recorded[3]["evidence"] == [record_id]
    assert recorded[3]["causation"] == [record_event]
    assert (other["reference"], cancelled["type"]) == ("ACT-2025-002", "Action.Cancelled")
    with Store(lif.url) as store:
        action = store.get(Action, Action.stream_id("ACT-2025-001"))
    assert (action.status, action.due, action.completed_on, action.times_rescheduled) == (
        "impact-verified",
        date(2025, 12, 31),
        date(2025, 11, 30),
        1,
    )


def test_a_person_records_that_an_action_answers_one_more_learning_item(lif):
    _identify(lif)  # LRN-2025-001
    _identify(lif)  # LRN-2025-002
    _raise(lif, "--learning", "LRN-2025-001")
    added = _json(lif("action", "answer", "ACT-2025-001", "--learning", "LRN-2025-002", "--json"))
    before = _log_size(lif.url)
    _error(
        lif("action", "answer", "ACT-2025-001", "--learning", "LRN-2025-002"),
        1,
        "ACT-2025-001 already answers LRN-2025-002",
    )
    _error(
        lif("action", "answer", "ACT-2025-001", "--learning", "LRN-2025-009"),
        1,
        "LRN-2025-009 does not exist",
    )

    assert (added["type"], added["learning_reference"]) == (
        "Action.LearningAdded",
        "LRN-2025-002",
    )
    assert _log_size(lif.url) == before  # the refusals wrote nothing
    with Store(lif.url) as store:
        action = store.get(Action, Action.stream_id("ACT-2025-001"))
    assert action.learning_references == ["LRN-2025-001", "LRN-2025-002"]


def test_a_measure_through_every_command(lif):
    defined = _json(
        lif(
            "measure", "define", "--ref", "MEA-ICPC-15WD", "--name", "ICPC within 15 working days",
            "--category", "how-well", "--unit", "percent", "--source", "performance", "--kind", "indicator-value",
            "--match", "indicator_code=ICPC-15WD", "--match", "area=Leeds", "--target", "85", "--json",
        )
    )  # fmt: skip
    target = _json(
        lif(
            "measure",
            "set-target",
            "MEA-ICPC-15WD",
            "--target",
            "92.50",
            "--rationale",
            "Regional top quartile",
            "--json",
        )
    )
    retired = _json(
        lif("measure", "retire", "MEA-ICPC-15WD", "--rationale", "Replaced nationally", "--json")
    )
    computed = _json(
        lif(
            "measure",
            "define",
            "--ref",
            "MEA-ON-TIME",
            "--name",
            "On time",
            "--category",
            "how-well",
            "--computed",
            "actions-on-time",
            "--json",
        )
    )

    assert defined["binding"] == {
        "source": "performance",
        "kind": "indicator-value",
        "match": {"indicator_code": "ICPC-15WD", "area": "Leeds"},
        "value": "value",
    }
    assert (defined["target"], target["target"], retired["type"]) == (
        "85",
        "92.50",
        "Measure.Retired",
    )
    assert computed["binding"] == {"computed": "actions-on-time"}
    with Store(lif.url) as store:
        measure = store.get(Measure, Measure.stream_id("MEA-ICPC-15WD"))
    assert (measure.status, str(measure.target)) == ("retired", "92.50")


# --- refusals: exit 1, one line, nothing written ----------------------------------------------


@pytest.fixture
def prepared(lif) -> Lif:
    """LRN-2025-001 identified, LRN-2025-002 declined, ACT-2025-001 cancelled, ACT-2025-002 open, MEA-OLD retired."""
    on = date(2025, 3, 3)
    items = [
        Learning.identify(
            reference=ref,
            title="t",
            statement="s",
            themes=[],
            source_kind="audit",
            identified_on=on,
            actor=ACTOR,
        )
        for ref in ("LRN-2025-001", "LRN-2025-002")
    ]
    items[1].decline("Covered by the neglect strategy", ACTOR)
    actions = [
        Action.raise_action(
            reference=ref,
            description="d",
            owner_agency="Police",
            due=date(2025, 9, 30),
            raised_on=on,
            actor=ACTOR,
        )
        for ref in ("ACT-2025-001", "ACT-2025-002")
    ]
    actions[0].cancel("Superseded", ACTOR)
    measure = Measure.define(
        reference="MEA-OLD", name="old", category="how-much", unit="count", polarity="higher-is-better", frequency="yearly",
        binding={"computed": "x"}, actor=ACTOR,
    )  # fmt: skip
    measure.retire("Replaced", ACTOR)
    with Store(lif.url) as store:
        store.save(*items, *actions, measure)
    return lif


REFUSALS = [
    (["learning", "accept", "LRN-2025-001"], "accepting needs a rationale (--rationale)"),
    (["learning", "decline", "LRN-2025-001", "--rationale", "  "], "declining needs a rationale"),
    (
        ["learning", "disseminate", "LRN-2025-002", "--channel", "newsletter"],
        "LRN-2025-002 was declined: declined learning is not disseminated",
    ),
    (
        ["learning", "accept", "LRN-2025-002", "--rationale", "Changed mind"],
        "LRN-2025-002 is declined",
    ),
    (
        ["learning", "prioritise", "LRN-2025-001", "--priority", "urgent", "--rationale", "r"],
        "priority must be one of high, medium, low",
    ),
    (
        [
            "learning",
            "assess-embedding",
            "LRN-2025-001",
            "--assessment",
            "mostly",
            "--rationale",
            "r",
        ],
        "assessment must be one of",
    ),
    (
        ["learning", "reopen", "LRN-2025-001", "--rationale", "r"],
        "only a closed item can be reopened",
    ),
    (
        ["learning", "close", "LRN-2025-01", "--rationale", "r"],
        "LRN-2025-01 does not exist. Did you mean LRN-2025-001",
    ),
    (
        [
            "learning",
            "identify",
            "--title",
            "t",
            "--statement",
            "s",
            "--source-kind",
            "audit",
            "--ref",
            "LRN-2025-001",
        ],
        "LRN-2025-001 already exists",
    ),
    (
        ["learning", "link-evidence", "LRN-2025-001", "--evidence", "row-12"],
        "evidence 'row-12' is not a source record id",
    ),
    (
        [
            "learning",
            "link-evidence",
            "LRN-2025-001",
            "--evidence",
            "2f1c0d4e-0000-4000-8000-000000000000",
        ],
        "does not exist",
    ),
    (
        ["learning", "accept", "LRN-2025-001", "--rationale", "r", "--evidence", "nope"],
        "is not a source record id",
    ),
    (["action", "complete", "ACT-2025-001"], "ACT-2025-001 was cancelled: it cannot be completed"),
    (
        ["action", "progress", "ACT-2025-002", "--note", "n", "--rag", "purple"],
        "RAG must be red, amber, green or blue",
    ),
    (
        ["action", "reschedule", "ACT-2025-002", "--due", "2025-12-31"],
        "rescheduling needs a rationale",
    ),
    (
        ["action", "reschedule", "ACT-2025-002", "--due", "2025-09-30", "--rationale", "r"],
        "already due on 2025-09-30",
    ),
    (
        ["action", "verify-impact", "ACT-2025-002", "--rationale", "r"],
        "only a completed action can have its impact verified",
    ),
    (["action", "cancel", "ACT-2025-002"], "cancelling needs a rationale"),
    (
        [
            "action",
            "raise",
            "--description",
            "d",
            "--owner-agency",
            "Police",
            "--due",
            "2025-09-30",
            "--learning",
            "LRN-2099-001",
        ],
        "LRN-2099-001 does not exist",
    ),
    (
        ["action", "raise", "--description", "d", "--owner-agency", " ", "--due", "2025-09-30"],
        "needs an owner agency",
    ),
    (["action", "complete", "LRN-2025-001"], "LRN-2025-001 does not exist"),
    (
        ["measure", "define", "--ref", "MEA-NEW", "--name", "n", "--category", "how-well"],
        "a measure needs a binding",
    ),
    (
        [
            "measure",
            "define",
            "--ref",
            "MEA-NEW",
            "--name",
            "n",
            "--category",
            "how-often",
            "--computed",
            "x",
        ],
        "category must be one of",
    ),
    (
        [
            "measure",
            "define",
            "--ref",
            "MEA-OLD",
            "--name",
            "n",
            "--category",
            "how-well",
            "--computed",
            "x",
        ],
        "MEA-OLD already exists",
    ),
    (
        ["measure", "set-target", "MEA-OLD", "--target", "10", "--rationale", "r"],
        "MEA-OLD is retired: it takes no new target",
    ),
    (["measure", "retire", "MEA-OLD", "--rationale", "r"], "MEA-OLD is already retired"),
    (["measure", "set-target", "MEA-OLD", "--target", "10"], "setting a target needs a rationale"),
]


@pytest.mark.parametrize(
    ("args", "says"), REFUSALS, ids=[" ".join(a[:2]) + f" ({s[:30]})" for a, s in REFUSALS]
)
def test_a_refused_command_exits_1_with_one_line_and_writes_nothing(prepared, args, says):
    before = _log_size(prepared.url)

    _error(prepared(*args), 1, says)
    _error(prepared(*args, "--json"), 1, says)

    assert _log_size(prepared.url) == before


# --- bad usage: exit 2 ------------------------------------------------------------------------


USAGE = [
    (
        ["learning", "identify", "--statement", "s", "--source-kind", "audit"],
        "Missing option '--title'",
    ),
    (["learning", "accept"], "Missing argument 'REFERENCE'"),
    (["learning", "embed", "LRN-2025-001"], "No such command 'embed'"),
    (
        [
            "action",
            "raise",
            "--description",
            "d",
            "--owner-agency",
            "Police",
            "--due",
            "30/09/2025",
        ],
        "--due '30/09/2025' is not a date like",
    ),
    (
        ["learning", "disseminate", "LRN-2025-001", "--channel", "c", "--on", "April"],
        "--on 'April' is not a date",
    ),
    (
        ["measure", "set-target", "MEA-OLD", "--target", "ninety", "--rationale", "r"],
        "--target 'ninety' is not a number",
    ),
    (
        [
            "measure",
            "define",
            "--ref",
            "MEA-NEW",
            "--name",
            "n",
            "--category",
            "how-well",
            "--source",
            "s",
            "--match",
            "scope",
        ],
        "--match 'scope': write attribute=value",
    ),
    (
        ["learning", "accept", "LRN-2025-001", "--rationale", "r", "--actor", "   "],
        "no actor: pass --actor NAME or set LIF_ACTOR",
    ),
    (
        [
            "measure",
            "define",
            "--ref",
            "MEA-NEW",
            "--name",
            "n",
            "--category",
            "how-well",
            "--baseline-periods",
            "two",
            "--computed",
            "x",
        ],
        "is not a valid integer",
    ),
]


@pytest.mark.parametrize(("args", "says"), USAGE, ids=[s[:30] for _, s in USAGE])
def test_bad_usage_exits_2_and_writes_nothing(prepared, args, says):
    before = _log_size(prepared.url)

    result = prepared(*args)

    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    assert says in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert _log_size(prepared.url) == before


def test_a_bad_store_url_exits_2_naming_it_with_the_password_masked(lif):
    result = lif("--store", "mysql://lif:hunter2@db/lif", "status")

    text = _error(result, 2, "store URL 'mysql://lif:***@db/lif': unknown kind 'mysql'")
    assert "hunter2" not in text


def test_text_a_user_typed_is_shown_literally_and_never_crashes_the_command(prepared):
    tagged = prepared("learning", "close", "LRN-[bold]2025", "--rationale", "r")
    unbalanced = prepared("learning", "close", "LRN-[/x]", "--rationale", "r")

    _error(tagged, 1, "LRN-[bold]2025 does not exist")
    _error(unbalanced, 1, "LRN-[/x] does not exist")


# --- audit ------------------------------------------------------------------------------------


def _tamper_body(url: str, stream: UUID, version: int, old: bytes, new: bytes) -> int:
    """Rewrite one event's state with raw SQL, behind the application's back; its notification id."""
    u = StoreURL.parse(url)
    if u.kind == "sqlite":
        with sqlite3.connect(u.path) as conn:
            nid, state = conn.execute(
                "SELECT rowid, state FROM stored_events WHERE originator_id = ? AND originator_version = ?",
                (stream.hex, version),
            ).fetchone()
            conn.execute(
                "UPDATE stored_events SET state = ? WHERE rowid = ?",
                (bytes(state).replace(old, new), nid),
            )
        return int(nid)
    with psycopg.connect(host=u.host, port=u.port, user=u.user, dbname=u.dbname) as conn:
        nid, state = conn.execute(
            f'SELECT notification_id, state FROM "{u.schema}".lif_events WHERE originator_id = %s AND originator_version = %s',
            (stream, version),
        ).fetchone()
        conn.execute(
            f'UPDATE "{u.schema}".lif_events SET state = %s WHERE notification_id = %s',
            (bytes(state).replace(old, new), nid),
        )
    return int(nid)


def _delete_newest_and_the_seals(url: str) -> None:
    u = StoreURL.parse(url)
    if u.kind == "sqlite":
        with sqlite3.connect(u.path) as conn:
            conn.execute(
                "DELETE FROM stored_events WHERE rowid = (SELECT max(rowid) FROM stored_events)"
            )
            conn.execute("DELETE FROM lif_seals")
        return
    with psycopg.connect(host=u.host, port=u.port, user=u.user, dbname=u.dbname) as conn:
        conn.execute(
            f'DELETE FROM "{u.schema}".lif_events WHERE notification_id = (SELECT max(notification_id) FROM "{u.schema}".lif_events)'
        )
        conn.execute(f'DELETE FROM "{u.schema}".lif_seals')


def test_audit_verify_passes_an_intact_store(lif_any):
    _identify(lif_any)
    _done(lif_any("learning", "accept", "LRN-2025-001", "--rationale", "Agreed"))
    _raise(lif_any)

    result = _done(lif_any("audit", "verify"))
    report = _json(lif_any("audit", "verify", "--json"))

    assert result.stdout.startswith("intact: 3 events in 2 streams verified")
    assert (report["ok"], report["events"], report["streams"], report["problems"]) == (
        True,
        3,
        2,
        [],
    )


def test_audit_verify_names_the_first_altered_event_and_exits_1(lif_any):
    _identify(lif_any)
    _done(
        lif_any(
            "learning",
            "prioritise",
            "LRN-2025-001",
            "--priority",
            "high",
            "--rationale",
            "Seen three times",
        )
    )
    _done(lif_any("learning", "accept", "LRN-2025-001", "--rationale", "Agreed"))
    stream = Learning.stream_id("LRN-2025-001")
    nid = _tamper_body(lif_any.url, stream, 2, b'"priority":"high"', b'"priority":"low"')

    result = lif_any("audit", "verify")
    report = json.loads(lif_any("audit", "verify", "--json").stdout)

    assert result.exit_code == 1
    assert (
        f"TAMPERED: first bad event: Learning {stream} version 2 (notification {nid}): its content does not match its hash"
        in result.stderr
    )
    assert report["ok"] is False
    assert report["first_problem"] == {
        "notification_id": nid,
        "stream_id": str(stream),
        "stream_type": "Learning",
        "version": 2,
        "what": "its content does not match its hash: it was altered, swapped or forged",
    }


def test_audit_seal_prints_the_seal_and_writes_the_kept_copy(lif, tmp_path):
    _identify(lif)
    kept = tmp_path / "kept-seal.json"

    out = _done(lif("audit", "seal", "--out", str(kept), "--actor", "auditor")).stdout

    seal = json.loads(kept.read_text())
    assert out.startswith("sealed 1 events up to notification 1")
    assert seal["seal_id"] in out and seal["digest"] in out
    assert (seal["actor"], seal["last_notification_id"], seal["event_count"]) == (
        "cli:auditor",
        1,
        1,
    )
    assert _json(lif("status", "--json"))["last_seal"]["seal_id"] == seal["seal_id"]


def test_audit_verify_with_a_kept_seal_catches_a_deleted_newest_event_after_the_seals_are_wiped(
    lif_any, tmp_path
):
    _identify(lif_any)
    _raise(lif_any)
    kept = tmp_path / "kept-seal.json"
    _done(lif_any("audit", "seal", "--out", str(kept)))
    _delete_newest_and_the_seals(lif_any.url)

    result = lif_any("audit", "verify", "--seal", str(kept))
    report = json.loads(lif_any("audit", "verify", "--seal", str(kept), "--json").stdout)

    assert result.exit_code == 1
    assert "SEAL: the seal" in result.stderr
    assert "sealed events were deleted" in result.stderr
    assert report["ok"] is False
    assert report["seal"]["seal_id"] == json.loads(kept.read_text())["seal_id"]


def test_audit_verify_refuses_a_seal_file_it_cannot_use(lif, tmp_path):
    _identify(lif)
    garbled = tmp_path / "garbled.json"
    garbled.write_text('{"seal_id": "x"}')

    _error(lif("audit", "verify", "--seal", str(garbled)), 1, "not a LIF seal")
    missing = lif("audit", "verify", "--seal", str(tmp_path / "missing.json"))
    assert missing.exit_code != 0
    assert f"cannot read the seal {tmp_path / 'missing.json'}" in missing.stderr


# --- across the process boundary --------------------------------------------------------------


def _run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LIF_STORE": url, "LIF_ACTOR": ACTOR}
    return subprocess.run([LIF, *args], env=env, capture_output=True, text=True, timeout=120)


def test_an_unreachable_store_is_one_line_without_a_traceback_in_a_real_process():
    done = _run("postgresql://lif:hunter2@127.0.0.1:1/lscp", "status")

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(
        "error: cannot connect to the store postgresql://lif:***@127.0.0.1:1/lscp"
    )
    assert "hunter2" not in done.stderr


def test_audit_verify_exits_0_then_1_in_real_processes_once_the_log_is_tampered(pg_url, tmp_path):
    lif = _lif_for(pg_url)
    _identify(lif)
    _done(lif("learning", "accept", "LRN-2025-001", "--rationale", "Agreed"))
    kept = tmp_path / "seal.json"
    _done(lif("audit", "seal", "--out", str(kept)))

    intact = _run(pg_url, "audit", "verify", "--seal", str(kept))
    nid = _tamper_body(
        pg_url, Learning.stream_id("LRN-2025-001"), 2, b"Agreed", b"Agreed by nobody"
    )
    caught = _run(pg_url, "audit", "verify", "--seal", str(kept))

    assert intact.returncode == 0, intact.stderr
    assert intact.stdout.startswith("intact: 2 events in 1 streams verified; matches seal")
    assert caught.returncode == 1
    assert caught.stdout == ""
    assert f"version 2 (notification {nid}): its content does not match its hash" in caught.stderr
    assert "Traceback" not in caught.stderr


def test_the_event_ids_printed_are_the_ones_stored(lif):
    out = _identify(lif)

    with Store(lif.url) as store:
        (notification,) = store.notifications(1, 1)
        stored = store.decode(notification)

    assert UUID(out["event_id"]) == stored.event_id
    assert out["hash"] == stored.hash
    assert out["correlation"] == stored.correlation
