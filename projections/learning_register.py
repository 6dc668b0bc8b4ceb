"""The learning register: one row per learning item, its decisions, dissemination and actions."""

from __future__ import annotations

from typing import Any

from projections.engine import Column, Context, EventView, Table

NAME = "learning"
TOPICS = {
    "Learning.Corrected",
    "Learning.Identified",
    "Learning.Prioritised",
    "Learning.Accepted",
    "Learning.Declined",
    "Learning.Disseminated",
    "Learning.EvidenceLinked",
    "Learning.EmbeddingAssessed",
    "Learning.Closed",
    "Learning.ClosedOverride",
    "Learning.Reopened",
    "Learning.Cited",
    # Counted in ``events`` and ``last_change``; their columns come from learning_reach.
    "Learning.Cascaded",
    "Learning.GoodPracticeIdentified",
}
_DECISIONS = {"Prioritised", "Accepted", "Declined", "Closed", "Reopened", "EmbeddingAssessed"}


def apply(state: dict[str, Any], event: EventView) -> set[str]:
    d = event.data
    kind = event.type.split(".", 1)[1]
    if kind == "Identified":
        state[event.stream_id] = {
            "reference": d["reference"],
            "title": d["title"],
            "statement": d["statement"],
            "themes": list(d["themes"]),
            "source_kind": d["source_kind"],
            "identified_on": d["identified_on"],
            "status": "identified",
            "priority": None,
            "last_decision": None,
            "channels": [],
            "disseminations": 0,
            "last_disseminated": None,
            "evidence": [],
            "embedding": None,
            "source_reference": None,
            "agencies": [],
            "audience": None,
            "also_known_as": [],
            "citations": {},
            "identified_by": d["actor"],
            "last_change": d["timestamp"],
            "events": 1,
        }
        return {event.stream_id}
    item = state.get(event.stream_id)
    if item is None:
        return set()
    item["events"] += 1
    item["last_change"] = d["timestamp"]
    if kind == "Corrected":
        _restore(item, d["restores"])
        item["last_decision"] = {
            "decision": "corrected",
            "actor": d["actor"],
            "at": d["timestamp"],
            "rationale": d["reason"],
        }
        return {event.stream_id}
    if kind == "Cited":
        _cite(item, d)
        return {event.stream_id}
    if kind == "ClosedOverride":
        item["last_decision"] = {
            "decision": "closed",
            "actor": d["actor"],
            "at": d["timestamp"],
            "rationale": f"{d['rationale']} (closed without an embedding assessment: {d['override']})",
        }
        item["before_close"] = item["status"]
        item["status"] = "closed"
        return {event.stream_id}
    if kind in _DECISIONS:
        item["last_decision"] = {
            "decision": kind.lower(),
            "actor": d["actor"],
            "at": d["timestamp"],
            "rationale": d.get("rationale"),
        }
    if kind == "Prioritised":
        item["priority"] = d["priority"]
        if item["status"] == "identified":
            item["status"] = "prioritised"
    elif kind == "Closed":
        item["before_close"] = item["status"]
        item["status"] = "closed"
    elif kind == "Reopened":
        item["status"] = item.get("before_close") or "identified"  # as the domain does
    elif kind in ("Accepted", "Declined"):
        item["status"] = kind.lower()
    elif kind == "Disseminated":
        item["disseminations"] += 1
        if d["channel"] not in item["channels"]:
            item["channels"].append(d["channel"])
        if item["last_disseminated"] is None or d["disseminated_on"] > item["last_disseminated"]:
            item["last_disseminated"] = d["disseminated_on"]
        if item["status"] in ("identified", "prioritised", "accepted"):
            item["status"] = "disseminated"
    elif kind == "EvidenceLinked":
        item["evidence"].append(d["evidence_id"])
    elif kind == "EmbeddingAssessed":
        item["embedding"] = d["assessment"]
    return {event.stream_id}


