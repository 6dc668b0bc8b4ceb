"""``lif ingest`` and ``lif rejects``: files into the log through their source's plugin, and what was refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from eventsourcing.utils import get_topic
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from lif_app.cli._common import JsonOpt, console, err, handle_errors, open_store, print_json
from lif_app.cli.app import app
from lif_core.domain import IngestionRun
from lif_core.errors import NotFoundError
from lif_core.eventlog.store import Store
from lif_core.ingestion import FORMATS, IngestResult, ingest_file
from lif_core.plugins.host import LoadedSource, PluginFailure, load_plugins
from lif_core.privacy.vault import DataKeys
from projections.catalogue import superseded

__all__ = ["ingest", "rejected_runs", "rejections_of", "rejects_app", "summary_line"]

_STARTED = get_topic(IngestionRun.Started)
_REJECTED = get_topic(IngestionRun.RecordRejected)
_FAILED = get_topic(IngestionRun.Failed)
_COMPLETED = get_topic(IngestionRun.Completed)
_GOLDEN = {"expected.jsonl", "expected-rejections.jsonl"}


def _input_files(paths: list[Path]) -> list[Path]:
    """Files as given; a folder stands for the input files directly inside it, in name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p
                for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in FORMATS and p.name not in _GOLDEN
            )
        else:
            files.append(path)
    return files


def summary_line(path: Path, result: IngestResult) -> str:
    """One line per file: what was written (or why not), and the time it took."""
    name = escape(path.name)
    if result.status == "failed":
        return f"[red]✗[/] {name}  failed ({result.failure_kind}): {escape(result.message)}"
    if result.status == "skipped":
        return f"[dim]=[/] {name}  {escape(result.message)}"
    c = result.counts
    line = (
        f"[green]✓[/] {name}  {c['recorded']} recorded, {c['revised']} revised, "
        f"{c['unchanged']} unchanged, {c['withdrawn']} withdrawn, {c['rejected']} rejected  "
        f"({c['read']} rows in {result.seconds:.2f} s)"
    )
    if c.get("redecoded"):
        line += f"  {c['redecoded']} cells decoded with the source's fallback encoding"
    if c.get("rejected_before"):
        line += (
            f"  {c['rejected_before']} rejected as before (kept once, by an earlier run over "
            "this file: `lif rejects list`)"
        )
    if result.status == "dry-run":
        line += " [yellow]dry run: nothing written[/]"
    elif c["rejected"]:
        line += f"  [dim]`lif rejects show {result.run_id}`[/]"
    return line


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str], Callable[[int], None] | None]]:
    """A live row counter per file, on a terminal only (never in pipes, logs or --json)."""
    if not enabled:
        yield lambda _name: None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,.0f} rows"),
        TimeElapsedColumn(),
    )
    # Redrawn as each chunk of rows is written, not by rich's refresh thread: with no thread
    # running, a large file can be read in a second process (lif_core.ingestion.forked).
    with Progress(*columns, console=err, transient=True, auto_refresh=False) as progress:

        def start(name: str) -> Callable[[int], None]:
            task = progress.add_task(escape(name), total=None)
            progress.refresh()

            def advance(rows: int) -> None:
                progress.advance(task, rows)
                progress.refresh()

            return advance

        yield start


def _plugin_failures(plugins_failures: list[PluginFailure], name: str, plugin: str) -> list[str]:
    return [str(f) for f in plugins_failures if f.plugin in (name, plugin)]


