"""The host's readers: headers found below title rows, columns resolved, rows located, files refused clearly."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from lif_core.errors import InputError
from lif_core.ingestion.readers import detect_format, read_rows, read_some_rows
from lif_core.plugins import Columns, InputOptions

COLUMNS = Columns(
    variants={"urn": ("URN", "Unique reference number"), "name": ("Provider name", "Name")},
    required=("urn",),
)
OPTIONS = InputOptions(formats=("csv", "xlsx", "json", "jsonl"), columns=COLUMNS)


def _csv(tmp_path: Path, text: str | bytes, name: str = "in.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def test_csv_rows_carry_canonical_values_the_raw_row_and_their_line(tmp_path: Path) -> None:
    path = _csv(tmp_path, "URN,Provider name,Beds\n 101 ,Oak House,4\n102,Elm Lodge,\n")
    rows = list(read_rows(path, OPTIONS))
    assert [r.values for r in rows] == [
        {"urn": "101", "name": "Oak House"},
        {"urn": "102", "name": "Elm Lodge"},
    ]
    assert rows[0].raw == {"URN": "101", "Provider name": "Oak House", "Beds": "4"}
    assert rows[1].raw["Beds"] is None  # blank cells are None, never ""
    assert [r.locator for r in rows] == [{"line": 2}, {"line": 3}]
    assert rows[0].origin == "in.csv"


def test_rows_a_reader_does_not_keep_come_unbuilt_counted_without_blank_rows(
    tmp_path: Path,
) -> None:
    lines = "".join(f"{n},Home {n},\n" + (",,\n" if n % 3 == 0 else "") for n in range(1, 11))
    path = _csv(tmp_path, "URN,Provider name,Beds\n" + lines)
    every = list(read_rows(path, OPTIONS))
    some = list(read_some_rows(path, OPTIONS, keep=lambda n: n % 4 in (1, 2)))
    assert len(every) == len(some) == 10  # the blank rows are neither rows nor numbers
    for n, (whole, part) in enumerate(zip(every, some, strict=True), start=1):
        assert part == (whole if n % 4 in (1, 2) else None)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["URN", "Provider name"])
    for n in range(1, 6):
        sheet.append([n, f"Home {n}"])
    book.save(tmp_path / "in.xlsx")
    kept = list(read_some_rows(tmp_path / "in.xlsx", OPTIONS, keep=lambda n: n > 3))
    assert [r.values["urn"] if r else None for r in kept] == [None, None, None, 4, 5]


def test_header_variants_match_ignoring_case_blanks_and_a_bom(tmp_path: Path) -> None:
    path = _csv(tmp_path, "\ufeff  unique   REFERENCE number ,NAME\n5,A\n")
    [row] = read_rows(path, OPTIONS)
    assert row.values == {"urn": "5", "name": "A"}


def test_title_rows_above_the_header_are_skipped_and_kept_for_the_plugin(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Children's homes at 31 March 2025,,\n\nURN,Name\n7,Ash\n",
    )
    [row] = read_rows(path, OPTIONS)
    assert row.locator == {"line": 4}
    assert row.origin_meta["title"] == "Children's homes at 31 March 2025"
    assert row.origin_meta["header_row"] == 3
    assert row.origin_meta["header"] == ["URN", "Name"]


def test_blank_rows_are_skipped_and_extra_cells_kept_under_their_position(tmp_path: Path) -> None:
    path = _csv(tmp_path, "URN,Name\n,\n8,Birch,stray note\n9\n")
    rows = list(read_rows(path, OPTIONS))
    assert [r.locator["line"] for r in rows] == [3, 4]
    assert rows[0].raw == {"URN": "8", "Name": "Birch", "column 3": "stray note"}
    assert rows[1].values == {"urn": "9", "name": None}


def test_a_file_without_the_required_header_is_refused_saying_which_columns(
    tmp_path: Path,
) -> None:
    path = _csv(tmp_path, "Provider,Beds\nOak,4\n")
    with pytest.raises(InputError, match=r"in\.csv: no header row with the required columns 'urn'"):
        list(read_rows(path, OPTIONS))


def test_the_header_is_looked_for_only_within_header_search_rows(tmp_path: Path) -> None:
    path = _csv(tmp_path, "title\nmore title\nURN,Name\n1,A\n")
    options = InputOptions(columns=COLUMNS, header_search_rows=2)
    with pytest.raises(InputError, match="in the first 2 rows"):
        list(read_rows(path, options))


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="the file is empty"):
        list(read_rows(_csv(tmp_path, ""), InputOptions()))


def test_without_columns_every_named_header_is_a_value(tmp_path: Path) -> None:
    [row] = read_rows(_csv(tmp_path, "a,,c\n1,2,3\n"), InputOptions())
    assert row.values == {"a": "1", "c": "3"}
    assert row.raw == {"a": "1", "column 2": "2", "c": "3"}


def test_a_cell_in_cp1252_among_utf8_lines_is_redecoded_only_where_a_fallback_is_declared(
    tmp_path: Path,
) -> None:
    data = "URN,Name\n1,Caf\u00e9\n".encode() + "2,Smith \u2013 Jones\n".encode("cp1252")
    path = _csv(tmp_path, data)
    declared = InputOptions(columns=COLUMNS, fallback_encoding="cp1252")
    rows = list(read_rows(path, declared))
    assert [r.values["name"] for r in rows] == ["Caf\u00e9", "Smith \u2013 Jones"]
    assert [r.redecoded for r in rows] == [(), ("Name",)]
    assert [r.undecodable for r in rows] == [(), ()]


def test_without_a_fallback_an_invalid_byte_marks_its_cell_and_is_kept_visibly(
    tmp_path: Path,
) -> None:
    data = b"URN,Name\n1,Rep\xff\xfeeated\n2,Fine\n"
    rows = list(read_rows(_csv(tmp_path, data), OPTIONS))
    assert [r.undecodable for r in rows] == [("Name",), ()]
    assert rows[0].raw == {"URN": "1", "Name": "Rep\ufffd\ufffdeated"}  # never as cp1252 'ÿþ'
    assert rows[1].values == {"urn": "2", "name": "Fine"}


def test_an_undecodable_title_or_header_refuses_the_file_naming_the_line(
    tmp_path: Path,
) -> None:
    path = _csv(tmp_path, b"Providers \x96 March\nURN,Name\n1,A\n")
    with pytest.raises(InputError, match=r"in\.csv: line 1 \(above the data\) holds a byte "):
        list(read_rows(path, OPTIONS))
    declared = InputOptions(columns=COLUMNS, fallback_encoding="cp1252")
    [row] = read_rows(path, declared)
    assert row.origin_meta["title"] == "Providers \u2013 March"


def test_a_declared_encoding_and_delimiter_are_used(tmp_path: Path) -> None:
    path = _csv(tmp_path, "URN;Name\n3;G\u00f6ran\n".encode("latin-1"))
    options = InputOptions(columns=COLUMNS, encoding="latin-1", delimiter=";")
    [row] = read_rows(path, options)
    assert row.values == {"urn": "3", "name": "G\u00f6ran"}


def test_ignored_columns_are_neither_read_nor_kept(tmp_path: Path) -> None:
    path = _csv(tmp_path, "URN,Child name,Name\n4,Jo Bloggs,Oak\n")
    options = InputOptions(columns=COLUMNS, ignore_columns=("child  NAME",))
    [row] = read_rows(path, options)
    assert row.raw == {"URN": "4", "Name": "Oak"}
    assert "Jo Bloggs" not in json.dumps(row.values)


def test_xlsx_rows_are_located_by_sheet_and_row_with_dates_as_iso(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Providers"
    sheet.append(["Providers at 31 March 2025"])
    sheet.append(["URN", "Name", "Inspected"])
    sheet.append([11, "Oak", datetime(2025, 3, 4)])
    sheet.append([12, "Elm", datetime(2025, 3, 4, 9, 30)])
    other = book.create_sheet("Notes")
    other.append(["URN", "Name"])
    other.append([99, "Only here"])
    path = tmp_path / "providers.xlsx"
    book.save(path)

    rows = list(read_rows(path, OPTIONS))
    assert [r.locator for r in rows] == [
        {"sheet": "Providers", "row": 3},
        {"sheet": "Providers", "row": 4},
    ]
    assert rows[0].values == {"urn": 11, "name": "Oak"}
    assert rows[0].raw["Inspected"] == "2025-03-04"
    assert rows[1].raw["Inspected"] == "2025-03-04T09:30:00"
    assert rows[0].origin_meta["title"] == "Providers at 31 March 2025"

    notes = InputOptions(formats=("xlsx",), columns=COLUMNS, sheet="Notes")
    assert [r.values["name"] for r in read_rows(path, notes)] == ["Only here"]
    missing = InputOptions(formats=("xlsx",), columns=COLUMNS, sheet="Nope")
    with pytest.raises(InputError, match=r"no sheet named 'Nope' \(sheets: Providers, Notes\)"):
        list(read_rows(path, missing))


def test_a_damaged_workbook_is_refused_as_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip file")
    with pytest.raises(InputError, match=r"broken\.xlsx: not a readable XLSX workbook"):
        list(read_rows(path, OPTIONS))


def test_json_arrays_and_records_wrappers_are_read_with_their_index(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"records": [{"URN": 1, "Name": " A "}, {"urn": 2}]}))
    rows = list(read_rows(path, OPTIONS))
    assert [r.locator for r in rows] == [{"index": 0}, {"index": 1}]
    assert [r.values for r in rows] == [{"urn": 1, "name": "A"}, {"urn": 2}]
    path.write_text(json.dumps({"data": 1}))
    with pytest.raises(InputError, match="expected a JSON array of records"):
        list(read_rows(path, OPTIONS))
    path.write_text("{not json")
    with pytest.raises(InputError, match=r"in\.json: not valid JSON"):
        list(read_rows(path, OPTIONS))


def test_a_bad_jsonl_line_becomes_a_row_the_plugin_can_reject(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"URN": 1}\n\n{broken\n[1, 2]\n', encoding="utf-8")
    rows = list(read_rows(path, OPTIONS))
    assert [r.locator for r in rows] == [{"line": 1}, {"line": 3}, {"line": 4}]
    assert rows[0].values == {"urn": 1}
    assert rows[1].raw["_unparsed"] == "{broken" and "_error" in rows[1].raw
    assert rows[2].raw == {"_unparsed": [1, 2], "_error": "not a JSON object"}


def test_unknown_types_other_formats_and_missing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"unknown file type '\.txt'"):
        detect_format(tmp_path / "notes.txt")
    assert detect_format(Path("X.NDJSON")) == "jsonl"
    with pytest.raises(InputError, match="this source reads csv, not xlsx"):
        read_rows(tmp_path / "a.xlsx", InputOptions(formats=("csv",)))
    with pytest.raises(InputError, match="no such file"):
        read_rows(tmp_path / "absent.csv", InputOptions())
