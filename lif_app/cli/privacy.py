"""``lif privacy``: personal data — scan files before ingesting, erase, keep rejected rows no longer than set."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from lif_app.cli._common import ActorOpt, JsonOpt, console, handle_errors, open_store, print_json
from lif_app.cli.app import app
from lif_core.actors import cli_actor
from lif_core.config import rejected_rows_retention_days
from lif_core.decisions.erasure import ErasureResult, erase, erase_expired
from lif_core.ingestion.parse import locator_text
from lif_core.ingestion.scan import ScanFinding, scan_file
from lif_core.plugins.host import load_plugins
from lif_core.plugins.spec import Source

__all__ = ["privacy_app"]

privacy_app = typer.Typer(
    help="Personal data: scan files for it, erase it, keep rejected rows no longer than set.",
    no_args_is_help=True,
)
app.add_typer(privacy_app, name="privacy")


@privacy_app.command("scan")
@handle_errors
def scan(
    paths: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="Files to scan."),
    source: str | None = typer.Option(
        None, "--source", help="Read the files as this source does (its plugin's parse)."
    ),
    json_out: bool = JsonOpt,
) -> None:
    """List every identifier in the files (file, row, column, kind, a masked excerpt) without
    ingesting anything. Exit 1 when anything is found, 0 when the files are clean."""
    declared: Source | None = None
    if source is not None:
        declared = load_plugins().get(source).source
    findings: list[ScanFinding] = []
    for path in paths:
        findings.extend(scan_file(path, declared))
    if json_out:
        print_json({"clean": not findings, "findings": [f.as_json() for f in findings]})
    else:
        for f in findings:
            console.print(
                f"{escape(f.file)}: {escape(locator_text(f.locator))}, column "
                f"{escape(repr(f.column))}: {f.kind}: {escape(f.excerpt)}",
                highlight=False,
            )
        files = len(paths)
        console.print(
            f"{len(findings)} finding{'s' if len(findings) != 1 else ''} in {files} "
            f"file{'s' if files != 1 else ''}",
            highlight=False,
        )
    if findings:
        raise typer.Exit(1)


@privacy_app.command("erase")
@handle_errors
def erase_command(
    record: str | None = typer.Option(
        None, "--record", help="A source record's id: its free text is erased."
    ),
    run: str | None = typer.Option(
        None, "--run", help="An ingestion run's id (8+ characters): its rejected rows are erased."
    ),
    matching: str | None = typer.Option(
        None, "--matching", help="Erase every encrypted value holding this text (case ignored)."
    ),
    rationale: str = typer.Option(..., "--rationale", help="Why (recorded; required)."),
    actor_name: str | None = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Destroy the data keys of a record, a run or of every value holding a text
    (crypto-shredding), and record an erasure event: who, why, what, when — never the value.
    Every chain still verifies. Erasing what is already erased writes nothing (exit 0)."""
    with open_store() as store:
        result = erase(
            store,
            record=record,
            run=run,
            matching=matching,
            rationale=rationale,
            actor=cli_actor(actor_name),
        )
    if json_out:
        print_json(result.as_json())
        return
    _say(result)


def _say(result: ErasureResult) -> None:
    if result.erasure_id is not None:
        console.print(
            f"erased {result.what}: {len(result.destroyed)} data key"
            f"{'s' if len(result.destroyed) != 1 else ''} destroyed (erasure {result.erasure_id})",
            highlight=False,
        )
    for key, at in result.already:
        console.print(f"already erased: {escape(key)} (on {at}); nothing to do", highlight=False)
    if result.erasure_id is None and not result.already:
        console.print(f"nothing to erase: no encrypted value matches ({result.what})")


@privacy_app.command("retention")
@handle_errors
def retention_command(
    days: int | None = typer.Option(
        None,
        "--days",
        min=0,
        help="Keep rejected rows this many days (default: LIF_REJECTED_ROWS_RETENTION_DAYS, else 90).",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would be erased."),
    json_out: bool = JsonOpt,
) -> None:
    """Erase the raw copies of rejected rows kept longer than the retention period (each run's
    data key destroyed, one erasure event per run, by policy:rejected-rows-retention)."""
    keep = days if days is not None else rejected_rows_retention_days()
    with open_store() as store:
        results = erase_expired(store, keep, dry_run=dry_run)
    if json_out:
        print_json({"days": keep, "dry_run": dry_run, "runs": [r.as_json() for r in results]})
        return
    for result in results:
        if dry_run:
            console.print(f"would erase {result.what}", highlight=False)
        else:
            _say(result)
    console.print(
        f"{len(results)} run{'s' if len(results) != 1 else ''} past {keep} days"
        + (" (dry run: nothing erased)" if dry_run else ""),
        highlight=False,
    )
