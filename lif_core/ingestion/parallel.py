"""Reading in chunks, on every core: rows cut into chunks, which reader parses which, and when to fork.

The writer takes chunks of :data:`CHUNK` records in order. A large file is read by forked
children (:mod:`lif_core.ingestion.forked`), one per core: each reads every row and parses
only its own chunks (chunk ``c`` is reader ``c % readers``'s), so that taking one chunk from
each in turn gives what one process would have read.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from lif_core.errors import ConfigError, LifError, PluginError
from lif_core.eventlog.store import Store
from lif_core.ingestion.agencies import AgencyCheck
from lif_core.ingestion.forked import can_fork
from lif_core.ingestion.parse import ParsedRecord, Rejection, locator_text, parse_row
from lif_core.plugins.spec import RecordError, Row, Source

__all__ = [
    "CHUNK",
    "FORK_MIN_BYTES",
    "Chunk",
    "fork_mode",
    "owned",
    "read_chunks",
    "readers_for",
    "reads_in_child",
]

CHUNK = 2000
"""Records (and rejections) a chunk holds: what the writer writes at once."""
FORK_MIN_BYTES = 1 << 20
"""``LIF_INGEST_FORK=auto`` reads a file in a second process from this size up."""

Chunk = tuple[list[tuple[Any, ...]], list[Rejection], int, int]
"""(wired records, rejections, rows read, cells re-decoded) of one chunk."""


def fork_mode() -> str:
    """``LIF_INGEST_FORK``: ``auto`` (the default), ``always`` or ``never``.

    ``auto`` reads files of :data:`FORK_MIN_BYTES` or more in children when it is safe (two
    cores or more, no thread running but the store's pool); ``always`` forks for every file
    wherever the platform can fork, even beside other threads (for tests, and for processes
    whose threads you know); ``never`` reads every file in this process.
    """
    mode = os.environ.get("LIF_INGEST_FORK", "auto").strip().lower() or "auto"
    if mode not in ("auto", "always", "never"):
        raise ConfigError(f"LIF_INGEST_FORK must be auto, always or never, not {mode!r}")
    return mode


def readers_for() -> int:
    """How many children read a file at once: one per core, from two to four."""
    return min(max(os.cpu_count() or 1, 2), 4)


def reads_in_child(store: Store, path: Path) -> bool:
    """Whether to read ``path`` in forked processes (see :mod:`lif_core.ingestion.forked`)."""
    mode = fork_mode()
    if mode == "always":  # asked for: fork wherever the platform can, whatever threads run
        return can_fork(threading.enumerate(), cores=1)
    return (
        mode == "auto" and path.stat().st_size >= FORK_MIN_BYTES and can_fork(store.pool_threads())
    )


def owned(worker: int, workers: int) -> Callable[[int], bool]:
    """Whether row ``n`` (1, 2, …) is in a chunk of reader ``worker``: chunk ``c`` (rows
    ``c * CHUNK + 1`` to ``(c + 1) * CHUNK``) belongs to reader ``c % workers``."""
    return lambda n: ((n - 1) // CHUNK) % workers == worker


def read_chunks(
    source: Source,
    wire: Callable[[ParsedRecord], tuple[Any, ...]],
    rows: Iterable[Row | None],
    limit: int | None,
    worker: int = 0,
    workers: int = 1,
    agencies: AgencyCheck | None = None,
) -> Iterator[Chunk]:
    """Chunks of rows parsed and ``wire``d, ready to write.

    With several readers (``workers``), each reads every row but parses only its own chunks
    (:func:`owned`; rows of the others may come unbuilt, as ``None``). Alone, a chunk ends
    once it holds :data:`CHUNK` records and rejections, however many rows made them. The
    plugin's own code failing is a :class:`~lif_core.errors.PluginError` (a plugin bug).
    ``agencies``: the partner register a record's agency names must resolve in, or it is
    rejected (:mod:`lif_core.ingestion.agencies`).
    """
    mine_next = owned(worker, workers)
    records: list[tuple[Any, ...]] = []
    rejections: list[Rejection] = []
    read = 0  # rows in the current chunk
    redecoded = 0  # cells of the chunk's rows decoded again with the fallback encoding
    mine = worker == 0
    for total, row in enumerate(rows, start=1):
        read += 1
        if mine:
            if row is None:
                raise PluginError(
                    source.name, "plugin-bug", f"row {total} was not read (a reader bug)"
                )
            if row.redecoded:
                redecoded += len(row.redecoded)
            try:
                for item in parse_row(source, row):
                    if not isinstance(item, Rejection) and agencies is not None:
                        item = agencies.refuse(item, row) or item
                    if isinstance(item, Rejection):
                        rejections.append(item)
                    else:
                        records.append(wire(item))
            except RecordError as exc:
                rejections.append(Rejection(row.locator, (str(exc),), dict(row.raw)))
            except LifError:
                raise
            except Exception as exc:  # the plugin's own code failed: a plugin bug, reported as such
                raise PluginError(
                    source.name,
                    "plugin-bug",
                    f"map_row raised {exc!r} at {locator_text(row.locator)}",
                ) from exc
        full = read >= CHUNK if workers > 1 else len(records) + len(rejections) >= CHUNK
        if full:
            if mine:
                yield records, rejections, read, redecoded
            records, rejections, read, redecoded = [], [], 0, 0
            mine = mine_next(total + 1) if workers > 1 else True
        if limit is not None and total >= limit:
            break
    if read and mine:
        yield records, rejections, read, redecoded