def _cite(item: dict[str, Any], d: dict[str, Any]) -> None:
    """A source record the item rests on: its origin and reach join the item's."""
    item.setdefault("citations", {})[d["record_id"]] = {
        "record_id": d["record_id"],
        "source": d["source"],
        "kind": d["record_kind"],
        "key": d["record_key"],
        "version": d["record_version"],
    }
    aliases = item.setdefault("also_known_as", [])
    if d["reference_there"] != item["reference"] and d["reference_there"] not in aliases:
        aliases.append(d["reference_there"])
    if d["source_reference"] and not item.get("source_reference"):
        item["source_reference"] = d["source_reference"]
    agencies = item.setdefault("agencies", [])
    agencies.extend(a for a in d["agencies"] if a not in agencies)
    if d["audience"]:
        item["audience"] = d["audience"]


def _restore(item: dict[str, Any], restores: dict[str, Any]) -> None:
    """A correction puts back the domain's state; mirror it in the register's own names."""
    for name, value in restores.items():
        if name in ("status", "priority"):
            item[name] = value
        elif name == "embedding":
            item["embedding"] = value
        elif name == "evidence":
            item["evidence"] = list(value)
        elif name == "status_before_close":
            item["before_close"] = value
        elif name == "disseminations":
            item["disseminations"] = len(value)
            item["channels"] = list(dict.fromkeys(d["channel"] for d in value))
            item["last_disseminated"] = max((d["on"] for d in value), default=None)


def _render(states: dict[str, dict[str, Any]], context: Context) -> list[dict[str, Any]]:
    from projections.action_status import action_counts, action_rows, answered
    from projections.learning_reach import channel_names, reach_columns

    reach = reach_columns(states)

    by_learning: dict[str, list[dict[str, Any]]] = {}
    for row in action_rows(states, context):
        for learning_reference in answered(row):
            by_learning.setdefault(learning_reference, []).append(row)
    out = []
    for stream_id, item in states.get(NAME, {}).items():
        # An action naming the item by two of its names is still one action.
        actions = list(
            {
                a["reference"]: a
                for name in (item["reference"], *(item.get("also_known_as") or []))
                for a in by_learning.get(name, [])
            }.values()
        )
        counts = action_counts(actions)
        decision = item["last_decision"] or {}
        out.append(
            {
                "reference": item["reference"],
                "stream_id": stream_id,
                "title": item["title"],
                "statement": item["statement"],
                "themes": "; ".join(item["themes"]),
                "source_kind": item["source_kind"],
                "date_identified": item["identified_on"],
                "status": item["status"],
                "priority": item["priority"],
                "last_decision": decision.get("decision"),
                "last_decision_by": decision.get("actor"),
                "last_decision_at": decision.get("at"),
                "last_decision_rationale": decision.get("rationale"),
                "dissemination_channels": channel_names(item["channels"]),
                "dissemination_count": item["disseminations"],
                "last_disseminated": item["last_disseminated"],
                "actions_total": counts.total,
                "actions_open": counts.open,
                "actions_overdue": counts.overdue,
                "actions_complete": counts.complete,
                "actions_impact_verified": counts.impact_verified,
                "evidence_count": len(item["evidence"]),
                "embedding_assessment": item["embedding"],
                "last_change": item["last_change"],
                "events": item["events"],
                "source_reference": item.get("source_reference"),
                "agencies": "; ".join(item.get("agencies") or []),
                "audience": item.get("audience"),
                "also_known_as": "; ".join(item.get("also_known_as") or []),
                "cited_records": sorted(
                    (item.get("citations") or {}).values(), key=lambda c: (c["source"], c["key"])
                ),
                **reach.get(item["reference"], {}),
            }
        )
    return out


