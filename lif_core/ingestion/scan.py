"""``lif privacy scan``: the guard run over files without ingesting, one finding per line.

Without a source every cell of every row is looked at as free text (all kinds of finding); a
file that is not CSV, XLSX, JSON or JSONL is read as plain text, a line a row, in one column
``text``. With a source the file is read as the source reads it: identifiers in every cell, a
full date in a date-of-birth column, and every kind in the fields its record models declare
free text (found by running the plugin's ``map_row`` on the row) — what ingestion would refuse.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lif_core.ingestion.parse import sensitive_findings
from lif_core.ingestion.readers import FORMATS, read_rows
from lif_core.plugins.spec import InputOptions, Source, free_text_fields
from lif_core.privacy.detect import KIND_WORDS, Finding, find_personal, mask

__all__ = ["ScanFinding", "excerpt", "scan_file"]

_WORDS_KIND = {words: kind for kind, words in KIND_WORDS.items()}
_WORDS_KIND["a full date of birth"] = "date_of_birth"


@dataclass(frozen=True, slots=True)
class ScanFinding:
    """One identifier found: where (file, row locator, column), what kind, a masked excerpt."""

    file: str
    locator: Mapping[str, Any]
    column: str
    kind: str
    excerpt: str

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "row": dict(self.locator),
            "column": self.column,
            "kind": self.kind,
            "excerpt": self.excerpt,
        }


def excerpt(text: str, finding: Finding, found: list[Finding], width: int = 30) -> str:
    """The text around ``finding`` with every finding in it masked, ``…`` where it was cut."""
    start, end = max(0, finding.start - width), min(len(text), finding.end + width)
    masked = mask(text, found)[start:end]
    return ("…" if start else "") + masked + ("…" if end < len(text) else "")


def _cell_findings(
    path: Path, locator: Mapping[str, Any], column: str, value: Any
) -> Iterator[ScanFinding]:
    if value is None or isinstance(value, bool):
        return
    text = str(value)
    found = find_personal(text)
    for finding in found:
        yield ScanFinding(str(path), locator, column, finding.kind, excerpt(text, finding, found))
    for words, matched in sensitive_findings(column, value):
        if words == "a full date of birth":
            yield ScanFinding(str(path), locator, column, "date_of_birth", "█" * len(matched))


def _text_lines(path: Path) -> Iterator[tuple[Mapping[str, Any], str, str]]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            yield {"line": number}, "text", line.rstrip("\n")


def scan_file(path: Path, source: Source | None = None) -> Iterator[ScanFinding]:
    """Every finding in ``path``, in file order. Raises ``InputError`` for an unreadable file."""
    if source is None:
        if path.suffix.lower() not in FORMATS:
            for locator, column, text in _text_lines(path):
                yield from _cell_findings(path, locator, column, text)
            return
        options = InputOptions(formats=(FORMATS[path.suffix.lower()],))  # type: ignore[arg-type]
        for row in read_rows(path, options):
            for column, value in row.raw.items():
                yield from _cell_findings(path, row.locator, str(column), value)
        return
    for row in read_rows(path, source.inputs):
        for column, value in row.raw.items():
            for words, matched in sensitive_findings(str(column), value):
                text = str(value)
                at = text.find(matched)
                finding = Finding(_WORDS_KIND[words], at, at + len(matched), matched)
                yield ScanFinding(
                    str(path), row.locator, str(column), finding.kind,
                    excerpt(text, finding, [finding]),
                )  # fmt: skip
        yield from _free_text_findings(path, source, row)


def _free_text_findings(path: Path, source: Source, row: Any) -> Iterator[ScanFinding]:
    try:
        emits = list(source.map_row(row))
    except Exception:  # a row the plugin refuses is reported by ingestion, not by the scan
        return
    for emit in emits:
        try:
            fields = free_text_fields(source.kind(emit.kind).model)
        except (KeyError, AttributeError):
            continue
        for name in fields:
            value = emit.fields.get(name)
            if not isinstance(value, str) or not value:
                continue
            column = next(
                (str(c) for c, v in row.raw.items() if isinstance(v, str) and value in v), name
            )
            found = find_personal(value)
            for finding in found:
                yield ScanFinding(
                    str(path), row.locator, column, finding.kind, excerpt(value, finding, found)
                )
