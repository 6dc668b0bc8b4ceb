"""``lif privacy``: personal data — scan files before ingesting them."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from lif_app.cli._common import JsonOpt, console, handle_errors, print_json
from lif_app.cli.app import app
from lif_core.ingestion.parse import locator_text
from lif_core.ingestion.scan import ScanFinding, scan_file
from lif_core.plugins.host import load_plugins
from lif_core.plugins.spec import Source

__all__ = ["privacy_app"]

privacy_app = typer.Typer(
    help="Personal data: scan files for it before ingesting.", no_args_is_help=True
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
