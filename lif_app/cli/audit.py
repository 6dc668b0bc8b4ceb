"""``lif audit …``: verify, seal, trail, as-of, diff, prove, pack — and check proofs and packs offline."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer
from rich.markup import escape

from lif_app.cli._common import (
    JsonOpt,
    console,
    err,
    handle_errors,
    open_store,
    parse_time,
    print_json,
)
from lif_app.cli.app import app
from lif_app.cli.trail_text import print_trail
from lif_core.actors import describe
from lif_core.audit import build_trail, rebuild_event_ids
from lif_core.audit.heads import TreeHead, public_key_hex, read_head, stored_heads
from lif_core.audit.html import render_html
from lif_core.audit.inclusion import (
    CONSISTENCY,
    INCLUSION,
    check_consistency,
    check_inclusion,
    prove_consistency,
    prove_inclusion,
)
from lif_core.audit.proof import ProofReport, check_proof, make_proof
from lif_core.audit.verify import Seal
from lif_core.errors import InputError
from lif_core.eventlog.store import Store
from projections.history import DIFF_TABLES, diff_tables, item_as_of

__all__ = ["audit_app", "print_report", "public_key_option", "read_head_file", "read_seal"]

audit_app = typer.Typer(
    help="Replay and prove the history: verify, seal, trail, as-of, diff, prove, pack (docs/audit.md).",
    no_args_is_help=True,
)
app.add_typer(audit_app, name="audit")


def public_key_option(given: str | None) -> str | None:
    if given is None:
        return None
    path = Path(given)
    text = given
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read the public key {path}: {exc.strerror}") from None
    return public_key_hex(text)


# --- the history behind an item ----------------------------------------------------------------


def read_seal(seal_file: Path | None) -> Seal | None:
    if seal_file is None:
        return None
    try:
        return Seal.from_json(seal_file.read_text())
    except OSError as exc:
        raise InputError(f"cannot read the seal {seal_file}: {exc.strerror}") from None


def _mark(intact: bool) -> str:
    return "[green]✓[/]" if intact else "[bold red]✗[/]"


@audit_app.command("trail")
@handle_errors
def audit_trail(
    reference: str = typer.Argument(
        ..., help="LRN-…, ACT-…, MEA-…, or a source record: SOURCE/KIND/KEY or its id."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the trail as JSON."),
    html_out: Path = typer.Option(
        None, "--html", help="Write the trail as a self-contained, printable HTML page."
    ),
    seal_file: Path = typer.Option(
        None, "--seal", help="Show seal coverage against this kept seal (default: the latest)."
    ),
) -> None:
    """The full history behind a learning item, action, measure or source record, proven.

    A source record's trail shows each version with the file, row and plugin it came from,
    and the learning items, actions and measures whose decisions cite it.
    """
    seal = read_seal(seal_file)
    with open_store() as store:
        trail = build_trail(store, reference, seal=seal).to_dict()
    if html_out is not None:
        html_out.parent.mkdir(parents=True, exist_ok=True)
        html_out.write_text(render_html(trail), encoding="utf-8")
    if json_out:
        print_json(trail)
    elif html_out is not None:
        console.print(
            f"wrote the trail of {reference} to {html_out}", markup=False, highlight=False
        )
    else:
        print_trail(trail)
    if not trail["intact"]:
        raise typer.Exit(1)


@audit_app.command("as-of")
@handle_errors
def audit_as_of(
    when: str = typer.Argument(..., help="A recorded time, e.g. 2025-06-30 or 2025-06-30T12:00Z."),
    reference: str = typer.Argument(
        ..., help="LRN-…, ACT-…, MEA-…, or a source record: SOURCE/KIND/KEY or its id."
    ),
    json_out: bool = JsonOpt,
) -> None:
    """An item as it stood at a recorded time: its state then, and its register row then."""
    moment = parse_time(when, "TIME")
    with open_store() as store:
        result = item_as_of(store, reference, moment).to_dict()
    if json_out:
        print_json(result)
        return
    console.print(
        f"[bold]{escape(reference)}[/] as recorded by {result['as_of']}: version {result['version']} "
        f"({result['events_then']} of the {result['events_now']} events recorded now; last at {result['last_recorded_at']})",
        highlight=False,
    )
    for name, value in result["state"].items():
        console.print(f"  {name}: {value}", markup=False, highlight=False)
    console.print(f"{result['table']} then:", markup=False, highlight=False)
    for row in result["rows"]:
        for name, value in row.items():
            console.print(f"  {name}: {value}", markup=False, highlight=False)
        console.print("")


@audit_app.command("diff")
@handle_errors
def audit_diff(
    t1: str = typer.Argument(..., help="The earlier recorded time."),
    t2: str = typer.Argument(..., help="The later recorded time."),
    table: list[str] = typer.Option(
        None, "--table", help="learning_register, action_status or impact_monitoring (repeatable)."
    ),
    json_out: bool = JsonOpt,
) -> None:
    """Rows added, removed and changed in the read tables between two recorded times, and why."""
    first, second = parse_time(t1, "T1"), parse_time(t2, "T2")
    with open_store() as store:
        result = diff_tables(store, first, second, tuple(table or DIFF_TABLES)).to_dict()
    if json_out:
        print_json(result)
        return
    for name, counts in result["counts"].items():
        console.print(
            f"[bold]{name}[/]: {counts['added']} added, {counts['removed']} removed, {counts['changed']} changed",
            highlight=False,
        )
    signs = {"added": "+", "removed": "-", "changed": "~"}
    for change in result["changes"]:
        key = ", ".join(str(v) for v in change["key"].values())
        console.print(
            f"{signs[change['change']]} {change['table']} {key}", markup=False, highlight=False
        )
        if change["change"] == "changed":
            for column, values in change["columns"].items():
                console.print(
                    f"    {column}: {values['from']} → {values['to']}",
                    markup=False,
                    highlight=False,
                )
        for e in change["events"]:
            console.print(
                f"    because: {e['type']} v{e['version']} by {describe(e['actor'])} at {e['recorded_at']}: {e['summary']}",
                markup=False,
                highlight=False,
            )
        if not change["events"]:
            console.print(
                "    no event of its own stream in between: the change comes from related rows or the later date",
                highlight=False,
            )


# --- proofs and packs --------------------------------------------------------------------------


def print_report(report: ProofReport, json_out: bool, passed: str, failed: str) -> None:
    if json_out:
        print_json(report.to_dict())
    else:
        for check in report.checks:
            console.print(
                f"{_mark(check.ok)} {escape(check.name)}: {escape(check.detail)}",
                highlight=False,
                soft_wrap=True,
            )
        if report.ok:
            console.print(f"[green]{passed}[/]", highlight=False)
        else:
            err.print(f"[bold red]{failed}[/]", highlight=False)
    if not report.ok:
        raise typer.Exit(1)


def read_head_file(path: Path | None) -> TreeHead | None:
    if path is None:
        return None
    try:
        return read_head(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise InputError(f"cannot read the head {path}: {exc.strerror}") from None


def _write(text: str, out: Path | None) -> None:
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")


HeadOpt = typer.Option(
    None, "--head", help="A signed tree head you kept (JSON, from a witness or `lif audit seal`)."
)


@audit_app.command("prove")
@handle_errors
def audit_prove(
    event_id: str = typer.Argument(..., help="The event id (from `lif audit trail`)."),
    head_file: Path = typer.Option(
        None, "--head", help="Prove against this signed head (default: the newest the store kept)."
    ),
    seal_file: Path = typer.Option(
        None, "--seal", help="A legacy hash-list proof against this kept (unsigned) seal."
    ),
    out: Path = typer.Option(None, "--out", help="Write the proof to this file."),
    json_out: bool = typer.Option(False, "--json", help="Print the whole proof as JSON."),
) -> None:
    """An inclusion proof of one event against a signed tree head, checkable with no database."""
    head = read_head_file(head_file)
    with open_store() as store:
        legacy = seal_file is not None or (head is None and not stored_heads(store))
        if legacy:
            _prove_legacy(store, event_id, seal_file, out, json_out)
            return
        proof = prove_inclusion(store, event_id, head)
    text = json.dumps(proof, indent=2, ensure_ascii=False) + "\n"
    _write(text, out)
    if json_out:
        sys.stdout.write(text)
        return
    event, signed = proof["event"], proof["head"]
    console.print(
        f"event {event['event_id']}: {event['topic'].split(':')[-1]} v{event['version']} of stream "
        f"{event['stream_id']}, notification {event['notification_id']}, leaf {proof['leaf_index']}",
        highlight=False,
    )
    console.print(
        f"head: {signed['tree_size']} events, root {signed['root_hash']}, signed {signed['timestamp']} "
        f"by {signed['signer']} (key {signed['public_key']})",
        highlight=False,
    )
    console.print(
        f"inclusion path: {len(proof['inclusion'])} hashes ({32 * len(proof['inclusion'])} bytes)"
        + (f"; proof written to {out}" if out else "; use --out FILE or --json to keep it"),
        highlight=False,
    )
    print_report(check_inclusion(proof), False, "the proof checks", "the proof does NOT check")


def _prove_legacy(
    store: Store, event_id: str, seal_file: Path | None, out: Path | None, json_out: bool
) -> None:
    proof = make_proof(store, event_id, read_seal(seal_file))
    text = json.dumps(proof, indent=2, ensure_ascii=False) + "\n"
    _write(text, out)
    if json_out:
        sys.stdout.write(text)
        return
    event, seal = proof["event"], proof["seal"]
    console.print(
        f"event {event['event_id']}: {event['topic'].split(':')[-1]} v{event['version']} of stream "
        f"{event['stream_id']}, notification {event['notification_id']}",
        highlight=False,
    )
    console.print(
        f"seal {seal['seal_id']} ({seal['created_at']}): {seal['event_count']} events up to "
        f"notification {seal['last_notification_id']}, digest {seal['digest']}",
        highlight=False,
    )
    console.print(
        f"hash list: {len(proof['hash_list'])} lines (a hash list, not a Merkle proof: no signed "
        "head yet; `lif audit seal --key KEY` makes one)"
        + (f"; proof written to {out}" if out else "; use --out FILE or --json to keep it"),
        highlight=False,
    )
    print_report(check_proof(proof), False, "the proof checks", "the proof does NOT check")


@audit_app.command("consistency")
@handle_errors
def audit_consistency(
    old_head: Path = typer.Argument(..., help="The older signed head you kept (JSON)."),
    new_head: Path = typer.Argument(
        None, help="The newer signed head (default: the newest the store kept)."
    ),
    out: Path = typer.Option(None, "--out", help="Write the proof to this file."),
    json_out: bool = typer.Option(False, "--json", help="Print the whole proof as JSON."),
) -> None:
    """Prove the log under the newer head extends the log under the older one (nothing earlier
    removed, changed or reordered); check it with `lif audit check-proof`."""
    old = read_head_file(old_head)
    assert old is not None
    with open_store() as store:
        proof = prove_consistency(store, old, read_head_file(new_head))
    text = json.dumps(proof, indent=2, ensure_ascii=False) + "\n"
    _write(text, out)
    if json_out:
        sys.stdout.write(text)
        return
    console.print(
        f"consistency {proof['old']['tree_size']} -> {proof['new']['tree_size']} events: "
        f"{len(proof['consistency'])} hashes"
        + (f"; proof written to {out}" if out else "; use --out FILE or --json to keep it"),
        highlight=False,
    )
    print_report(check_consistency(proof), False, "the proof checks", "the proof does NOT check")


@audit_app.command("check-proof")
@handle_errors
def audit_check_proof(
    proof_file: Path = typer.Argument(
        ..., help="A proof written by `lif audit prove` or `lif audit consistency` (--out)."
    ),
    head_file: Path = HeadOpt,
    seal_file: Path = typer.Option(
        None, "--seal", help="A legacy seal kept outside the system (hash-list proofs)."
    ),
    public_key: str = typer.Option(
        None, "--public-key", help="The signing key you expect (64 hex digits or a PEM file)."
    ),
    json_out: bool = JsonOpt,
) -> None:
    """Check a saved proof offline (no store). Exit 0 proven, 1 not."""
    try:
        proof = json.loads(proof_file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the proof {proof_file}: {exc.strerror}") from None
    except ValueError as exc:
        raise InputError(f"{proof_file} is not JSON: {exc}") from None
    key = public_key_option(public_key or os.environ.get("LIF_AUDIT_PUBLIC_KEY"))
    kind = proof.get("format") if isinstance(proof, dict) else None
    if kind == INCLUSION:
        report = check_inclusion(proof, read_head_file(head_file), key)
    elif kind == CONSISTENCY:
        report = check_consistency(proof, key)
    else:
        report = check_proof(proof if isinstance(proof, dict) else {}, read_seal(seal_file))
    print_report(report, json_out, "proven", "NOT proven")


@audit_app.command("reindex")
@handle_errors
def audit_reindex(json_out: bool = JsonOpt) -> None:
    """Rebuild the event-id index from the log (it is only ever derived from it)."""
    with open_store() as store:
        read = rebuild_event_ids(store)
    if json_out:
        print_json({"events": read})
    else:
        console.print(f"indexed {read} events", highlight=False)
