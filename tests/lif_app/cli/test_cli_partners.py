"""`lif partner …` and `lif ingest` together: names checked, refused or rejected with close matches."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from lif_app.cli.app import app

HEADER = "Agency,Return year,Standard,RAG,Evidence,Actions\n"


def _lif(url: str, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"LIF_STORE": url, "LIF_ACTOR": "chair"})


def _return(tmp_path: Path, agency: str) -> Path:
    path = tmp_path / "section-11.csv"
    path.write_text(
        HEADER + f"{agency},2024-25,1. Senior commitment,Green,Board report each quarter.,\n",
        encoding="utf-8",
    )
    return path


def test_with_an_empty_register_check_warns_that_nothing_is_checked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/lif.db"
    ingested = _lif(url, "ingest", "section-11", str(_return(tmp_path, "Anyone At All")))
    assert ingested.exit_code == 0, ingested.output
    checked = _lif(url, "partner", "check", "--json")
    assert "the partner register is empty, so no agency name is checked" in checked.stderr
    # Every name in the log resolves to no partner yet: listed, so the register can be made.
    assert checked.exit_code == 1
    assert {(r["name"], r["used_as"]) for r in json.loads(checked.stdout)} == {
        ("Anyone At All", "section-11 agency")
    }


def test_an_unknown_agency_in_a_file_is_rejected_and_in_a_command_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/lif.db"
    added = _lif(
        url,
        "partner",
        "add",
        "--ref",
        "LCH",
        "--name",
        "Leeds Community Healthcare NHS Trust",
        "--sector",
        "health",
    )
    assert added.exit_code == 0, added.output
    ingested = _lif(
        url, "ingest", "section-11", str(_return(tmp_path, "Leeds Comunity Healthcare")), "--json"
    )
    assert ingested.exit_code == 0, ingested.output  # the file is read; its bad row is kept
    [file] = json.loads(ingested.stdout)["files"]
    assert (file["counts"]["recorded"], file["counts"]["rejected"]) == (0, 1)
    shown = _lif(url, "rejects", "show", file["run_id"], "--json")
    [rejection] = json.loads(shown.stdout)["rejections"]
    assert "Did you mean 'Leeds Community Healthcare NHS Trust'?" in rejection["reasons"][0]

    refused = _lif(
        url,
        "action",
        "raise",
        "--description",
        "Audit supervision",
        "--owner-agency",
        "Leeds Comunity Healthcare",
        "--due",
        "2025-09-30",
    )
    assert refused.exit_code == 1
    assert "Did you mean 'Leeds Community Healthcare NHS Trust'?" in refused.output + (
        refused.stderr or ""
    )
    checked = _lif(url, "partner", "check")
    assert "register is empty" not in checked.stderr
    assert checked.exit_code == 0  # nothing unknown reached the log