@app.command("ingest")
@handle_errors
def ingest(
    source: str = typer.Argument(..., help="The source's name (`lif plugins list`)."),
    paths: list[Path] = typer.Argument(
        ..., help="Input files; a folder stands for the input files in it."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Read, check and count everything; write nothing."
    ),
    limit: int | None = typer.Option(
        None, "--limit", min=1, help="Read at most N rows of each file."
    ),
    json_out: bool = JsonOpt,
) -> None:
    """Ingest files with SOURCE's plugin: one transaction per file, a summary line per file.

    A file that fails does not stop the others; the exit code is 1 if any failed (or the
    source's plugin did not load).
    """
    plugins = load_plugins()
    if source not in plugins.sources:
        failed = [str(f) for f in plugins.failures_of(source)]
        if failed:
            message = "; ".join(failed)
            if json_out:
                print_json({"source": source, "ok": False, "plugin_failures": failed, "files": []})
            else:
                err.print(
                    f"[bold red]error:[/] the plugin of {source!r} failed to load: "
                    f"{escape(message)}",
                    highlight=False,
                )
            raise typer.Exit(1)
        plugins.get(source)  # raises NotFoundError, with the nearest names
    loaded: LoadedSource = plugins.sources[source]
    plugin_failures = _plugin_failures(plugins.failures, source, loaded.plugin)
    for failure in plugin_failures:
        err.print(f"[yellow]warning:[/] {escape(failure)}", highlight=False)
    results: list[tuple[Path, IngestResult]] = []
    with open_store() as store, _progress(err.is_terminal and not json_out) as bar:
        for path in _input_files(paths):
            result = ingest_file(
                store, loaded, path, dry_run=dry_run, limit=limit, progress=bar(path.name)
            )
            results.append((path, result))
            if not json_out:
                console.print(summary_line(path, result), highlight=False)
    ok = all(r.ok for _, r in results) and not plugin_failures and bool(results)
    if json_out:
        print_json(
            {
                "source": source,
                "ok": ok,
                "plugin_failures": plugin_failures,
                "files": [{"path": str(p), **r.as_dict()} for p, r in results],
            }
        )
    elif not results:
        err.print("[bold red]error:[/] no input files in the paths given", highlight=False)
    elif len(results) > 1:
        failed_count = sum(not r.ok for _, r in results)
        console.print(
            f"{len(results)} files: {len(results) - failed_count} ok, {failed_count} failed",
            highlight=False,
        )
    if not ok:
        raise typer.Exit(1)


# --- lif rejects ---------------------------------------------------------------------------

rejects_app = typer.Typer(
    help="Rows the sources sent that were refused: kept with where and why.",
    no_args_is_help=True,
)
app.add_typer(rejects_app, name="rejects")


def _runs(store: Store) -> dict[str, dict[str, Any]]:
    """Every ingestion run in the log with its rejections' versions, how it ended and the
    earlier rejections it met again: what :func:`projections.catalogue.superseded` reads."""
    runs: dict[str, dict[str, Any]] = {}
    for notification in store.iter_notifications(topics=[_STARTED, _REJECTED, _COMPLETED, _FAILED]):
        event = store.decode(notification)
        run_id = str(event.correlation)
        if isinstance(event, IngestionRun.Started):
            runs[run_id] = {
                "run_id": run_id,
                "source": event.source,
                "origin": event.origin,
                "started_at": event.timestamp,
                "status": "started",
                "rejected_before": [],
                "rejections": [],
            }
            continue
        run = runs.get(run_id)
        if run is None:
            continue
        if isinstance(event, IngestionRun.RecordRejected):
            run["rejections"].append({"version": event.originator_version})
        elif isinstance(event, IngestionRun.Completed):
            run["status"] = "completed"
            run["rejected_before"] = [
                [r["run_id"], r["event_version"]] for r in event.rejected_before
            ]
        else:
            run["status"] = "failed"
    return runs


def rejected_runs(store: Store, source: str | None = None) -> list[dict[str, Any]]:
    """Runs that rejected rows, oldest first: run id, source, origin, when, how many, and how
    many of them are still open (awaiting review: not superseded by a later run)."""
    runs = _runs(store)
    gone = superseded(runs.values())
    return [
        {
            "run_id": run["run_id"],
            "source": run["source"],
            "origin": run["origin"],
            "started_at": run["started_at"].isoformat(timespec="seconds"),
            "rejected": len(run["rejections"]),
            "open": sum((run["run_id"], r["version"]) not in gone for r in run["rejections"]),
        }
        for run in runs.values()
        if run["rejections"] and (source is None or run["source"] == source)
    ]


