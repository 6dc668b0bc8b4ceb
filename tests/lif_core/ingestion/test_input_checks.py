"""Inputs refused before or while they are read: special files, binary files, the input limits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from bad_files import binary_named_csv, fifo_named_csv, link_to_dev_zero, xlsx_with_a_huge_cell

from lif_core.config import InputLimits, input_limits
from lif_core.errors import ConfigError, InputError
from lif_core.ingestion.readers import read_rows
from lif_core.plugins import Columns, InputOptions

OPTIONS = InputOptions(
    formats=("csv", "xlsx", "jsonl"),
    columns=Columns(variants={"urn": ("URN",), "name": ("Name",)}, required=("urn",)),
)
SUPPORT = Path(__file__).resolve().parents[2] / "support"


def _refusal(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        list(read_rows(path, OPTIONS))
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_the_limits_have_safe_defaults_and_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert input_limits() == InputLimits(
        max_file_bytes=256 << 20,
        max_line_bytes=1 << 20,
        max_field_bytes=128 << 10,
        max_rows=1048576,
    )
    monkeypatch.setenv("LIF_INPUT_MAX_FIELD", "64K")
    monkeypatch.setenv("LIF_INPUT_MAX_FILE", "2g")
    monkeypatch.setenv("LIF_INPUT_MAX_ROWS", "5000")
    assert input_limits() == InputLimits(
        max_file_bytes=2 << 30, max_line_bytes=1 << 20, max_field_bytes=64 << 10, max_rows=5000
    )
    monkeypatch.setenv("LIF_INPUT_MAX_LINE", "lots")
    with pytest.raises(ConfigError, match="LIF_INPUT_MAX_LINE='lots' is not a size"):
        input_limits()


def test_a_fifo_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    path = fifo_named_csv(tmp_path)
    with pytest.raises(
        InputError, match=r"pipe\.csv: is a named pipe \(FIFO\), not a regular file"
    ):
        read_rows(path, OPTIONS)  # refused when asked, not when the rows are first read


def test_a_link_to_a_device_is_refused_naming_what_it_points_at(tmp_path: Path) -> None:
    message = _refusal(link_to_dev_zero(tmp_path))
    assert message.startswith("zeros.csv: is a link to /dev/zero, which is a character device")


def test_a_binary_file_named_csv_is_refused_in_one_line(tmp_path: Path) -> None:
    message = _refusal(binary_named_csv(tmp_path))
    assert message.startswith("ls.csv: line 1 holds a NUL byte: this is a binary file, not text")


def test_a_csv_field_over_the_limit_is_refused_naming_its_line_and_the_setting(
    tmp_path: Path,
) -> None:
    path = tmp_path / "long.csv"
    path.write_text("URN,Name\n1,short\n2," + "x" * (128 * 1024 + 1) + "\n", encoding="utf-8")
    message = _refusal(path)
    assert message == (
        "long.csv: a field on line 3 is over the limit of 128 KiB; the file was refused unread "
        "(if it is genuine, raise LIF_INPUT_MAX_FIELD)"
    )


def test_a_quoted_field_spread_over_lines_is_held_to_the_field_limit_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIF_INPUT_MAX_FIELD", "1K")
    path = tmp_path / "quoted.csv"
    path.write_text('URN,Name\n1,"' + "many\n" * 300 + '"\n', encoding="utf-8")
    assert "a field on line" in _refusal(path)


def test_a_line_over_the_line_limit_is_refused_without_reading_it_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIF_INPUT_MAX_LINE", "4K")
    path = tmp_path / "wide.csv"
    path.write_text("URN,Name\n" + ",".join(["1"] * 3000) + "\n", encoding="utf-8")
    assert _refusal(path).startswith("wide.csv: line 2 is over the limit of 4 KiB")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIF_INPUT_MAX_FILE", "1K")
    path = tmp_path / "big.csv"
    path.write_text("URN,Name\n" + "1,A\n" * 400, encoding="utf-8")
    with pytest.raises(
        InputError, match=r"big\.csv: its size \(1.6 KiB\) is over the limit of 1 KiB"
    ):
        read_rows(path, OPTIONS)


def test_a_workbook_that_unpacks_over_the_size_limit_is_refused_from_its_zip_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = xlsx_with_a_huge_cell(tmp_path / "bomb.xlsx", 3 << 20, ("URN", "Name"))
    assert path.stat().st_size < 100_000
    monkeypatch.setenv("LIF_INPUT_MAX_FILE", "2M")
    message = _refusal(path)
    assert message.startswith(
        "bomb.xlsx: the workbook unpacked (3.0 MiB) is over the limit of 2 MiB"
    )


def test_a_workbook_cell_over_the_field_limit_is_refused_before_the_workbook_is_opened(
    tmp_path: Path,
) -> None:
    path = xlsx_with_a_huge_cell(tmp_path / "cell.xlsx", 200_000, ("URN", "Name"))
    message = _refusal(path)
    assert message.startswith(
        "cell.xlsx: a cell's text (in the part xl/worksheets/sheet1.xml) is over the limit of 128 KiB"
    )
    assert message.endswith("raise LIF_INPUT_MAX_FIELD)")


def _sheet(path: Path, rows: int) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(["URN", "Name"])
    for i in range(rows):
        sheet.append([i, "A"])
    book.save(path)
    return path


def test_a_sheet_over_the_row_limit_is_refused_from_its_dimension(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIF_INPUT_MAX_ROWS", "50")
    message = _refusal(_sheet(tmp_path / "rows.xlsx", 60))
    assert message == (
        "rows.xlsx: sheet 'Data' says it holds 61 rows, over the limit of 50; the file was "
        "refused (if it is genuine, raise LIF_INPUT_MAX_ROWS)"
    )
    assert len(list(read_rows(_sheet(tmp_path / "fine.xlsx", 49), OPTIONS))) == 49


def test_an_undecodable_jsonl_line_is_marked_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"URN": 1}\n{"URN": 2, "Name": "Rep\xff\xfeeated"}\n')
    rows = list(read_rows(path, OPTIONS))
    assert [r.undecodable for r in rows] == [(), ("line",)]
    assert rows[1].raw == {"_unparsed": '{"URN": 2, "Name": "Rep\ufffd\ufffdeated"}'}
    fallback = InputOptions(formats=("jsonl",), fallback_encoding="cp1252")
    again = list(read_rows(path, fallback))
    assert again[1].values == {"URN": 2, "Name": "Rep\u00ff\u00feeated"}
    assert again[1].redecoded == ("line",)


# A whole workbook of 400 MB of text in a 400 KB file: refused, in a process of its own. Its peak
# is VmHWM, its own high-water mark: ru_maxrss of a process started by fork and exec starts at
# its parent's size (the test runner's).
_PEAK = """
import json, sys
from pathlib import Path
from lif_core.errors import InputError
from lif_core.ingestion.readers import read_rows
from lif_core.plugins import InputOptions
try:
    list(read_rows(Path(sys.argv[1]), InputOptions(formats=("xlsx",))))
    outcome = "read"
