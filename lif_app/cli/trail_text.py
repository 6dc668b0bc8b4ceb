"""``lif audit trail`` as text: a table on a terminal, one full line per event to a pipe or file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from lif_app.cli._common import console
from lif_core.actors import describe

__all__ = ["print_trail", "shown"]


def _mark(intact: bool) -> str:
    return "[green]✓[/]" if intact else "[bold red]✗[/]"


# Control characters (C0, DEL, C1) in text from source files or decisions: shown as escapes, so
# a terminal never runs an escape sequence a source file carried.
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}
_CONTROL |= {ord("\n"): "\\n", ord("\t"): "\\t", ord("\r"): "\\r"}


def shown(value: Any) -> str:
    """Text from the log as printed: control characters escaped (``\\x1b``, ``\\n``)."""
    return str(value if value is not None else "").translate(_CONTROL)


def _provenance_lines(trail: dict[str, Any]) -> list[str]:
    lines = []
    for e in trail["events"]:  # a source record's versions: where each came from
        prov = e["data"].get("provenance")
        if isinstance(prov, dict) and prov.get("origin"):
            where = ", ".join(f"{k} {v}" for k, v in sorted((prov.get("locator") or {}).items()))
            lines.append(
                f"v{e['version']} from {Path(str(prov['origin'])).name}"
                + (f" ({where})" if where else "")
                + f", file sha256 {prov.get('origin_sha256')}, plugin "
                f"{prov.get('plugin')} {prov.get('plugin_version')}, run {prov.get('run_id')}"
            )
    return lines


def print_trail(trail: dict[str, Any]) -> None:
    """The trail as text: a table on a terminal; to a pipe or a file, one full line per event
    (never cut to 80 columns), with every event id and each record's file, plugin and run."""
    say = console.print
    say(
        f"{shown(trail['reference'])} ({trail['kind']}, stream {trail['stream_id']}): "
        f"{len(trail['events'])} events, {len(trail['evidence'])} cited",
        markup=False,
        highlight=False,
    )
    if trail["intact"]:
        say("[green]intact[/]: every event shown matches its hash", highlight=False)
    else:
        say(f"[bold red]PROBLEMS[/] ({len(trail['problems'])}):", highlight=False)
        for problem in trail["problems"]:
            say(f"  {shown(problem)}", markup=False, highlight=False)
    seal = trail["seal"]
    say(
        f"seal {seal['seal_id']} covers up to notification {seal['last_notification_id']}"
        if seal
        else "no seal recorded yet (`lif audit seal`)",
        markup=False,
        highlight=False,
    )
    if console.is_terminal:
        table = Table(
            "v", "recorded (UTC)", "valid", "what happened", "who", "why", "cites", "ok", "event id"
        )
        for e in trail["events"]:
            what = escape(shown(e["summary"])) + (
                " [yellow](corrected later)[/]" if e["corrected_by"] else ""
            )
            table.add_row(
                str(e["version"]),
                e["recorded_at"][:19],
                escape(shown(e["valid_time"])),
                what,
                escape(shown(describe(e["actor"]))),
                escape(shown(e["rationale"])),
                str(len(e["cites"])) if e["cites"] else "",
                _mark(e["integrity"]["intact"]) + ("" if e["integrity"]["sealed"] else " unsealed"),
                e["event_id"],
            )
        say(table)
    else:
        for e in trail["events"]:
            parts = [
                f"v{e['version']}",
                f"recorded {e['recorded_at']}",
                f"valid {shown(e['valid_time']) or '-'}",
                shown(e["summary"]) + (" (corrected later)" if e["corrected_by"] else ""),
                f"by {shown(describe(e['actor']))}",
                f"why {shown(e['rationale']) or '-'}",
                f"cites {len(e['cites'])}",
                ("intact" if e["integrity"]["intact"] else "BROKEN")
                + ("" if e["integrity"]["sealed"] else ", unsealed"),
                f"event {e['event_id']}",
                f"notification {e['notification_id']}",
            ]
            say(" | ".join(parts), markup=False, highlight=False)
    for line in _provenance_lines(trail):
        say(shown(line), markup=False, highlight=False)
    for ev in trail["evidence"]:
        name = (
            f"{ev['source']}/{ev['record_kind']}/{ev['record_key']}"
            if ev["source"]
            else ev["event_id"]
        )
        say(
            shown(f"• {name} [{ev['status']}]: {ev['note']}") + f" (event {ev['event_id']})",
            markup=False,
            highlight=False,
        )
        prov = (ev.get("cited") or {}).get("provenance")
        if isinstance(prov, dict) and prov.get("origin"):
            say(
                shown(
                    f"    from {Path(str(prov['origin'])).name}, file sha256 "
                    f"{prov.get('origin_sha256')}, plugin {prov.get('plugin')} "
                    f"{prov.get('plugin_version')}, run {prov.get('run_id')}"
                ),
                markup=False,
                highlight=False,
            )
    for rel in trail["related"]:
        say(
            shown(f"→ {rel['relation']}: {rel['reference']} {rel['summary']}"),
            markup=False,
            highlight=False,
        )
