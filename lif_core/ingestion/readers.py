"""The host's readers: CSV, XLSX, JSON and JSONL files streamed as :class:`Row` objects.

Each reader refuses what it cannot read safely, before or while it streams (special files, the
limits of :class:`lif_core.config.InputLimits`, binary files; see
:mod:`lif_core.ingestion.input_checks`), with an :class:`~lif_core.errors.InputError` of one
line. Text is decoded by the encoding policy of :class:`_Decoding`.
"""

from __future__ import annotations

import contextlib
import csv
import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, cast

from lif_core.config import InputLimits, input_limits, limit_setting
from lif_core.errors import InputError, LifError
from lif_core.ingestion.input_checks import check_input, check_workbook, open_input, over_limit
from lif_core.plugins.spec import Columns, InputOptions, Row

__all__ = [
    "FORMATS",
    "cell_value",
    "detect_format",
    "object_values",
    "read_rows",
    "read_some_rows",
]

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
    limits = input_limits()
    check_input(path, limits)  # now, not when the first row is asked for
    rows: Iterator[Row | None]
    if fmt == "csv":
        decoding = _Decoding(path, options)
        rows = _tabular(
            path, _csv_rows(path, options, limits, decoding), options, None, keep, decoding
        )
    elif fmt == "xlsx":
        rows = _xlsx(path, options, limits, keep)
    else:
        rows = _json(path, options, limits, lines=(fmt == "jsonl"))
    return _refusing(path, rows)


def _refusing(path: Path, rows: Iterator[Row | None]) -> Iterator[Row | None]:
    """The rows; a reading error that is not already a refusal becomes one, in one line.

    The readers run no plugin code, only ours and the file libraries', so whatever they raise
    (an OSError mid-file, a damaged workbook's KeyError) says the file cannot be read.
    """
    try:
        yield from rows
    except LifError:
        raise
    except Exception as exc:
        raise InputError(f"{path.name}: cannot be read ({type(exc).__name__}: {exc})") from exc


# --- text: the encoding policy --------------------------------------------------------------

# Lone surrogates: the bytes of a line that were not valid in its encoding, kept aside by
# ``surrogateescape`` so that a cell can be re-decoded from its own bytes.
_ESCAPED = re.compile("[\udc80-\udcff]")
_BOM = b"\xef\xbb\xbf"


class _Decoding:
    """The encoding policy: a text file's bytes become text in the declared encodings only.

    UTF-8 (with or without a byte-order mark) unless the source declares another encoding. A
    line that is not valid in it is decoded with its bad bytes kept aside; each cell holding
    some is then re-decoded with the source's declared ``fallback_encoding`` (and named in
    :attr:`Row.redecoded`, so the run counts it) or, with no fallback declared, made safe to
    keep (each bad byte shown as U+FFFD) and named in :attr:`Row.undecodable`, so the row is
    rejected. A title or header row that cannot be decoded refuses the file. Nothing is
    guessed: no row is lost silently and no text is mangled without a word.
    """

    __slots__ = ("bom", "checked", "dirty", "encoding", "fallback", "path")

    def __init__(self, path: Path, options: InputOptions) -> None:
        self.path = path
        self.encoding = options.encoding or "utf-8"
        self.fallback = options.fallback_encoding
        self.bom = self.encoding.replace("_", "-").lower() in ("utf-8", "utf8")
        self.dirty = 0  # lines so far that held bytes invalid in the encoding
        self.checked = 0  # ``dirty`` when the rows were last looked at

    def line(self, raw: bytes) -> str:
        try:
            return raw.decode(self.encoding)
        except UnicodeDecodeError:
            self.dirty += 1
            return raw.decode(self.encoding, "surrogateescape")

    def pending(self) -> bool:
        """Whether a line read since the last call held invalid bytes (so the row read may)."""
        if self.dirty == self.checked:
            return False
        self.checked = self.dirty
        return True

    def redecode(self, text: str) -> str:
        """``text`` decoded again from its own bytes, with the fallback encoding."""
        assert self.fallback is not None
        return text.encode(self.encoding, "surrogateescape").decode(self.fallback, "replace")

    def cells(self, cells: list[str]) -> tuple[list[str], list[int], list[int]]:
        """The cells made good: (cells, indexes re-decoded, indexes with undecodable bytes)."""
        redecoded: list[int] = []
        undecodable: list[int] = []
        out = list(cells)
        for i, cell in enumerate(cells):
            if not _ESCAPED.search(cell):
                continue
            if self.fallback:
                out[i] = self.redecode(cell)
                redecoded.append(i)
            else:
                out[i] = _ESCAPED.sub("\ufffd", cell)
                undecodable.append(i)
        return out, redecoded, undecodable

    def whole_row(self, cells: list[str], number: int, what: str) -> list[str]:
        """A title or header row: re-decoded with the fallback, or the file refused."""
        for cell in cells:
            if self.fallback is None and (bad := _ESCAPED.search(cell)):
                raise InputError(
                    f"{self.path.name}: line {number} ({what}) holds a byte that is not "
                    f"{self.encoding} (0x{ord(bad.group(0)) - 0xDC00:02x}): save the file as "
                    "UTF-8, or declare the encoding the source writes in "
                    "InputOptions(fallback_encoding=...)"
                )
        return self.cells(cells)[0]


