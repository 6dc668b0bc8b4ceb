"""The ingestion pipeline: one origin into the log through its source's plugin, in one transaction.

It dedupes whole files, opens the run, has the rows read (here or in forked readers, see
:mod:`~lif_core.ingestion.parallel`) and written chunk by chunk
(:class:`~lif_core.ingestion.writer.RunWriter`), withdraws what a snapshot no longer holds,
and commits — or, on a failure, writes nothing of the input and records the failed run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from uuid import uuid4

from lif_core.domain import IngestionRun
from lif_core.errors import InputError, PluginError
from lif_core.eventlog.log import append, lock_for_append
from lif_core.eventlog.store import Store
from lif_core.ingestion.agencies import agency_check, refused_for_agency
from lif_core.ingestion.forked import ChildFailed, forked_chunks
from lif_core.ingestion.on_record import RejectionsOnRecord
from lif_core.ingestion.parallel import Chunk, owned, read_chunks, readers_for, reads_in_child
from lif_core.ingestion.readers import read_rows, read_some_rows
from lif_core.ingestion.results import COUNTS, IngestResult, Origin, file_origin
from lif_core.ingestion.source_index import (
    already_ingested,
    remember_ingested,
    runs_remembered_under,
)
from lif_core.ingestion.writer import RunWriter
from lif_core.plugins.host import LoadedSource
from lif_core.plugins.spec import Row

__all__ = ["ingest_file", "ingest_rows"]


def ingest_rows(
    store: Store,
    loaded: LoadedSource,
    rows: Iterable[Row],
    origin: Origin,
    *,
    actor: str | None = None,
    dry_run: bool = False,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    read_in_child: bool = False,
    reopen: Callable[[Callable[[int], bool]], Iterable[Row | None]] | None = None,
) -> IngestResult:
    """Ingest rows from one origin: all of it is recorded, or (after a failure or crash) none of it.

    ``read_in_child``: read, map and validate the rows in a forked process while this one
    writes (:mod:`lif_core.ingestion.forked`), for large files on two cores or more. Only for rows that
    the child may consume on its own, such as a file's: never a network consumer's. The caller
    checks :func:`~lif_core.ingestion.forked.can_fork` first; ``IngestResult.read_in_child`` says which ran.
    ``reopen(keep)``: a way to read the same rows again from the start, each time on its own,
    rows ``keep`` refuses as ``None`` if it likes (:func:`~lif_core.ingestion.readers.read_some_rows`);
    with it, each core reads in a child of its own (see
    :func:`~lif_core.ingestion.parallel.readers_for`) and writing takes turns.
    """
    started = time.perf_counter()
    run_id = str(uuid4())
    result = IngestResult(source=loaded.name, origin=origin.uri, run_id=run_id)
    actor = actor or loaded.actor
    agencies = agency_check(store, loaded.source)
    if origin.dedupe and not dry_run:
        seen = already_ingested(store, loaded.name, origin.sha256)
        if seen is None and agencies is not None:
            fingerprint = agencies.directory.fingerprint()
            seen = already_ingested(store, loaded.name, _with_register(origin.sha256, fingerprint))
        if seen:
            result.status = "skipped"
            result.run_id = seen[0]
            result.message = f"already ingested (run {seen[0]} at {seen[1]}); nothing written"
            result.seconds = time.perf_counter() - started
            return result
    on_record: RejectionsOnRecord | None = None
    if origin.dedupe and agencies is not None:
        # Read before against another register: its rejections are on record already.
        earlier = runs_remembered_under(store, loaded.name, _with_register(origin.sha256))
        on_record = RejectionsOnRecord.of_runs(store, earlier) if earlier else None
    run: RunWriter | None = None
    try:
        with store.transaction(commit=not dry_run) as tx:
            lock_for_append(store, tx)
            run = RunWriter(store, tx, loaded, origin, actor, run_id, on_record)
            run.started(dry_run=dry_run)
            source, wire = loaded.source, run.wire
            chunks: Iterable[Chunk]
            if not read_in_child:
                chunks = read_chunks(source, wire, rows, limit, agencies=agencies)
            elif reopen is None:
                chunks = forked_chunks(
                    lambda _i, _n: read_chunks(source, wire, rows, limit, agencies=agencies)
                )
            else:
                chunks = forked_chunks(
                    lambda i, n: read_chunks(
                        source, wire, reopen(owned(i, n)), limit, i, n, agencies=agencies
                    ),
                    readers_for(),
                )
            result.read_in_child = read_in_child
            unknown_agency = False
            for records, rejections, nrows, redecoded in chunks:
                unknown_agency = unknown_agency or any(map(refused_for_agency, rejections))
                run.counts["read"] += nrows
                run.counts["redecoded"] += redecoded
                run.write_chunk(records, rejections)
                if progress:
                    progress(nrows)
            run.withdraw_absent()
            _check_reject_rate(loaded, run.counts)
            result.counts = run.counts
            result.seconds = time.perf_counter() - started
            completed = run.run_event(
                IngestionRun.Completed,
                counts=dict(run.counts),
                seconds=round(result.seconds, 3),
                rejected_before=run.rejected_before,
            )
            append(store, tx, [completed])
            if origin.dedupe and not dry_run:
                # A file whose rows named an agency the register did not know is remembered
                # with the register it was checked against: once `lif partner alias` adds the
                # name, ingesting the file again records those rows (the rest write nothing).
                remembered = origin.sha256
                if unknown_agency and agencies is not None:
                    remembered = _with_register(origin.sha256, agencies.directory.fingerprint())
                remember_ingested(tx, loaded.name, remembered, run_id, origin.uri)
    except (PluginError, InputError, ChildFailed) as exc:
        failure = _failure(loaded, exc)
        if run is not None and not isinstance(
            exc, InputError
        ):  # unreadable input: counts say nothing
            result.counts = run.counts
        result.status = "failed"
        result.failure_kind = failure.kind
        result.message = failure.message
        result.seconds = time.perf_counter() - started
        if not dry_run:
            _record_failure(store, loaded, origin, actor, run_id, failure, result.counts)
        return result
    result.status = "dry-run" if dry_run else "completed"
    parts = ", ".join(f"{result.counts[k]} {k}" for k in COUNTS[1:6])
    if result.counts["rejected_before"]:
        parts += (
            f" and {result.counts['rejected_before']} rejected as before (kept once, by an "
            "earlier run over this file)"
        )
    if result.counts["redecoded"]:
        parts += f" ({result.counts['redecoded']} cells decoded with the fallback encoding)"
    result.message = f"{parts} ({result.counts['read']} rows read in {result.seconds:.1f} s)" + (
        " — dry run, nothing written" if dry_run else ""
    )
    return result


def _with_register(sha256: str, fingerprint: str = "") -> str:
    """The key a file is remembered by when it was checked against the partner register with
    this fingerprint (without one: what the keys of every register begin with)."""
    return f"{sha256}@partners:{fingerprint}"


def _check_reject_rate(loaded: LoadedSource, counts: dict[str, int]) -> None:
    """Fail the input if more of its rows were rejected than its source allows."""
    ceiling = loaded.source.max_reject_rate
    rejected = counts["rejected"] + counts["rejected_before"]  # kept now or by an earlier run
    if ceiling is not None and counts["read"] and rejected / counts["read"] > ceiling:
        raise PluginError(
            loaded.name,
            "input",
            f"{rejected} of {counts['read']} rows rejected, "
            f"above this source's ceiling of {ceiling:.0%}",
        )


def _failure(loaded: LoadedSource, exc: Exception) -> PluginError:
    """A failure as the plugin's: bad input, or a plugin bug (a reading process that died too)."""
    if isinstance(exc, PluginError):
        return exc
    kind = "input" if isinstance(exc, InputError) else "plugin-bug"
    return PluginError(loaded.name, kind, str(exc))


