"""``lif privacy scan``, and the guard refusing what the issue found recorded (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from lif_app.cli.app import app

LEARNING_LOG = (
    Path(__file__).resolve().parents[3]
    / "ingestors/samples/learning-log/learning-log-exported-2025-09-30.xlsx"
)
ISSUE_TEXT = (
    "Mia Kowalska, born 12/03/2015, lived at 6 Elm Grove, Leeds LS9 7AB; date of birth: 2015-03-12"
)
ENV = {"LIF_PLUGINS_ALLOW": "learning-log"}


def _learning_log_with(tmp_path: Path, statement: str) -> Path:
    """The learning-log sample with its first item's statement replaced by ``statement``."""
    book = openpyxl.load_workbook(LEARNING_LOG)
    sheet = book.active
    assert sheet is not None
    header_row = next(
        r for r in sheet.iter_rows(min_row=1, max_row=10) if r[0].value == "Reference"
    )
    column = [c.value for c in header_row].index("Learning statement") + 1
    sheet.cell(row=header_row[0].row + 1, column=column, value=statement)
    out = tmp_path / "learning-log.xlsx"
    book.save(out)
    return out


def _run(*args: str):
    return CliRunner().invoke(app, list(args), env=ENV)


def test_scan_lists_every_identifier_of_the_issue_and_exits_1(tmp_path: Path) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text(
        "Ref,Notes\n"
        f'1,"{ISSUE_TEXT}"\n'
        "2,NHS numbers 943-476-5919 and 943.476.5919 and 9434 765 919\n"
        "3,Timeliness improved at St James's University Hospital\n",
        encoding="utf-8",
    )
    result = _run("privacy", "scan", str(notes), "--json")
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    kinds = [(f["row"]["line"], f["column"], f["kind"]) for f in findings]
    assert kinds == [
        (2, "Notes", "person_name"),
        (2, "Notes", "date_of_birth"),
        (2, "Notes", "address"),
        (2, "Notes", "postcode"),
        (2, "Notes", "date_of_birth"),
        (3, "Notes", "nhs_number"),
        (3, "Notes", "nhs_number"),
        (3, "Notes", "nhs_number"),
    ]
    text = result.stdout
    for secret in ("Kowalska", "12/03/2015", "Elm Grove", "LS9 7AB", "5919", "765 919"):
        assert secret not in text  # excerpts are masked


def test_scan_of_clean_files_exits_0(tmp_path: Path) -> None:
    clean = tmp_path / "clean.txt"
    clean.write_text("Child A was known to four agencies.\nReferrals rose 12%.\n")
    result = _run("privacy", "scan", str(clean))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "0 findings in 1 file"


def test_scan_with_a_source_reads_its_free_text_fields(tmp_path: Path) -> None:
    path = _learning_log_with(tmp_path, ISSUE_TEXT)
    result = _run("privacy", "scan", str(path), "--source", "learning-log", "--json")
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert {f["column"] for f in findings} == {"Learning statement"}
    assert [f["kind"] for f in findings] == [
        "person_name", "date_of_birth", "address", "postcode", "date_of_birth"
    ]  # fmt: skip
    clean = _run("privacy", "scan", str(LEARNING_LOG), "--source", "learning-log")
    assert clean.exit_code == 0, clean.output  # the shipped sample holds no one


def test_ingest_refuses_the_row_and_keeps_it_masked(tmp_path: Path) -> None:
    path = _learning_log_with(tmp_path, ISSUE_TEXT)
    store = f"sqlite:///{tmp_path}/lif.db"
    result = CliRunner().invoke(
        app, ["--store", store, "ingest", "learning-log", str(path), "--json"], env=ENV
    )
    assert result.exit_code == 0, result.output
    [summary] = json.loads(result.stdout)["files"]
    assert (summary["counts"]["recorded"], summary["counts"]["rejected"]) == (8, 1)
    shown = CliRunner().invoke(
        app, ["--store", store, "rejects", "show", summary["run_id"], "--json"], env=ENV
    )
    [rejection] = json.loads(shown.stdout)["rejections"]
    assert rejection["reasons"] == [
        "field 'learning' (free text) holds what looks like a person's name and a date of "
        "birth and a street address and a postcode: personal data about a child must not "
        "enter the log in clear: remove it at the source or aggregate it; or, if the source "
        "must keep it, its plugin declares the field personal (RecordKind.personal_fields), "
        "and it is then stored sealed under the record's own key, erasable, and never "
        "published"
    ]
    statement = rejection["raw"]["Learning statement"]
    assert "Kowalska" not in statement and "LS9 7AB" not in statement
    assert statement.startswith("████████████, ███████████████, lived at ███████████, Leeds")
    assert b"Kowalska" not in Path(f"{tmp_path}/lif.db").read_bytes()


def test_erase_a_run_then_rejects_show_says_erased_and_the_log_verifies(tmp_path: Path) -> None:
    path = _learning_log_with(tmp_path, "Timeliness improved; date identified was not a date")
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    for row in sheet.iter_rows():
        if row[0].value and str(row[0].value).startswith("LRN-"):
            row[3].value = "Zebedee Quartermaine"  # 'Date identified': the row is refused
            break
    book.save(path)
    store = f"sqlite:///{tmp_path}/lif.db"

    def lif(*args: str):
        return CliRunner().invoke(app, ["--store", store, *args], env=ENV)

    ingested = lif("ingest", "learning-log", str(path), "--json")
    [summary] = json.loads(ingested.stdout)["files"]
    run_id = summary["run_id"]
    shown = json.loads(lif("rejects", "show", run_id, "--json").stdout)
    [rejection] = shown["rejections"]
    assert rejection["raw"]["Date identified"] == "Zebedee Quartermaine"  # opened with its key

    erased = lif("privacy", "erase", "--run", run_id[:8], "--rationale", "named a person")
    assert erased.exit_code == 0, erased.output
    assert erased.stdout.startswith(f"erased the rejected rows of run {run_id}: 1 data key")
    shown = json.loads(lif("rejects", "show", run_id, "--json").stdout)
    assert shown["rejections"][0]["raw"] == "[erased]"
    text = lif("rejects", "show", run_id).stdout
    assert "the row: [erased]" in text and "Quartermaine" not in text

    again = lif("privacy", "erase", "--run", run_id, "--rationale", "named a person")
    assert again.exit_code == 0
    assert again.stdout.startswith(f"already erased: run:{run_id} (on ")
    assert again.stdout.rstrip().endswith("nothing to do")
    assert lif("audit", "verify").exit_code == 0
    assert b"Quartermaine" not in Path(f"{tmp_path}/lif.db").read_bytes()

    missing = lif("privacy", "erase", "--rationale", "why")
    assert missing.exit_code == 2
    assert "one of --record ID, --run ID or --matching TEXT" in missing.stderr

    retention = lif("privacy", "retention", "--days", "0", "--dry-run")
    assert retention.exit_code == 0
    assert retention.stdout.strip() == "0 runs past 0 days (dry run: nothing erased)"
