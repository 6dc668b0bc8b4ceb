"""``lif serve`` and ``lif report``: the web view (read-only, or with sign-in) and the publishable static report."""

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
    signin: Path = typer.Option(
        None,
        "--signin",
        envvar="LIF_SIGNIN",
        help="Sign-in settings (TOML, docs/web.md): people sign in with OpenID Connect and "
        "decide by role. Without them the view is read-only, with no sign-in.",
    ),
    forwarded_allow_ips: str = typer.Option(
        None,
        "--forwarded-allow-ips",
        help="Behind a reverse proxy: the proxy's addresses (comma-separated), whose "
        "X-Forwarded-Proto/-For headers are trusted (default: 127.0.0.1).",
    ),
) -> None:
    """Serve the web view (register, actions, report cards, sources, rejections) and /api/v1: read-only, or with sign-in and decisions."""
    import uvicorn

    from lif_app.web.app import create_app
    from lif_app.web.signin import load_signin

    settings = load_signin(signin) if signin else None
    loopback = host in LOOPBACK
    hosts: list[str] | None = ["127.0.0.1", "localhost"] if loopback else None
    if settings is not None:
        # The public name people reach it by (a reverse proxy forwards it as Host), and this
        # machine's names (a proxy or a health check on the same machine).
        hosts = [settings.site.host, "127.0.0.1", "localhost"]
    web = create_app(state.store_url, allowed_hosts=hosts, signin=settings)
    store = web.state.store
    if settings is None and not loopback:
        err.print(
            f"[yellow]warning:[/] listening on {host}: anyone who can reach this address can read "
            "the register. There is no login; keep it to a trusted network.",
            highlight=False,
        )
    if settings is not None and not settings.site.secure and settings.site.host not in LOOPBACK:
        err.print(
            f"[yellow]warning:[/] {settings.site.base_url} is not https: session cookies cross the "
            "network unencrypted. Put TLS in front (docs/web.md, behind a reverse proxy).",
            highlight=False,
        )
    shown = f"[{host}]" if ":" in host else host
    what = (
        f"with sign-in at {settings.provider.issuer}, for {settings.site.base_url}"
        if settings
        else "read-only"
    )
    console.print(
        f"LIF web view ({what}) of {store.url.masked} at http://{shown}:{port}/ "
        f"(API http://{shown}:{port}/api/v1). Ctrl-C to stop.",
        highlight=False,
    )
    uvicorn.run(
        web,
        host=host,
        port=port,
        log_level="info" if access_log else "warning",
        access_log=access_log,
        proxy_headers=True,  # trusted from --forwarded-allow-ips only (default: 127.0.0.1)
        forwarded_allow_ips=forwarded_allow_ips,
    )


@app.command()
@handle_errors
def report(
    out: Path = typer.Option(
        ...,
        "--out",
        help="A new or empty folder, or one a report was written to before (replaced whole).",
    ),
    threshold: int = typer.Option(
        None,
        "--threshold",
        min=1,
        help='Counts of people under this are published as "fewer than N" (default: the rules\', 5).',
    ),
    rules: Path = typer.Option(
        None,
        "--rules",
        help="Suppression rules (TOML, docs/web.md): which figures count people, the threshold.",
    ),
    json_out: bool = JsonOpt,
) -> None:
    """Build the publishable report (static HTML with turn-the-curve charts): small counts of people suppressed, no names, sealed."""
    from lif_app.web.readonly import open_read_only
    from lif_app.web.report import build_report
    from lif_app.web.suppression import load_rules

    chosen = load_rules(rules) if rules else None
    with open_read_only(state.store_url) as store:
        result = build_report(store, out, threshold=threshold, rules=chosen)
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