except InputError as exc:
    outcome = str(exc)
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"outcome": outcome, "peak_mb": peak / 1024}))
"""


@pytest.mark.parametrize(
    ("max_file", "refused_by"),
    [
        ("", "the workbook unpacked (400.0 MiB) is over the limit of 256 MiB"),
        ("1G", "a cell's text (in the part xl/worksheets/sheet1.xml) is over the limit of 128 KiB"),
    ],
    ids=["by-its-zip-directory", "by-streaming-its-parts"],
)
def test_a_400_mb_cell_in_a_small_workbook_is_refused_in_under_300_mb(
    tmp_path_factory: pytest.TempPathFactory, max_file: str, refused_by: str
) -> None:
    folder = tmp_path_factory.getbasetemp() / "huge-cell"
    path = folder / "huge.xlsx"
    if not path.exists():
        folder.mkdir(exist_ok=True)
        xlsx_with_a_huge_cell(path, 400 << 20, ("URN", "Name"))
    assert path.stat().st_size < 1_000_000
    env = {**os.environ, "LIF_INPUT_MAX_FILE": max_file}
    run = subprocess.run(
        [sys.executable, "-c", _PEAK, str(path)], capture_output=True, text=True, env=env
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["outcome"].startswith(f"huge.xlsx: {refused_by}")
    assert report["peak_mb"] < 300, report
