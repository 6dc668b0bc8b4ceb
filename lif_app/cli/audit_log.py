"""``lif audit verify``, ``seal``, ``keygen``, ``pack`` and ``check-pack``: the log against its
tree and the signed heads witnesses keep, and packs proven against them (docs/audit.md)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from lif_app.cli._common import (
    ActorOpt,
    JsonOpt,
    actor,
    console,
    err,
    handle_errors,
    open_store,
    print_json,
)
from lif_app.cli.audit import (
    audit_app,
    print_report,
    public_key_option,
    read_head_file,
    read_seal,
)
from lif_core.audit.heads import (
    TreeHead,
    generate_key,
    load_signer,
    seal_head,
    stored_heads,
)
from lif_core.audit.pack import check_pack, write_pack
from lif_core.audit.verify import Seal, VerifyReport, latest_seal, make_seal, verify
from lif_core.audit.witness import open_witness
from lif_core.errors import InputError

__all__ = ["PublicKeyOpt"]


AgainstOpt = typer.Option(
    None,
    "--against",
    help="A witness whose every head the log must extend: DIR, FILE.jsonl, kafka:TOPIC or "
    "plugin:NAME[:ARG] (repeatable).",
)
PublicKeyOpt = typer.Option(
    None,
    "--public-key",
    help="The signing key's public half (64 hex digits or a PEM file): heads signed by any "
    "other key fail (default: LIF_AUDIT_PUBLIC_KEY; else each head's own key, reported).",
)


@audit_app.command("verify")
@handle_errors
def audit_verify(
    seal_file: Path = typer.Option(
        None, "--seal", help="A legacy seal kept outside the system (JSON from `lif audit seal`)."
    ),
    against: list[str] = AgainstOpt,
    public_key: str = PublicKeyOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Recompute every hash chain and Merkle leaf; check the log against every signed head a
    witness holds and name the first event that differs. Exit 0 intact, 1 not."""
    if seal_file is not None:
        try:
            seal: Seal | None = Seal.from_json(seal_file.read_text())
        except OSError as exc:
            raise InputError(f"cannot read the seal {seal_file}: {exc.strerror}") from None
    else:
        seal = None
    key = public_key_option(public_key or os.environ.get("LIF_AUDIT_PUBLIC_KEY"))
    heads = [(w.name, h) for w in (open_witness(a) for a in against or []) for h in w.heads()]
    with open_store() as store:
        if seal is None and not heads:
            seal = latest_seal(store)
        report = verify(store, seal, heads, key)
        kept = stored_heads(store)
    if json_out:
        print_json(report.as_dict())
    else:
        _print_verify(report, bool(against), kept, [h for _, h in heads])
    if not report.ok:
        raise typer.Exit(1)


def _print_verify(
    report: VerifyReport, against: bool, kept: list[TreeHead], witnessed: list[TreeHead]
) -> None:
    tree = report.tree
    if report.ok:
        sealed = (
            f"; matches seal {report.seal.seal_id} (up to notification {report.seal.last_notification_id})"
            if report.seal
            else ""
        )
        heads = (
            f"; extends all {len(tree.heads)} signed head(s) the witnesses hold"
            if tree and tree.heads
            else ""
        )
        console.print(
            f"[green]intact[/]: {report.events} events in {report.streams} streams verified{heads}{sealed}",
            highlight=False,
        )
        if against and tree and not tree.heads:
            err.print("[yellow]the witness holds no heads yet[/]", highlight=False)
    else:
        if tree and tree.first:
            err.print(
                f"[bold red]TAMPERED[/]: first differing {tree.first}",
                highlight=False,
                soft_wrap=True,
            )
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
        for check in tree.heads if tree else []:
            if not check.ok:
                err.print(
                    f"[bold red]HEAD[/] {check.head['tree_size']} events, "
                    f"{check.head['timestamp']} ({check.witness}): {check.what}",
                    highlight=False,
                    soft_wrap=True,
                )
        for problem in tree.problems if tree else []:
            err.print(f"[bold red]TREE[/]: {problem}", highlight=False, soft_wrap=True)
        if report.seal_problem:
            err.print(f"[bold red]SEAL[/]: {report.seal_problem}", highlight=False, soft_wrap=True)
    for note in tree.notes if tree else []:
        err.print(f"note: {note}", highlight=False, soft_wrap=True)
    missing = {(h.tree_size, h.signature) for h in witnessed} - {
        (h.tree_size, h.signature) for h in kept
    }
    if missing:
        err.print(
            f"note: {len(missing)} head(s) the witnesses hold are not among the store's own copies "
            "(lif_tree_heads rows deleted or rewritten, or heads of another store)",
            highlight=False,
            soft_wrap=True,
        )


@audit_app.command("keygen")
@handle_errors
def audit_keygen(
    out: Path = typer.Option(
        ..., "--out", help="Where to write the new private key (PEM; owner-only)."
    ),
    json_out: bool = JsonOpt,
) -> None:
    """Make an Ed25519 signing key for `lif audit seal`; keep it away from the store."""
    try:
        public = generate_key(out)
    except FileExistsError:
        raise InputError(f"{out} exists already: a key is never overwritten") from None
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror}") from None
    if json_out:
        print_json({"private_key_file": str(out), "public_key": public})
    else:
        console.print(
            f"private key written to {out}; public key (give auditors this):", highlight=False
        )
        console.print(public, highlight=False)


