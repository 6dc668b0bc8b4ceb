"""What an ingestion is given and gives back: the origin of its input, and its result with counts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lif_core.config import input_limits
from lif_core.ingestion.input_checks import open_input

__all__ = ["COUNTS", "IngestResult", "Origin", "file_origin"]

COUNTS = (
    "read",
    "recorded",
    "revised",
    "unchanged",
    "withdrawn",
    "rejected",
    "redecoded",
    "rejected_before",
)
"""What a result counts: rows read, what became of the records in them (``rejected``: rows
refused and kept), ``redecoded``: cells decoded again with the source's fallback encoding, and
``rejected_before``: rows refused exactly as an earlier run over the same file kept them, so
not kept again (a file read again after the partner register changed)."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where the input came from: a path or URI, its sha256, and anything else worth keeping."""

    uri: str
    sha256: str
    meta: dict[str, Any] = field(default_factory=dict)
    dedupe: bool = True  # a file seen before (same sha256, same source) is skipped whole


def file_origin(path: Path) -> Origin:
    """A file as an origin: its absolute path, its sha256 (read a MiB at a time) and its name
    (a special file or one over the limit is refused with an
    :class:`~lif_core.errors.InputError` before a byte of it is read)."""
    sha = hashlib.sha256()
    with open_input(path, input_limits()) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return Origin(uri=str(path.resolve()), sha256=sha.hexdigest(), meta={"file": path.name})


@dataclass(slots=True)
class IngestResult:
    """What one ingestion did: its run, how it ended, its counts and a message to show."""

    source: str
    origin: str
    run_id: str
    status: str = "completed"  # completed | skipped | failed | dry-run
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    seconds: float = 0.0
    message: str = ""
    failure_kind: str | None = None
    read_in_child: bool = False  # the rows were read and validated in a second process

    @property
    def ok(self) -> bool:
        return self.status in ("completed", "skipped", "dry-run")

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "origin": self.origin,
            "run_id": self.run_id,
            "status": self.status,
            "counts": self.counts,
            "seconds": round(self.seconds, 3),
            "message": self.message,
            "failure_kind": self.failure_kind,
            "read_in_child": self.read_in_child,
        }