TABLES = [
    Table(
        name="learning_register",
        description="One row per learning item: what was learned, the decisions on it, how it was shared, and its actions.",
        key=("reference",),
        render=_render,
        columns=(
            Column("reference", "TEXT", "The learning item's reference, e.g. LRN-2025-014."),
            Column(
                "stream_id", "TEXT", "The id of the item's event stream (for `lif audit trail`)."
            ),
            Column("title", "TEXT", "Short title."),
            Column("statement", "TEXT", "The learning statement."),
            Column("themes", "TEXT", "Themes, separated by '; '."),
            Column(
                "source_kind",
                "TEXT",
                "Where the learning came from: review, audit, inspection, child-death-review, survey, …",
            ),
            Column("date_identified", "DATE", "The date the learning was identified (valid time)."),
            Column(
                "status",
                "TEXT",
                "identified, prioritised, accepted, declined, disseminated or closed; a reopened item returns to the status it had when closed.",
            ),
            Column("priority", "TEXT", "high, medium or low; empty until prioritised."),
            Column(
                "last_decision",
                "TEXT",
                "The latest decision: prioritised, accepted, declined, embeddingassessed, closed, reopened; empty until the first.",
            ),
            Column(
                "last_decision_by",
                "TEXT",
                "Who made the latest decision (a person or policy:NAME); empty until the first.",
            ),
            Column(
                "last_decision_at",
                "TIMESTAMP",
                "When the latest decision was recorded (UTC); empty until the first.",
            ),
            Column(
                "last_decision_rationale",
                "TEXT",
                "The rationale recorded with the latest decision; empty until the first.",
            ),
            Column(
                "dissemination_channels",
                "TEXT",
                "Channels used to share it, by their names in the channel vocabulary, separated by '; '.",
            ),
            Column("dissemination_count", "INTEGER", "How many times it was shared."),
            Column(
                "last_disseminated",
                "DATE",
                "The latest date it was shared; empty until it is shared.",
            ),
            Column(
                "actions_total",
                "INTEGER",
                "Actions that answer it, cancelled ones included (an action answering several items counts under each).",
            ),
            Column("actions_open", "INTEGER", "Actions open or in progress."),
            Column(
                "actions_overdue",
                "INTEGER",
                "Open actions past their due date at the reference date.",
            ),
            Column(
                "actions_complete",
                "INTEGER",
                "Actions completed (with or without verified impact).",
            ),
            Column(
                "actions_impact_verified",
                "INTEGER",
                "Completed actions whose impact was evidenced.",
            ),
            Column("evidence_count", "INTEGER", "Source records linked as evidence."),
            Column(
                "embedding_assessment",
                "TEXT",
                "embedded, partly-embedded or not-embedded; empty until assessed.",
            ),
            Column(
                "last_change", "TIMESTAMP", "When anything about the item was last recorded (UTC)."
            ),
            Column("events", "INTEGER", "Events in the item's stream."),
            Column(
                "source_reference",
                "TEXT",
                "The review, audit or inspection the learning came from, e.g. CSPR-2024-02.",
                since=2,
            ),
            Column(
                "agencies", "TEXT", "Agencies the learning involves, separated by '; '.", since=2
            ),
            Column(
                "audience",
                "TEXT",
                "Who it was shared with, as the source says; empty when the source does not say.",
                since=2,
            ),
            Column(
                "also_known_as",
                "TEXT",
                "Other references of the same learning (a review's learning point and the log's item are one item), separated by '; '.",
                since=2,
            ),
            Column(
                "cited_records",
                "JSON",
                "The source records the item rests on: [{record_id, source, kind, key, version}].",
                since=2,
            ),
            Column("audiences", "TEXT", "Who it was shared with, separated by '; '.", since=3),
            Column(
                "cascade_confirmed",
                "TEXT",
                "Partners (short names) that confirmed they cascaded it inside their own organisation, separated by '; '.",
                since=3,
            ),
            Column(
                "cascade_awaited",
                "TEXT",
                "Active partners that have not confirmed yet (none for a declined item), separated by '; '.",
                since=3,
            ),
            Column(
                "good_practice",
                "INTEGER",
                "1 when marked good practice to spread (a strength); 0 for an area for improvement.",
                since=3,
            ),
            Column(
                "priorities", "TEXT", "The priorities it is linked to, separated by '; '.", since=3
            ),
        ),
    )
]