def _text_lines(path: Path, limits: InputLimits, decoding: _Decoding) -> Iterator[str]:
    """The lines of a text file, each within the line limit; a binary file is refused."""
    cap = limits.max_line_bytes
    with open_input(path, limits) as handle:
        readline = handle.readline
        number = 0
        while raw := readline(cap + 1):
            number += 1
            if len(raw) > cap:
                raise over_limit(path, f"line {number}", "max_line_bytes", cap)
            if number == 1 and decoding.bom:
                raw = raw.removeprefix(_BOM)
            if b"\x00" in raw:
                raise InputError(
                    f"{path.name}: line {number} holds a NUL byte: this is a binary file, not "
                    "text (is it the right file, or an export in another format?)"
                )
            yield decoding.line(raw)


def _csv_rows(
    path: Path, options: InputOptions, limits: InputLimits, decoding: _Decoding
) -> Iterator[list[str]]:
    # The csv module's own cap on a field, set to ours: it stops reading a field at the limit.
    csv.field_size_limit(limits.max_field_bytes)
    reader = csv.reader(_text_lines(path, limits, decoding), delimiter=options.delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise over_limit(
                path,
                f"a field on line {reader.line_num}",
                "max_field_bytes",
                limits.max_field_bytes,
            ) from None
        raise InputError(
            f"{path.name}: line {reader.line_num} is not CSV ({exc}); is it the right file?"
        ) from None


# --- tables: CSV and XLSX -------------------------------------------------------------------


def _find_header(
    path: Path,
    rows: Iterator[tuple[int, list[Any]]],
    columns: Columns | None,
    limit: int,
    decoding: _Decoding | None = None,
) -> tuple[int, list[str]]:
    seen = 0
    for number, cells in rows:
        seen += 1
        if decoding is not None and decoding.pending():
            cells = decoding.whole_row(cells, number, "above the data")
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


def cell_value(value: Any) -> Any:
    """A cell as every reader gives it: text stripped (blank is None), days and times as ISO
    text (a date-time at midnight as its day)."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _column(header: Sequence[str], index: int) -> str:
    return header[index] if index < len(header) and header[index] else f"column {index + 1}"


def _tabular(
    path: Path,
    cells: Iterator[Sequence[Any]],
    options: InputOptions,
    sheet: str | None,
    keep: Callable[[int], bool] | None = None,
    decoding: _Decoding | None = None,
) -> Iterator[Row | None]:
    numbered = ((i, list(row)) for i, row in enumerate(cells, start=1))
    header_row, header = _find_header(
        path, numbered, options.columns, options.header_search_rows, decoding
    )
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
        redecoded: tuple[str, ...] = ()
        undecodable: tuple[str, ...] = ()
        if decoding is not None and decoding.pending():  # rare: only after an invalid byte
            row, again, bad = decoding.cells(row)
            redecoded = tuple(_column(header, i) for i in again if i not in skip)
            undecodable = tuple(_column(header, i) for i in bad if i not in skip)
        if sheet is None:  # a CSV cell is always text: cell_value comes down to this
            values = [v.strip() or None for v in row]
            if not any(values):
                continue
        else:
            values = [cell_value(v) for v in row]
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
        if redecoded or undecodable:
            yield Row(canonical, raw, locator, path.name, meta, redecoded, undecodable)
        else:
            yield Row(canonical, raw, locator, path.name, meta)


def _title_lines(
    path: Path, options: InputOptions, header_row: int, sheet: str | None
) -> list[str]:
    out: list[str] = []
    limits = input_limits()
    decoding = _Decoding(path, options)
    source: Iterator[Sequence[Any]] = (
        _xlsx_cells(path, sheet, limits)
        if sheet is not None
        else _csv_rows(path, options, limits, decoding)
    )
    for i, row in enumerate(source, start=1):
        if i >= header_row:
            break
        if decoding.pending():
            row = decoding.whole_row(list(row), i, "above the header")
        text = " ".join(str(c).strip() for c in row if c not in (None, ""))
        if text:
            out.append(text)
    return out


@contextlib.contextmanager
def _workbook(path: Path, limits: InputLimits, *, check: bool) -> Iterator[Any]:
    """The workbook, read-only; with ``check``, refused first if its parts are over the limits."""
    import openpyxl

    with open_input(path, limits) as handle:
        if check:
            check_workbook(path, handle, limits)
            handle.seek(0)
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise InputError(f"{path.name}: not a readable XLSX workbook ({exc})") from None
        try:
            yield book
        finally:
            book.close()


def _xlsx_cells(path: Path, sheet: str | None, limits: InputLimits) -> Iterator[tuple[Any, ...]]:
    with _workbook(path, limits, check=False) as book:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise InputError(
                f"{path.name}: no sheet named {sheet!r} (sheets: {', '.join(book.sheetnames)})"
            )
        most, cap = limits.max_rows, limits.max_field_bytes
        if ws.max_row is not None and ws.max_row > most:  # what the sheet says of itself
            raise _too_many_rows(path, ws.title, f"says it holds {ws.max_row:,} rows", most)
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if number > most:
                raise _too_many_rows(path, ws.title, f"holds more than {most:,} rows", most)
            for value in row:
                if type(value) is str and len(value) > cap:
                    raise over_limit(
                        path, f"the text of a cell on row {number}", "max_field_bytes", cap
                    )
            yield row


def _too_many_rows(path: Path, sheet: str, what: str, most: int) -> InputError:
    return InputError(
        f"{path.name}: sheet {sheet!r} {what}, over the limit of {most:,}; the file was "
        f"refused (if it is genuine, raise {limit_setting('max_rows')})"
    )


def _xlsx(
    path: Path,
    options: InputOptions,
    limits: InputLimits,
    keep: Callable[[int], bool] | None = None,
) -> Iterator[Row | None]:
    sheet = options.sheet
    with _workbook(path, limits, check=True) as book:
        if sheet is None:
            sheet = book.sheetnames[0]
    return _tabular(path, _xlsx_cells(path, sheet, limits), options, sheet, keep)


# --- JSON and JSONL -------------------------------------------------------------------------


def _json_objects(
    path: Path, options: InputOptions, limits: InputLimits, *, lines: bool
) -> Iterator[tuple[dict[str, Any], Any, tuple[str, ...], tuple[str, ...]]]:
    """(locator, parsed object, re-decoded, undecodable) per record of the file."""
    if lines:
        decoding = _Decoding(path, options)
        for number, line in enumerate(_text_lines(path, limits, decoding), start=1):
            redecoded: tuple[str, ...] = ()
            if decoding.pending():
                if not decoding.fallback:
                    safe = _ESCAPED.sub("\ufffd", line.strip())
                    yield {"line": number}, {"_unparsed": safe}, (), ("line",)
                    continue
                line, redecoded = decoding.redecode(line), ("line",)
            text = line.strip()
            if not text:
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                yield {"line": number}, {"_unparsed": text, "_error": str(exc)}, redecoded, ()
                continue
            yield {"line": number}, obj, redecoded, ()
        return
    with open_input(path, limits) as handle:
        data = handle.read()
    try:
        text = data.decode(options.encoding or "utf-8-sig")
    except UnicodeDecodeError as exc:
        if not options.fallback_encoding:
            raise InputError(
                f"{path.name}: not valid {options.encoding or 'UTF-8'} (byte {exc.start}): "
                "save the file as UTF-8, or declare the encoding the source writes in "
                "InputOptions(fallback_encoding=...)"
            ) from None
        text = data.decode(options.fallback_encoding, "replace")
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path.name}: not valid JSON ({exc})") from exc
    if isinstance(parsed, dict) and isinstance(parsed.get("records"), list):
        parsed = parsed["records"]
    if not isinstance(parsed, list):
        raise InputError(f"{path.name}: expected a JSON array of records")
    for index, obj in enumerate(parsed):
        yield {"index": index}, obj, (), ()


def _json(path: Path, options: InputOptions, limits: InputLimits, *, lines: bool) -> Iterator[Row]:
    columns = options.columns
    for locator, obj, redecoded, undecodable in _json_objects(path, options, limits, lines=lines):
        if not isinstance(obj, dict):
            obj = {"_unparsed": obj, "_error": "not a JSON object"}
        values, raw = object_values(obj, None if "_error" in obj or undecodable else columns)
        yield Row(values, raw, locator, path.name, {}, redecoded, undecodable)


def object_values(
    obj: dict[str, Any], columns: Columns | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A JSON object as a row's (values under the source's column names, raw cells)."""
    raw = {str(k): cell_value(v) for k, v in obj.items()}
    if columns is None:
        return dict(raw), raw
    keys = list(raw)
    return {name: raw[keys[i]] for name, i in columns.resolve(keys).items()}, raw