@audit_app.command("seal")
@handle_errors
def audit_seal(
    out: Path = typer.Option(
        None, "--out", help="Also write the seal (or signed head) to this file."
    ),
    key: str = typer.Option(
        None,
        "--key",
        help="Ed25519 private key file, or plugin:NAME for a key service (default: "
        "LIF_SIGNING_KEY or LIF_SIGNING_KEY_FILE; without any, an unsigned legacy seal).",
    ),
    witness: list[str] = typer.Option(
        None,
        "--witness",
        help="Publish the signed head to DIR, FILE.jsonl, kafka:TOPIC or plugin:NAME[:ARG] "
        "(repeatable; default: LIF_WITNESSES, comma-separated).",
    ),
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Sign the log's Merkle tree head and publish it to witnesses (and record a seal)."""
    targets = list(witness or []) or [
        w.strip() for w in os.environ.get("LIF_WITNESSES", "").split(",") if w.strip()
    ]
    signing = key is not None or bool(
        os.environ.get("LIF_SIGNING_KEY") or os.environ.get("LIF_SIGNING_KEY_FILE")
    )
    if targets and not signing:
        raise InputError(
            "witnesses keep signed heads: give --key FILE (or set LIF_SIGNING_KEY_FILE); "
            "`lif audit keygen --out FILE` makes a key"
        )
    witnesses = [open_witness(t) for t in targets]
    who = actor(actor_name)
    with open_store() as store:
        signer = load_signer(key, who) if signing else None
        head = seal_head(store, signer) if signer else None
        seal = make_seal(store, who)
    failures = []
    for w in witnesses:
        assert head is not None
        try:
            w.publish(head)
        except Exception as exc:  # one witness down must not stop the others
            failures.append(f"{w.name}: {exc}")
    text = head.model_dump_json(indent=2) if head else seal.to_json()
    if out is not None:
        out.write_text(text + "\n")
    if json_out:
        print(text)
    elif head is not None:
        console.print(
            f"[green]signed[/] the tree head of {head.tree_size} events (root {head.root_hash[:16]}…) "
            f"and published it to {len(witnesses) - len(failures)} of {len(witnesses)} witness(es)",
            highlight=False,
        )
        console.print(text, highlight=False)
    else:
        console.print(
            f"[green]sealed[/] {seal.event_count} events up to notification {seal.last_notification_id} "
            "(unsigned: give --key to sign a tree head for witnesses)",
            highlight=False,
        )
        console.print(text, highlight=False)
    for failure in failures:
        err.print(f"[bold red]not published[/]: {failure}", highlight=False, soft_wrap=True)
    if failures:
        raise typer.Exit(1)


@audit_app.command("pack")
@handle_errors
def audit_pack(
    reference: str = typer.Argument(
        ..., help="LRN-…, ACT-…, MEA-…, or a source record: SOURCE/KIND/KEY or its id."
    ),
    out: Path = typer.Option(..., "--out", help="A new folder to write the pack to."),
    seal_file: Path = typer.Option(
        None,
        "--seal",
        help="Prove against this kept seal (default: the latest, or a new one if it is older than the trail).",
    ),
    head_file: Path = typer.Option(
        None,
        "--head",
        help="Prove every event against this signed head (default: the newest the store kept "
        "that covers them; with none, the seal's hash list).",
    ),
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Write a self-contained folder an auditor can re-check anywhere (`lif audit check-pack`)."""
    with open_store() as store:
        summary = write_pack(
            store,
            reference,
            out,
            seal=read_seal(seal_file),
            actor=actor(actor_name),
            head=read_head_file(head_file),
        )
    if json_out:
        print_json(summary)
        return
    console.print(
        f"[green]packed[/] {reference}: {summary['events']} events, {summary['files']} files in {out}; "
        f"seal {summary['seal']}"
        + (" (sealed now)" if summary["sealed_now"] else "")
        + (
            f"; proven against the signed head of {summary['head']['tree_size']} events"
            if summary["head"]
            else "; a hash list (no signed head covers it: `lif audit seal --key KEY`)"
        ),
        highlight=False,
    )
    if not summary["intact"]:
        err.print(
            "[bold red]the trail shows integrity problems[/]: the pack will not check",
            highlight=False,
        )
        raise typer.Exit(1)


@audit_app.command("check-pack")
@handle_errors
def audit_check_pack(
    folder: Path = typer.Argument(..., help="A folder written by `lif audit pack`."),
    seal_file: Path = typer.Option(
        None, "--seal", help="A seal kept outside the system to compare the pack's seal with."
    ),
    head_file: Path = typer.Option(
        None, "--head", help="A signed head a witness kept, to compare the pack's head with."
    ),
    public_key: str = PublicKeyOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Re-verify an audit pack with no store: files, hash links, signed head (or seal), trail.
    Exit 0 or 1."""
    report = check_pack(
        folder,
        read_seal(seal_file),
        kept_head=read_head_file(head_file),
        public_key=public_key_option(public_key or os.environ.get("LIF_AUDIT_PUBLIC_KEY")),
    )
    print_report(report, json_out, "the pack checks", "the pack does NOT check")
