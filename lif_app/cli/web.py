"""``lif serve`` and ``lif report``: the read-only web view and the publishable static report."""

from __future__ import annotations

from pathlib import Path

import typer

from lif_app.cli._common import JsonOpt, console, err, handle_errors, print_json, state
from lif_app.cli.app import app

__all__ = ["report", "serve"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@app.command()
@handle_errors
def serve(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on (loopback by default: only this machine)."
    ),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    access_log: bool = typer.Option(False, "--access-log", help="Log every request."),
) -> None:
    """Serve the read-only web view (register, actions, report cards, sources, rejections) and /api/v1."""
    import uvicorn

    from lif_app.web.app import create_app

    loopback = host in LOOPBACK
    web = create_app(
        state.store_url,
        allowed_hosts=["127.0.0.1", "localhost"] if loopback else None,
    )
    store = web.state.store
    if not loopback:
        err.print(
            f"[yellow]warning:[/] listening on {host}: anyone who can reach this address can read "
            "the register. There is no login; keep it to a trusted network.",
            highlight=False,
        )
    shown = f"[{host}]" if ":" in host else host
    console.print(
        f"LIF web view (read-only) of {store.url.masked} at http://{shown}:{port}/ "
        f"(API http://{shown}:{port}/api/v1). Ctrl-C to stop.",
        highlight=False,
    )
    uvicorn.run(
        web,
        host=host,
        port=port,
        log_level="info" if access_log else "warning",
        access_log=access_log,
    )


@app.command()
@handle_errors
def report(
    out: Path = typer.Option(
        ..., "--out", help="The folder to write the report to (replaced whole)."
    ),
    threshold: int = typer.Option(
        5, "--threshold", min=1, help='Counts under this are published as "fewer than N".'
    ),
    json_out: bool = JsonOpt,
) -> None:
    """Build the publishable report (static HTML with turn-the-curve charts): small numbers suppressed, no names, sealed."""
    from lif_app.web.readonly import open_read_only
    from lif_app.web.report import build_report

    with open_read_only(state.store_url) as store:
        result = build_report(store, out, threshold=threshold)
    if json_out:
        print_json(
            {
                "out": str(result.out),
                "files": result.files,
                "threshold": result.threshold,
                "suppressed": result.suppressed,
                "seal": result.data["seal"],
            }
        )
        return
    console.print(
        f"report written to {result.out}/index.html ({len(result.files)} files; "
        f"{result.suppressed} figures shown as 'fewer than {result.threshold}')",
        highlight=False,
    )
    console.print(
        f"built from seal {result.seal.seal_id}: up to notification {result.seal.last_notification_id}, "
        f"digest {result.seal.digest}",
        highlight=False,
    )
