"""The partner register, and every agency name the log uses resolved to its partner.

``partner_register``: one row per partner with its names, sector, L&D link and its actions
counted once whatever spelling each action used. ``agency_names``: every name an action, a
cascade, a narrative or an ingested record's agency field (``RecordKind.agency_fields``) gives
an agency, the partner it resolves to, or — when it resolves to none — the close matches, so
the business unit can add an alias (``lif partner alias``) or correct the source. Events are
never rewritten: resolution happens here, every time.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from lif_core.domain.partner import Directory
from lif_core.ingestion.agencies import agency_names
from projections.engine import Column, Context, EventView, Table

NAME = "partners"
TOPICS = {
    "Partner.Added",
    "Partner.AliasAdded",
    "Partner.Retired",
    "SourceRecord.Recorded",
    "SourceRecord.Revised",
    "SourceRecord.Withdrawn",
}
USES_CONTEXT = True
_USES = "uses:"  # state entities of the names a source record gives agencies (else: partners)


def apply(state: dict[str, Any], event: EventView, *, context: Context) -> set[str]:
    d = event.data
    if event.type.startswith("SourceRecord."):
        return _record(state, event, context)
    if event.type == "Partner.Added":
        state[event.stream_id] = {
            "reference": d["reference"],
            "name": d["name"],
            "sector": d["sector"],
            "statutory": d["statutory"],
            "learning_link_role": d["learning_link_role"],
            "aliases": list(d["aliases"]),
            "status": "active",
            "added_at": d["timestamp"],
            "last_change": d["timestamp"],
        }
        return {event.stream_id}
    item = state.get(event.stream_id)
    if item is None:
        return set()
    item["last_change"] = d["timestamp"]
    if event.type == "Partner.AliasAdded":
        item["aliases"].append(d["alias"])
    else:
        item["status"] = "retired"
    return {event.stream_id}


def _record(state: dict[str, Any], event: EventView, context: Context) -> set[str]:
    """Keep the agency names a source record gives, by the fields its kind declares."""
    d = event.data
    key = _USES + event.stream_id
    kind = context.declared.kind(d["source"], d["record_kind"])
    names: list[tuple[str, str]] = []
    if kind is not None and kind.agency_fields and event.type != "SourceRecord.Withdrawn":
        names = agency_names(kind, d["attributes"])
    if not names:
        return {key} if state.pop(key, None) is not None else set()
    state[key] = {"source": d["source"], "record_key": d["record_key"], "names": names}
    return {key}


def _partners(states: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in states.get(NAME, {}).items() if not k.startswith(_USES)}


def directory(states: dict[str, dict[str, Any]]) -> Directory:
    """The register as a :class:`~lif_core.domain.partner.Directory` (what every read model resolves with)."""
    found = Directory()
    for item in sorted(_partners(states).values(), key=lambda p: str(p["added_at"])):
        found.add(item["reference"], item["name"], item["aliases"])
        if item["status"] == "retired":
            found.retired.add(item["reference"])
    return found


def resolved(found: Directory, name: str | None) -> tuple[str | None, str | None]:
    """The partner(s) an agency name resolves to: (short names, full names), each joined by
    '; ' for a shared owner; ``(None, None)`` when it resolves to none."""
    owners = found.resolve_all(name)
    if not owners:
        return None, None
    return "; ".join(owners), "; ".join(found.names[o] for o in owners)


def named_agencies(states: dict[str, dict[str, Any]]) -> list[tuple[str, str, str]]:
    """Every (where, reference, name as written) the log names an agency in."""
    out = [
        ("action owner", a["reference"], a["owner_agency"])
        for a in states.get("actions", {}).values()
        if a.get("owner_agency")
    ]
    for item in states.get("reach", {}).values():
        out.extend(("cascade", item["reference"], p) for p in item["cascades"])
    for story in states.get("narratives", {}).values():
        out.extend(("narrative", story["measure"], p) for p in story.get("partners", ()))
    for entity, uses in states.get(NAME, {}).items():
        if entity.startswith(_USES):
            out.extend(
                (f"{uses['source']} {path}", uses["record_key"], name)
                for path, name in uses["names"]
            )
    return out


def _register(states: dict[str, dict[str, Any]], context: Context) -> list[dict[str, Any]]:
    from projections.action_status import action_counts, action_rows

    found = directory(states)
    owned: dict[str, list[dict[str, Any]]] = {}
    for row in action_rows(states, context):
        # A shared action counts once for each partner that shares it.
        for partner in found.resolve_all(row["owner_agency"]) or []:
            owned.setdefault(partner, []).append(row)
    cascaded: Counter[str] = Counter()
    for item in states.get("reach", {}).values():
        for confirmed in {found.resolve(p) for p in item["cascades"]} - {None}:
            cascaded[str(confirmed)] += 1
    out = []
    for stream_id, item in _partners(states).items():
        counts = action_counts(owned.get(item["reference"], []))
        out.append(
            {
                "reference": item["reference"],
                "stream_id": stream_id,
                "name": item["name"],
                "aliases": "; ".join(item["aliases"]),
                "sector": item["sector"],
                "statutory": item["statutory"],
                "learning_link_role": item["learning_link_role"],
                "status": item["status"],
                "actions_total": counts.total,
                "actions_open": counts.open,
                "actions_overdue": counts.overdue,
                "actions_complete": counts.complete,
                "learning_cascaded": cascaded[item["reference"]],
                "added_at": item["added_at"],
                "last_change": item["last_change"],
            }
        )
    return out


def _names(states: dict[str, dict[str, Any]], context: Context) -> list[dict[str, Any]]:
    found = directory(states)
    uses: dict[tuple[str, str], list[str]] = {}
    for where, reference, name in named_agencies(states):
        uses.setdefault((name, where), []).append(reference)
    out = []
    for (name, where), references in uses.items():
        partner, partner_name = resolved(found, name)
        out.append(
            {
                "name": name,
                "used_as": where,
                "partner": partner,
                "partner_name": partner_name,
                "resolved": partner is not None,
                "close_matches": None
                if partner or not found.names
                else "; ".join(found.near(name)),
                "uses": len(references),
                "items": "; ".join(sorted(references)),
            }
        )
    return out


TABLES = [
    Table(
        name="partner_register",
        description="One row per partner: its names, sector, learning and development link, and its actions counted once whatever spelling each used.",
        key=("reference",),
        render=_register,
        columns=(
            Column("reference", "TEXT", "The partner's short name, e.g. LCH (its reference)."),
            Column("stream_id", "TEXT", "The id of the partner's event stream."),
            Column("name", "TEXT", "Its full, canonical name."),
            Column(
                "aliases",
                "TEXT",
                "Other names it goes by in sources and decisions, separated by '; '.",
            ),
            Column(
                "sector",
                "TEXT",
                "local-authority, police, health, education, probation, youth-justice, voluntary or other.",
            ),
            Column("statutory", "INTEGER", "1 for a statutory safeguarding partner."),
            Column(
                "learning_link_role",
                "TEXT",
                "Its learning and development link: a role, never a person's name.",
            ),
            Column("status", "TEXT", "active, or retired once it left the partnership."),
            Column(
                "actions_total",
                "INTEGER",
                "Actions it owns, under any of its names (a shared action counts for each owner).",
            ),
            Column("actions_open", "INTEGER", "Of those, open or in progress."),
            Column(
                "actions_overdue", "INTEGER", "Of those, open and past due at the reference date."
            ),
            Column(
                "actions_complete",
                "INTEGER",
                "Of those, completed (with or without verified impact).",
            ),
            Column(
                "learning_cascaded",
                "INTEGER",
                "Learning items it confirmed it cascaded inside its organisation.",
            ),
            Column("added_at", "TIMESTAMP", "When it was added to the register (UTC)."),
            Column("last_change", "TIMESTAMP", "When anything about it was last recorded (UTC)."),
        ),
    ),
    Table(
        name="agency_names",
        description="Every name the log gives an agency, the partner it resolves to, or the close matches when it resolves to none.",
        key=("name", "used_as"),
        render=_names,
        columns=(
            Column(
                "name",
                "TEXT",
                "The name as written (in an action, a cascade, a narrative or an ingested record).",
            ),
            Column(
                "used_as",
                "TEXT",
                "action owner, cascade, narrative, or an ingested record's source and field, as 'SOURCE FIELD'.",
            ),
            Column("partner", "TEXT", "The partner's short name it resolves to; empty when none."),
            Column("partner_name", "TEXT", "That partner's full name."),
            Column("resolved", "INTEGER", "1 when it resolves to a partner."),
            Column(
                "close_matches",
                "TEXT",
                "When it does not: the partners' names closest to it, separated by '; '; empty when it resolves.",
            ),
            Column("uses", "INTEGER", "How many items use the name so."),
            Column(
                "items",
                "TEXT",
                "The items (action, learning item, measure, source record key), separated by '; '.",
            ),
        ),
    ),
]
