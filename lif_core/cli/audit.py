"""``lif audit …``: verify the hash chains, record and check seals."""

from __future__ import annotations

from pathlib import Path

import typer

from lif_core.chain import Seal, latest_seal, make_seal, verify
from lif_core.cli._common import (
    ActorOpt,
    JsonOpt,
    actor,
    console,
    err,
    handle_errors,
    open_store,
    print_json,
)
from lif_core.cli.app import app
from lif_core.errors import InputError

__all__ = ["audit_app"]

audit_app = typer.Typer(
    help="Replay and prove the history: verify, seal, trail.", no_args_is_help=True
)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
@handle_errors
def audit_verify(
    seal_file: Path = typer.Option(
        None, "--seal", help="A seal kept outside the system (JSON from `lif audit seal`)."
    ),
    json_out: bool = JsonOpt,
) -> None:
    """Recompute every hash chain (and check the log against a seal). Exit 0 intact, 1 not."""
    if seal_file is not None:
        try:
            seal: Seal | None = Seal.from_json(seal_file.read_text())
        except OSError as exc:
            raise InputError(f"cannot read the seal {seal_file}: {exc.strerror}") from None
    else:
        seal = None
    with open_store() as store:
        if seal is None:
            seal = latest_seal(store)
        report = verify(store, seal)
    if json_out:
        print_json(report.as_dict())
    elif report.ok:
        sealed = (
            f"; matches seal {report.seal.seal_id} (up to notification {report.seal.last_notification_id})"
            if report.seal
            else ""
        )
        console.print(
            f"[green]intact[/]: {report.events} events in {report.streams} streams verified{sealed}",
            highlight=False,
        )
    else:
        first = report.first
        if first:
            err.print(
                f"[bold red]TAMPERED[/]: first bad event: {first}", highlight=False, soft_wrap=True
            )
            if len(report.problems) > 1:
                err.print(
                    f"{len(report.problems) - 1} more problem(s); --json lists them all",
                    highlight=False,
                )
        if report.seal_problem:
            err.print(f"[bold red]SEAL[/]: {report.seal_problem}", highlight=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("seal")
@handle_errors
def audit_seal(
    out: Path = typer.Option(None, "--out", help="Also write the seal to this file."),
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Record a seal of the log as it is now and print it: keep a copy outside the system."""
    with open_store() as store:
        seal = make_seal(store, actor(actor_name))
    text = seal.to_json()
    if out is not None:
        out.write_text(text + "\n")
    if json_out:
        print(text)
    else:
        console.print(
            f"[green]sealed[/] {seal.event_count} events up to notification {seal.last_notification_id}",
            highlight=False,
        )
        console.print(text, highlight=False)
