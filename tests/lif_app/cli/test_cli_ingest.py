"""``lif ingest`` and ``lif rejects``: through the installed example plugin, on both stores."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from broken_plugins import install
from typer.testing import CliRunner

from lif_app.cli.app import app
from lif_app.cli.ingest import summary_line
from lif_core.ingestion import IngestResult

SAMPLES = (
    Path(__file__).resolve().parents[3] / "plugins/lif-plugin-example/lif_plugin_example/samples"
)
Q1 = SAMPLES / "wyp-referrals-2024-25-q1.csv"
Q2 = SAMPLES / "wyp-referrals-2024-25-q2.csv"
BAD = SAMPLES / "bad" / "wyp-referrals-errors.csv"
ENV = {"LIF_PLUGINS_THIRD_PARTY": "1", "LIF_PLUGINS_ALLOW": "wyp-referrals"}


@pytest.fixture
def lif(store_url: str):
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(app, ["--store", store_url, *args], env={**ENV, **(env or {})})

    return invoke


def test_each_file_gets_one_summary_line_with_counts_and_time(lif) -> None:
    result = lif("ingest", "wyp-referrals", str(Q1), str(Q2))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "✓ wyp-referrals-2024-25-q1.csv  25 recorded, 0 revised, 0 unchanged, 0 withdrawn, "
        "0 rejected  (25 rows in "
    )
    assert lines[0].endswith(" s)")
    assert lines[1].startswith("✓ wyp-referrals-2024-25-q2.csv  25 recorded")
    assert lines[2] == "2 files: 2 ok, 0 failed"
    assert "rows" not in result.stderr  # no progress bar when not on a terminal


def test_ingesting_again_says_the_file_was_already_ingested(lif) -> None:
    lif("ingest", "wyp-referrals", str(Q1))
    again = lif("ingest", "wyp-referrals", str(Q1))
    assert again.exit_code == 0
    assert again.stdout.startswith("= wyp-referrals-2024-25-q1.csv  already ingested (run ")
    assert again.stdout.rstrip().endswith("nothing written")


def test_a_folder_stands_for_its_input_files_in_name_order(lif) -> None:
    result = lif("ingest", "wyp-referrals", str(SAMPLES), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [Path(f["path"]).name for f in report["files"]] == [
        "wyp-referral-actions-2024-25-q3.csv",  # '-' sorts before 's'
        Q1.name,
        Q2.name,
    ]
    assert report["ok"] is True and report["plugin_failures"] == []


def test_a_failing_file_does_not_stop_the_others_and_the_exit_is_1(lif, tmp_path: Path) -> None:
    wrong = tmp_path / "not-referrals.csv"
    wrong.write_text("Name,Beds\nOak,4\n")
    result = lif("ingest", "wyp-referrals", str(wrong), str(Q1), str(tmp_path / "absent.csv"))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "✗ not-referrals.csv  failed (input): not-referrals.csv: no header row"
    )
    assert lines[1].startswith("✓ wyp-referrals-2024-25-q1.csv  25 recorded")
    assert lines[2].startswith("✗ absent.csv  failed (input)")
    assert lines[3] == "3 files: 1 ok, 2 failed"


def test_json_reports_every_file_with_counts_status_and_run(lif) -> None:
    result = lif("ingest", "wyp-referrals", str(BAD), "--json")
    assert result.exit_code == 0
    [file] = json.loads(result.stdout)["files"]
    assert file["status"] == "completed"
    assert file["counts"] == {
        "read": 9,
        "recorded": 2,
        "revised": 0,
        "unchanged": 0,
        "withdrawn": 0,
        "rejected": 7,
        "redecoded": 0,
        "rejected_before": 0,
    }
    assert file["source"] == "wyp-referrals" and len(file["run_id"]) == 36


def test_dry_run_and_limit(lif) -> None:
    dry = lif("ingest", "wyp-referrals", str(Q1), "--dry-run", "--limit", "5")
    assert dry.exit_code == 0
    assert "5 recorded" in dry.stdout and "dry run: nothing written" in dry.stdout
    real = lif("ingest", "wyp-referrals", str(Q1), "--json")
    assert json.loads(real.stdout)["files"][0]["counts"]["recorded"] == 25


def test_an_unknown_source_is_refused_with_the_nearest_name(lif) -> None:
    result = lif("ingest", "wyp-referral", str(Q1))
    assert result.exit_code == 1
    assert "no source named 'wyp-referral'. Did you mean: wyp-referrals?" in result.stderr


def test_a_source_whose_plugin_failed_to_load_fails_alone(
    lif, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = install(
        tmp_path / "site", "lif-plugin-police-broken", {"police-broken": "no_such_module"}
    )
    monkeypatch.syspath_prepend(str(site))
    env = {"LIF_PLUGINS_ALLOW": "police-broken,wyp-referrals"}
    broken = lif("ingest", "police-broken", str(Q1), env=env)
    assert broken.exit_code == 1
    assert (
        "the plugin of 'police-broken' failed to load: police-broken: plugin-bug: import failed"
        in (" ".join(broken.stderr.split()))
    )
    fine = lif("ingest", "wyp-referrals", str(Q1), env=env)
    assert fine.exit_code == 0, fine.output


@pytest.mark.parametrize(
    ("module", "says"),
    [
        ("unknown_kind", "map_row emitted the kind 'area-counts', which the source does not"),
        ("misspelt_field", "map_row gave kind 'area-count' the field 'referals' (did you mean"),
    ],
)
def test_an_undeclared_kind_or_a_misspelt_field_fails_the_file_as_a_plugin_bug(
    lif, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, says: str
) -> None:
    name = f"toy-{module.replace('_', '-')}"
    site = install(tmp_path / "site", "lif-plugin-toy", {name: f"broken_plugins.{module}"})
    monkeypatch.syspath_prepend(str(site))
    sample = tmp_path / "counts.csv"
    sample.write_text("Year,Area,Referrals\n2024,Leeds,12\n2024,York,7\n")
    result = lif("ingest", name, str(sample), "--json", env={"LIF_PLUGINS_ALLOW": name})
    assert result.exit_code == 1
    [file] = json.loads(result.stdout)["files"]
    assert (file["status"], file["failure_kind"]) == ("failed", "plugin-bug")
    assert file["message"].startswith(says)
    assert file["message"].endswith("(counts.csv, line 2)")
    assert file["counts"]["rejected"] == 0  # a bug, not two rejected rows


def test_rejects_list_and_show_give_where_why_and_the_row(lif) -> None:
    run_id = json.loads(lif("ingest", "wyp-referrals", str(BAD), "--json").stdout)["files"][0][
        "run_id"
    ]
    listed = lif("rejects", "list", "--json")
    assert listed.exit_code == 0
    [run] = json.loads(listed.stdout)
    assert (run["run_id"], run["source"], run["rejected"]) == (run_id, "wyp-referrals", 7)
    assert Path(run["origin"]).name == BAD.name
    assert json.loads(lif("rejects", "list", "cdop", "--json").stdout) == []
    assert run_id in lif("rejects", "list").stdout

    shown = json.loads(lif("rejects", "show", run_id[:8], "--json").stdout)
    assert shown["run_id"] == run_id and shown["failed"] is None
    first = shown["rejections"][0]
    assert first["locator"] == {"line": 4}
    assert first["reasons"] == [
        "column 'district': 'Harrogate' is not a West Yorkshire district "
        "(bradford, calderdale, kirklees, leeds, wakefield)"
    ]
    assert first["raw"]["District"] == "Harrogate"
    assert [r["locator"]["line"] for r in shown["rejections"]] == [4, 5, 6, 7, 8, 9, 10]

    text = lif("rejects", "show", run_id).stdout
    assert "line 4" in text and "'Harrogate' is not a West Yorkshire district" in text
    assert "District: 'Harrogate'" in text


def test_rejects_show_explains_a_failed_run_and_refuses_unknown_ids(lif, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("Name\nOak\n")
    run_id = json.loads(lif("ingest", "wyp-referrals", str(wrong), "--json").stdout)["files"][0][
        "run_id"
    ]
    shown = lif("rejects", "show", run_id)
    assert shown.exit_code == 0
    assert "the run failed (input):" in shown.stdout and "no rejected rows" in shown.stdout
    unknown = lif("rejects", "show", "00000000-dead")
    assert unknown.exit_code == 1
    assert "no ingestion run '00000000-dead'" in unknown.stderr
    assert lif("rejects", "show", "abc").exit_code == 1


def test_the_summary_line_of_a_run_with_rejections_points_at_them(tmp_path: Path) -> None:
    result = IngestResult(
        "s",
        "o",
        "run-1",
        counts={
            **dict.fromkeys(("read", "recorded", "revised", "unchanged", "withdrawn"), 1),
            "rejected": 2,
        },
    )
    assert summary_line(tmp_path / "f.csv", result).endswith("[dim]`lif rejects show run-1`[/]")


def test_a_copy_of_a_file_under_another_name_writes_no_records(lif, tmp_path: Path) -> None:
    lif("ingest", "wyp-referrals", str(Q1))
    copy = tmp_path / "copy.csv"
    shutil.copy(Q1, copy)
    again = lif("ingest", "wyp-referrals", str(copy))
    assert again.stdout.startswith("= copy.csv  already ingested")


def test_on_a_terminal_a_live_row_counter_shows_progress(tmp_path: Path) -> None:
    big = tmp_path / "referrals-big.csv"
    lines = Q1.read_text().splitlines()
    rows = [
        f"{i // 25 + 2000}-{(i // 25 + 2001) % 100:02d} Q1,{line.split(',', 2)[1]},{line.split(',', 2)[2]}"
        for i, line in enumerate(lines[2:] * 200)
    ]
    big.write_text("\n".join(lines[:2] + rows) + "\n")
    leader, follower = os.openpty()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("lif")),
            "--store",
            f"sqlite:///{tmp_path}/t.db",
            "ingest",
            "wyp-referrals",
            str(big),
        ],
        stdout=follower,
        stderr=follower,
        env={**os.environ, **ENV, "TERM": "xterm", "COLUMNS": "120"},
    )
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        output += chunk
    assert process.wait(timeout=120) == 0, output.decode(errors="replace")
    text = output.decode(errors="replace")
    assert "rows" in text.split("✓")[0]  # the counter, drawn before the summary line
    assert "5,000 recorded" in text or "5000 recorded" in text
