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


def test_a_partner_name_holding_a_semicolon_is_refused_and_nothing_written(tmp_path: Path) -> None:
    """An action shared by several agencies names them 'A; B': a partner whose name held ';'
    would be read as two partners in every count by partner."""
    url = f"sqlite:///{tmp_path}/lif.db"
    refused = _lif(
        url,
        "partner",
        "add",
        "--ref",
        "LCC",
        "--name",
        "Leeds; City Council",
        "--sector",
        "local-authority",
    )
    assert refused.exit_code != 0
    assert "cannot hold ';'" in refused.output
    added = _lif(
        url,
        "partner",
        "add",
        "--ref",
        "LCC",
        "--name",
        "Leeds City Council",
        "--sector",
        "local-authority",
    )
    assert added.exit_code == 0, added.output  # the refused one wrote nothing: LCC is free
    alias = _lif(url, "partner", "alias", "LCC", "--alias", "Children; Families")
    assert alias.exit_code != 0 and "cannot hold ';'" in alias.output
    listed = _lif(url, "partner", "list", "--json")
    [partner] = json.loads(listed.stdout)
    assert (partner["reference"], partner["name"]) == ("LCC", "Leeds City Council")
    assert not partner.get("aliases")  # the refused alias was not added


def test_a_table_written_to_a_pipe_keeps_each_row_on_one_line(tmp_path: Path) -> None:
    """Piped or redirected (no screen to fit), tables are not squeezed to 80 columns: a row stays
    whole for grep. COLUMNS, when set, still decides."""
    import os
    import subprocess
    import sys

    lif = Path(sys.executable).with_name("lif")
    name = "Leeds Teaching Hospitals NHS Trust Safeguarding Children and Young People Team"
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["LIF_STORE"] = f"sqlite:///{tmp_path}/lif.db"
    env["LIF_ACTOR"] = "chair"
    subprocess.run(
        [lif, "partner", "add", "--ref", "LTHT", "--name", name, "--sector", "health"],
        env=env,
        check=True,
        capture_output=True,
    )
    piped = subprocess.run(
        [lif, "partner", "list"], env=env, check=True, capture_output=True, text=True
    )
    assert any(name in line and "LTHT" in line for line in piped.stdout.splitlines()), piped.stdout
    narrow = subprocess.run(
        [lif, "partner", "list"],
        env={**env, "COLUMNS": "60"},
        check=True,
        capture_output=True,
        text=True,
    )
    assert not any(name in line for line in narrow.stdout.splitlines()), narrow.stdout
