"""The host's readers: CSV, XLSX, JSON and JSONL files streamed as :class:`Row` objects."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, cast

from lif_core.errors import InputError
from lif_core.plugins.spec import Columns, InputOptions, Row

__all__ = ["FORMATS", "detect_format", "read_rows", "read_some_rows"]

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def detect_format(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise InputError(
            f"{path}: unknown file type {path.suffix!r} (expected one of {known})"
        ) from None


def read_rows(path: Path, options: InputOptions) -> Iterator[Row]:
    """Stream the data rows of ``path``, header found and columns resolved."""
    return cast(Iterator[Row], _open(path, options, None))  # without ``keep`` every row comes


def read_some_rows(
    path: Path, options: InputOptions, keep: Callable[[int], bool]
) -> Iterator[Row | None]:
    """:func:`read_rows`, but a data row whose number (1, 2, … counting non-blank rows) ``keep``
    refuses comes as ``None``, unbuilt: for readers that share a file and parse a part each.
    (JSON inputs come whole: they are built before they can be counted.)"""
    return _open(path, options, keep)


def _open(
    path: Path, options: InputOptions, keep: Callable[[int], bool] | None
) -> Iterator[Row | None]:
    fmt = detect_format(path)
    if fmt not in options.formats:
        raise InputError(f"{path.name}: this source reads {', '.join(options.formats)}, not {fmt}")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if fmt == "csv":
        return _tabular(path, _csv_lines(path, options), options, None, keep)
    if fmt == "xlsx":
        return _xlsx(path, options, keep)
    return _json(path, options, lines=(fmt == "jsonl"))


def _decode(line: bytes, encoding: str | None, path: Path, number: int) -> str:
    if encoding:
        try:
            return line.decode(encoding)
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{path.name}: line {number} is not valid {encoding} ({exc.reason} at byte "
                f"{exc.start}); save the file as {encoding} or declare its encoding"
            ) from None
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        # Sources mix encodings (an Excel export with one cp1252 dash in a title row):
        # fall back per line rather than mangling the whole file.
        return line.decode("cp1252", errors="replace")


def _csv_lines(path: Path, options: InputOptions) -> Iterator[list[str]]:
    def lines() -> Iterator[str]:
        with path.open("rb") as handle:
            first = True
            for number, raw in enumerate(handle, start=1):
                if first:
                    raw = raw.removeprefix(b"\xef\xbb\xbf")
                    first = False
                yield _decode(raw, options.encoding, path, number)

    yield from csv.reader(lines(), delimiter=options.delimiter)


def _find_header(
    path: Path, rows: Iterator[tuple[int, list[Any]]], columns: Columns | None, limit: int
) -> tuple[int, list[str]]:
    seen = 0
    for number, cells in rows:
        seen += 1
        if not any(c not in (None, "") for c in cells):
            if seen > limit:
                break
            continue
        header = ["" if c is None else str(c).strip() for c in cells]
        if columns is None or not columns.missing(header):
            return number, header
        if seen >= limit:
            break
    if columns is None:
        raise InputError(f"{path.name}: the file is empty")
    wanted = ", ".join(repr(c) for c in columns.required)
    raise InputError(
        f"{path.name}: no header row with the required columns {wanted} in the first "
        f"{limit} rows; is this the right file for this source?"
    )


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _tabular(
    path: Path,
    cells: Iterator[Sequence[Any]],
    options: InputOptions,
    sheet: str | None,
    keep: Callable[[int], bool] | None = None,
) -> Iterator[Row | None]:
    numbered = ((i, list(row)) for i, row in enumerate(cells, start=1))
    header_row, header = _find_header(path, numbered, options.columns, options.header_search_rows)
    titles = []
    # Title rows above the header often carry the snapshot date; keep them for the plugin.
    if header_row > 1:
        titles = _title_lines(path, options, header_row, sheet)
    ignored = {" ".join(c.split()).casefold() for c in options.ignore_columns}
    skip = {i for i, h in enumerate(header) if " ".join(h.split()).casefold() in ignored}
    header = ["" if i in skip else h for i, h in enumerate(header)]
    resolved = (
        options.columns.resolve(header)
        if options.columns
        else {h: i for i, h in enumerate(header) if h}
    )
    meta = {"title": " | ".join(titles), "header_row": header_row, "header": header}
    # Worked out once, not per row: the name each kept cell goes under, and the positions read.
    kept = [(h or f"column {i + 1}", i) for i, h in enumerate(header) if i not in skip]
    wanted = list(resolved.items())
    width = len(header)
    ordinal = 0  # data rows so far, blank ones not counted
    for number, row in numbered:
        if sheet is None:  # a CSV cell is always text: _cell comes down to this
            values = [v.strip() or None for v in row]
            if not any(values):
                continue
        else:
            values = [_cell(v) for v in row]
            if not any(v is not None for v in values):
                continue
        ordinal += 1
        if keep is not None and not keep(ordinal):
            yield None
            continue
        if len(values) >= width:
            raw = {name: values[i] for name, i in kept}
            canonical = {name: values[i] for name, i in wanted}
            for i in range(width, len(values)):
                if values[i] is not None:
                    raw[f"column {i + 1}"] = values[i]
        else:
            short = len(values)
            raw = {name: (values[i] if i < short else None) for name, i in kept}
            canonical = {name: (values[i] if i < short else None) for name, i in wanted}
        locator: dict[str, Any] = {"row": number} if sheet else {"line": number}
        if sheet:
            locator = {"sheet": sheet, "row": number}
        yield Row(values=canonical, raw=raw, locator=locator, origin=path.name, origin_meta=meta)


def _title_lines(
    path: Path, options: InputOptions, header_row: int, sheet: str | None
) -> list[str]:
    out: list[str] = []
    source = _xlsx_cells(path, sheet) if sheet is not None else _csv_lines(path, options)
    for i, row in enumerate(source, start=1):
        if i >= header_row:
            break
        text = " ".join(str(c).strip() for c in row if c not in (None, ""))
        if text:
            out.append(text)
    return out


def _xlsx_cells(path: Path, sheet: str | None) -> Iterator[tuple[Any, ...]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise InputError(f"{path.name}: not a readable XLSX workbook ({exc})") from exc
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise InputError(
                f"{path.name}: no sheet named {sheet!r} (sheets: {', '.join(book.sheetnames)})"
            )
        yield from ws.iter_rows(values_only=True)
    finally:
        book.close()


def _xlsx(
    path: Path, options: InputOptions, keep: Callable[[int], bool] | None = None
) -> Iterator[Row | None]:
    import openpyxl

    sheet = options.sheet
    if sheet is None:
        try:
            book = openpyxl.load_workbook(path, read_only=True)
        except Exception as exc:
            raise InputError(f"{path.name}: not a readable XLSX workbook ({exc})") from exc
        sheet = book.sheetnames[0]
        book.close()
    return _tabular(path, _xlsx_cells(path, sheet), options, sheet, keep)


def _json(path: Path, options: InputOptions, *, lines: bool) -> Iterator[Row]:
    columns = options.columns

    def rows() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        if lines:
            with path.open("rb") as handle:
                for number, raw_line in enumerate(handle, start=1):
                    text = _decode(raw_line, options.encoding, path, number).strip()
                    if not text:
                        continue
                    try:
                        obj = json.loads(text)
                    except json.JSONDecodeError as exc:
                        yield {"line": number}, {"_unparsed": text, "_error": str(exc)}
                        continue
                    yield {"line": number}, obj
        else:
            try:
                data = json.loads(path.read_bytes().decode(options.encoding or "utf-8-sig"))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise InputError(f"{path.name}: not valid JSON ({exc})") from exc
            if isinstance(data, dict) and isinstance(data.get("records"), list):
                data = data["records"]
            if not isinstance(data, list):
                raise InputError(f"{path.name}: expected a JSON array of records")
            for index, obj in enumerate(data):
                yield {"index": index}, obj

    for locator, obj in rows():
        if not isinstance(obj, dict):
            obj = {"_unparsed": obj, "_error": "not a JSON object"}
        raw = {str(k): _cell(v) for k, v in obj.items()}
        if columns is not None and "_error" not in raw:
            resolved = columns.resolve(list(raw))
            keys = list(raw)
            values = {name: raw[keys[i]] for name, i in resolved.items()}
        else:
            values = dict(raw)
        yield Row(values=values, raw=raw, locator=locator, origin=path.name, origin_meta={})
