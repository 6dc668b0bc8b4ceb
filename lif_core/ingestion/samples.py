"""A plugin's shipped samples: where they are, and the golden ``expected.jsonl`` made from them.

Layout of ``Source.samples`` (a folder)::

    <input files>              good inputs, ingested in name order
    expected.jsonl             one line per record, in order (see :func:`golden_line`)
    bad/<input files>          inputs with deliberately bad rows
    bad/expected-rejections.jsonl
                               one line per rejection: {"file", "locator", "reason_contains"}

Regenerate the golden file after a deliberate change with ``lif plugins golden NAME``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file
from lif_core.ingestion.readers import FORMATS
from lif_core.plugins.spec import Source

__all__ = ["bad_inputs", "golden_line", "golden_lines", "sample_inputs", "write_golden"]


def _inputs(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.suffix.lower() in FORMATS
        and p.name not in {"expected.jsonl", "expected-rejections.jsonl"}
    )


def sample_inputs(source: Source) -> list[Path]:
    return _inputs(source.samples) if source.samples else []


def bad_inputs(source: Source) -> list[Path]:
    return _inputs(source.samples / "bad") if source.samples else []


def golden_line(record: ParsedRecord, origin: str) -> dict[str, Any]:
    return {
        "file": origin,
        "kind": record.kind,
        "record_key": record.record_key,
        "valid_from": record.valid_time.valid_from.isoformat(),
        "valid_to": record.valid_time.valid_to.isoformat() if record.valid_time.valid_to else None,
        "attributes": record.attributes,
    }


def golden_lines(source: Source) -> list[dict[str, Any]]:
    out = []
    for path in sample_inputs(source):
        for item in parse_file(source, path):
            if isinstance(item, Rejection):
                raise ValueError(
                    f"shipped sample {path.name} has a rejected row at {dict(item.locator)}: {item.reasons}"
                )
            out.append(golden_line(item, path.name))
    return out


def write_golden(source: Source) -> Path:
    if source.samples is None:
        raise ValueError(f"source {source.name!r} ships no samples folder")
    target = source.samples / "expected.jsonl"
    lines = [json.dumps(line, sort_keys=True, ensure_ascii=False) for line in golden_lines(source)]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