def rejections_of(store: Store, run_id: str) -> dict[str, Any]:
    """One run's rejections (a unique prefix of the run id will do), with the run's outcome;
    each rejection awaiting review, or superseded by a later run (as the rejections table says)."""
    if len(run_id) < 8:
        raise NotFoundError(f"run id {run_id!r} is too short: give at least 8 characters")
    run: dict[str, Any] | None = None
    matched: set[str] = set()
    rejections: list[dict[str, Any]] = []
    keys = DataKeys(store)
    for notification in store.iter_notifications(topics=[_STARTED, _REJECTED, _FAILED]):
        event = store.decode(notification)
        correlation = str(event.correlation)
        if not correlation.startswith(run_id):
            continue
        matched.add(correlation)
        if isinstance(event, IngestionRun.Started):
            run = {
                "run_id": correlation,
                "source": event.source,
                "origin": event.origin,
                "started_at": event.timestamp.isoformat(timespec="seconds"),
                "failed": None,
            }
        elif isinstance(event, IngestionRun.Failed) and run is not None:
            run["failed"] = {"kind": event.failure_kind, "reason": event.reason}
        elif isinstance(event, IngestionRun.RecordRejected):
            rejections.append(
                {
                    "event_version": event.originator_version,
                    "locator": dict(event.locator),
                    "record_kind": event.record_kind,
                    "reasons": _reasons(keys, event.reasons),
                    "raw": _raw_row(keys, event.raw),
                }
            )
    if len(matched) > 1:
        raise NotFoundError(
            f"run id {run_id!r} matches {len(matched)} runs: give more of it "
            f"({', '.join(sorted(matched)[:3])})"
        )
    if run is None:
        raise NotFoundError(f"no ingestion run {run_id!r}: `lif rejects list` shows the runs")
    gone = superseded(_runs(store).values())
    for item in rejections:
        later = (run["run_id"], item["event_version"]) in gone
        item["status"] = "superseded by a later run" if later else "awaiting review"
    return {**run, "rejections": rejections}


def _reasons(keys: DataKeys, reasons: Any) -> list[str]:
    """Why a row was refused (sealed with the row, as a reason may quote a cell)."""
    opened = keys.opened(reasons)
    return [opened] if isinstance(opened, str) else list(opened)


def _raw_row(keys: DataKeys, raw: Any) -> dict[str, Any] | str:
    """A rejected row as kept: opened with its run's data key, or ``[erased]`` once erased."""
    opened = keys.opened(raw)
    return opened if isinstance(opened, str) else dict(opened)


@rejects_app.command("list")
@handle_errors
def rejects_list(
    source: str | None = typer.Argument(None, help="Only this source's runs."),
    json_out: bool = JsonOpt,
) -> None:
    """The ingestion runs that rejected rows, with how many, and how many are still open."""
    with open_store() as store:
        runs = rejected_runs(store, source)
    if json_out:
        print_json(runs)
        return
    if not runs:
        console.print("no rejected rows" + (f" for {source}" if source else ""))
        return
    table = Table()
    table.add_column("run", no_wrap=True, min_width=36)
    for column in ("source", "file", "started", "rejected", "open"):
        table.add_column(column, overflow="fold")
    for run in runs:
        table.add_row(
            run["run_id"],
            run["source"],
            Path(run["origin"]).name,
            run["started_at"],
            str(run["rejected"]),
            str(run["open"]),
        )
    console.print(table)
    console.print(
        "[dim]open: awaiting review, not superseded by a later run over a file of the same "
        "name; `lif rejects show RUN_ID` shows where, why and the row[/]"
    )


@rejects_app.command("show")
@handle_errors
def rejects_show(
    run_id: str = typer.Argument(..., help="The run id (or its first 8+ characters)."),
    json_out: bool = JsonOpt,
) -> None:
    """Each rejected row of one run: where it was, why it was refused, the row as sent."""
    with open_store() as store:
        run = rejections_of(store, run_id)
    if json_out:
        print_json(run)
        return
    console.print(
        f"[bold]run[/] {run['run_id']}  [bold]source[/] {escape(run['source'])}  "
        f"[bold]file[/] {escape(run['origin'])}  [bold]started[/] {run['started_at']}",
        highlight=False,
    )
    if run["failed"]:
        console.print(
            f"[red]the run failed ({run['failed']['kind']}):[/] {escape(run['failed']['reason'])}"
            " — nothing of the file was recorded",
            highlight=False,
        )
    if not run["rejections"]:
        console.print("no rejected rows")
    for item in run["rejections"]:
        where = ", ".join(f"{k} {v}" for k, v in item["locator"].items()) or "(whole file)"
        kind = f" [dim]({item['record_kind']})[/]" if item["record_kind"] else ""
        status = "" if item["status"] == "awaiting review" else f"  [dim]{item['status']}[/]"
        console.print(f"\n[bold]{escape(where)}[/]{kind}{status}", highlight=False)
        for reason in item["reasons"]:
            console.print(f"  [red]•[/] {escape(reason)}", highlight=False)
        if isinstance(item["raw"], str):
            console.print(f"    [dim]the row:[/] {escape(item['raw'])}", highlight=False)
            continue
        for column, value in item["raw"].items():
            console.print(
                f"    [dim]{escape(str(column))}:[/] {escape(repr(value))}", highlight=False
            )
