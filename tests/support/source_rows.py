"""What the tests of the row-per-entry inspection sources share: one row parsed, bad samples, registration."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file
from lif_core.ingestion.samples import bad_inputs
from lif_core.plugins import Source
from lif_core.plugins.host import load_plugins


def parse_row(
    source: Source, header: Sequence[str], tmp_path: Path, row: Mapping[str, str]
) -> ParsedRecord | Rejection:
    """``row`` (cells by column; the others blank) written under ``header`` and parsed."""
    path = tmp_path / "one.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerow([row.get(column, "") for column in header])
    (result,) = parse_file(source, path)
    return result


def assert_bad_rows_rejected_as_declared(source: Source) -> None:
    """Each bad sample row is rejected where and why ``bad/expected-rejections.jsonl`` says."""
    assert source.samples is not None
    declared = (source.samples / "bad" / "expected-rejections.jsonl").read_text().splitlines()
    expected = [json.loads(line) for line in declared]
    rejected = [
        (path.name, dict(item.locator), item.reasons)
        for path in bad_inputs(source)
        for item in parse_file(source, path)
        if isinstance(item, Rejection)
    ]
    assert [(f, loc) for f, loc, _ in rejected] == [(e["file"], e["locator"]) for e in expected]
    for (_, _, reasons), want in zip(rejected, expected, strict=True):
        assert any(want["reason_contains"] in reason for reason in reasons), reasons


def assert_registered_and_described(source: Source, provider: str) -> None:
    """The entry point registers ``source``, from ``provider``, with every field described."""
    plugins = load_plugins(allow={source.name}, third_party=False)
    assert plugins.failures == []
    assert plugins.get(source.name).source is source
    assert source.provider == provider
    for kind in source.kinds:
        assert all(field.description for field in kind.model.model_fields.values()), kind.name


def assert_docs_page_names_fields_and_columns(source: Source, docs: Path) -> None:
    """``docs/sources/<name>.md`` names every model field (in backticks) and every column's header."""
    page = (docs / f"{source.name}.md").read_text(encoding="utf-8")
    assert source.inputs.columns is not None
    missing = [f for kind in source.kinds for f in kind.model.model_fields if f"`{f}`" not in page]
    missing += [s[0] for s in source.inputs.columns.variants.values() if s[0] not in page]
    assert missing == []
