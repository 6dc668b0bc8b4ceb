"""``lif ingest`` fed bad files: one line and a failed run each, and the command goes on.

Each file an attacker or a broken export would send — an executable named ``.csv``, a FIFO, a
link to ``/dev/zero``, a CSV field over the limit, a 400 MB cell in a small workbook — is refused
in one line with exit 1 and a failed run in the log and in ``ingestion_runs``, while the good
file given in the same command is ingested. Invalid UTF-8 is a rejected row, not a guess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from bad_files import binary_named_csv, fifo_named_csv, link_to_dev_zero, xlsx_with_a_huge_cell
from eventsourcing.utils import get_topic
from typer.testing import CliRunner

from lif_app.cli.app import app
from lif_core.domain import IngestionRun
from lif_core.eventlog.store import Store
from projections import project

SAMPLES = (
    Path(__file__).resolve().parents[3] / "plugins/lif-plugin-example/lif_plugin_example/samples"
)
Q1 = SAMPLES / "wyp-referrals-2024-25-q1.csv"
ENV = {"LIF_PLUGINS_THIRD_PARTY": "1", "LIF_PLUGINS_ALLOW": "wyp-referrals"}
HEADER = ("Quarter", "District", "Referral type", "Referrals", "Of which to children's social care")


def _long_field(folder: Path) -> Path:
    path = folder / "long-field.csv"
    path.write_text(
        ",".join(HEADER) + "\n2024-25 Q1,Leeds,Child concern," + "9" * 131_073 + ",1\n",
        encoding="utf-8",
    )
    return path


def _failed_runs(store: Store) -> dict[str, str]:
    """Run id -> reason, for every failed run in the log."""
    return {
        str(event.correlation): event.reason
        for event in map(
            store.decode, store.iter_notifications(topics=[get_topic(IngestionRun.Failed)])
        )
    }


def test_each_bad_file_is_one_line_and_a_failed_run_and_the_good_file_still_ingests(
    store_url: str, tmp_path: Path
) -> None:
    bad = {
        "ls.csv": binary_named_csv(tmp_path),
        "pipe.csv": fifo_named_csv(tmp_path),
        "zeros.csv": link_to_dev_zero(tmp_path),
        "long-field.csv": _long_field(tmp_path),
        "huge.xlsx": xlsx_with_a_huge_cell(tmp_path / "huge.xlsx", 400 << 20, HEADER),
    }
    says = {
        "ls.csv": "ls.csv: line 1 holds a NUL byte: this is a binary file, not text",
        "pipe.csv": "pipe.csv: is a named pipe (FIFO), not a regular file",
        "zeros.csv": "zeros.csv: is a link to /dev/zero, which is a character device",
        "long-field.csv": "long-field.csv: a field on line 2 is over the limit of 128 KiB",
        "huge.xlsx": "huge.xlsx: the workbook unpacked (400.0 MiB) is over the limit of 256 MiB",
    }
    paths = [str(p) for p in (*bad.values(), Q1)]
    result = CliRunner().invoke(
        app, ["--store", store_url, "ingest", "wyp-referrals", *paths], env=ENV
    )

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == len(paths) + 1  # a line per file, then the tally
    for line, name in zip(lines, bad, strict=False):
        assert line.startswith(f"✗ {name}  failed (input): {says[name]}"), line
    assert lines[-2].startswith("✓ wyp-referrals-2024-25-q1.csv  25 recorded")
    assert lines[-1] == "6 files: 1 ok, 5 failed"
    assert "Traceback" not in result.output

    report = json.loads(
        CliRunner()
        .invoke(
            app, ["--store", store_url, "ingest", "wyp-referrals", *paths[:-1], "--json"], env=ENV
        )
        .stdout
    )
    runs = {Path(f["path"]).name: f["run_id"] for f in report["files"]}
    with Store(store_url) as store:
        failed = _failed_runs(store)
        for name in bad:
            assert failed[runs[name]].startswith(says[name])
        project(store, reference_date=date(2025, 10, 15))
        with store.read() as tx:
            rows = tx.execute(
                "SELECT run_id, status, failure FROM ingestion_runs WHERE status = 'failed'"
            ).fetchall()
    catalogued = {run_id: failure for run_id, _, failure in rows}
    for name in bad:
        assert catalogued[runs[name]] == f"input: {failed[runs[name]]}"


def test_invalid_utf8_is_a_rejected_row_naming_it_not_a_guess(
    store_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "mangled.csv"
    path.write_bytes(
        (",".join(HEADER) + "\n").encode()
        + b"2024-25 Q1,Leeds,Child concern,10,4\n"
        + b"2024-25 Q1,Le\xff\xfeds,Missing child,7,2\n"
    )
    result = CliRunner().invoke(
        app, ["--store", store_url, "ingest", "wyp-referrals", str(path), "--json"], env=ENV
    )
    assert result.exit_code == 0, result.output
    [file] = json.loads(result.stdout)["files"]
    assert (file["counts"]["recorded"], file["counts"]["rejected"]) == (1, 1)
    shown = CliRunner().invoke(
        app, ["--store", store_url, "rejects", "show", file["run_id"], "--json"], env=ENV
    )
    [rejection] = json.loads(shown.stdout)["rejections"]
    assert rejection["locator"] == {"line": 3}
    assert rejection["reasons"][0].startswith(
        "column 'District' holds bytes that are not valid UTF-8"
    )
    assert rejection["raw"]["District"] == "Le\ufffd\ufffdds"  # never 'Leÿþds'


# The whole command in a process of its own, its peak read from VmHWM (its own high-water mark;
# ru_maxrss would start at the test runner's size).
_PEAK = """
import json, sys
from lif_app.cli.app import app
try:
    app(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"exit": code, "peak_mb": peak / 1024}), file=sys.stderr)
"""


@pytest.mark.parametrize("max_file", ["", "1G"], ids=["default-limits", "file-limit-raised"])
def test_the_400_mb_cell_is_refused_by_lif_ingest_in_under_300_mb(
    tmp_path: Path, max_file: str
) -> None:
    huge = xlsx_with_a_huge_cell(tmp_path / "huge.xlsx", 400 << 20, HEADER)
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            _PEAK,
            "--store",
            f"sqlite:///{tmp_path}/lif.db",
            "ingest",
            "wyp-referrals",
            str(huge),
            str(Q1),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **ENV, "LIF_INPUT_MAX_FILE": max_file},
    )
    report = json.loads(run.stderr.splitlines()[-1])
    assert report["exit"] == 1
    first, second, _ = run.stdout.splitlines()
    assert first.startswith("✗ huge.xlsx  failed (input): huge.xlsx: ")
    assert second.startswith("✓ wyp-referrals-2024-25-q1.csv  25 recorded")
    assert report["peak_mb"] < 300, report