def _record_failure(
    store: Store,
    loaded: LoadedSource,
    origin: Origin,
    actor: str,
    run_id: str,
    failure: PluginError,
    counts: dict[str, int],
) -> None:
    """A failed run is recorded (started, failed, why) though none of its records are."""
    with store.transaction() as tx:
        run = RunWriter(store, tx, loaded, origin, actor, run_id)
        run.started(dry_run=False)
        failed = run.run_event(
            IngestionRun.Failed,
            counts=dict(counts),
            failure_kind=failure.kind,
            reason=failure.message,
        )
        append(store, tx, [failed])


def ingest_file(
    store: Store,
    loaded: LoadedSource,
    path: Path,
    *,
    actor: str | None = None,
    dry_run: bool = False,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestResult:
    """Ingest one file with its source's plugin (see :func:`ingest_rows`).

    A file that cannot be read — a FIFO or a device, over an input limit, unreadable, not in
    the source's format — is refused in one line, and the refusal is recorded as a failed run
    (unless ``dry_run``); the caller goes on with its other files.
    """
    origin: Origin | None = None
    try:
        origin = file_origin(path)
        rows = read_rows(path, loaded.source.inputs)
    except (InputError, OSError) as exc:
        if isinstance(exc, InputError):
            reason = str(exc)
        else:
            reason = f"{path}: cannot be read ({exc.strerror or exc})"
        if origin is None:  # refused before its bytes were read: no sha256 to give
            origin = Origin(uri=str(path.absolute()), sha256="", meta={"file": path.name})
        result = IngestResult(
            source=loaded.name,
            origin=origin.uri,
            run_id=str(uuid4()),
            status="failed",
            message=reason,
            failure_kind="input",
        )
        if not dry_run:
            failure = PluginError(loaded.name, "input", reason)
            actor = actor or loaded.actor
            _record_failure(store, loaded, origin, actor, result.run_id, failure, result.counts)
        return result
    return ingest_rows(
        store,
        loaded,
        rows,
        origin,
        actor=actor,
        dry_run=dry_run,
        limit=(limit if limit else None),
        progress=progress,
        read_in_child=reads_in_child(store, path),
        reopen=lambda keep: read_some_rows(path, loaded.source.inputs, keep),
    )
