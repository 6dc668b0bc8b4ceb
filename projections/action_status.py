"""Action status: one row per action with its RAG against a reference date."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from projections.engine import Column, Context, EventView, Table

NAME = "actions"
TOPICS = {
    "Action.Corrected",
    "Action.Raised",
    "Action.LearningAdded",
    "Action.ProgressReported",
    "Action.Rescheduled",
    "Action.Completed",
    "Action.CompletedBy",
    "Action.Cited",
    "Action.ImpactVerified",
    "Action.Cancelled",
}
DUE_SOON = timedelta(days=14)
OPEN = ("open", "in-progress")
COMPLETE = ("completed", "impact-verified")


def apply(state: dict[str, Any], event: EventView) -> set[str]:
    d = event.data
    kind = event.type.split(".", 1)[1]
    if kind == "Raised":
        state[event.stream_id] = {
            "reference": d["reference"],
            "learning_reference": d["learning_reference"],
            "learning_references": [d["learning_reference"]] if d["learning_reference"] else [],
            "description": d["description"],
            "owner_agency": d["owner_agency"],
            "raised_on": d["raised_on"],
            "due": d["due"],
            "original_due": d["due"],
            "status": "open",
            "times_rescheduled": 0,
            "last_progress": None,
            "last_progress_on": None,
            "reported_rag": None,
            "completed_on": None,
            "completed_by": None,
            "completed_after": None,
            "citations": {},
            "verified_on": None,
            "raised_by": d["actor"],
            "last_change": d["timestamp"],
        }
        return {event.stream_id}
    item = state.get(event.stream_id)
    if item is None:
        return set()
    item["last_change"] = d["timestamp"]
    if kind == "Corrected":
        names = {
            "status": "status",
            "due": "due",
            "times_rescheduled": "times_rescheduled",
            "last_progress": "last_progress",
            "completed_on": "completed_on",
            "completed_by": "completed_by",
            "completed_after": "completed_after",
        }
        for name, value in d["restores"].items():
            if name in names:
                item[names[name]] = value
        if item["status"] not in ("impact-verified",):
            item["verified_on"] = None
        return {event.stream_id}
    if kind == "ProgressReported":
        item["last_progress"] = d["note"]
        item["last_progress_on"] = d["timestamp"].date()
        item["reported_rag"] = d["rag"]
        if item["status"] == "open":
            item["status"] = "in-progress"
    elif kind == "LearningAdded":
        answered = item.setdefault("learning_references", _first(item))
        if d["learning_reference"] not in answered:
            answered.append(d["learning_reference"])
    elif kind == "Rescheduled":
        item["due"] = d["due"]
        item["times_rescheduled"] += 1
    elif kind == "Completed":
        item["status"] = "completed"
        item["completed_on"] = d["completed_on"]
    elif kind == "CompletedBy":
        item["status"] = "completed"
        item["completed_on"] = None
        item["completed_by"], item["completed_after"] = d["by"], d["after"]
    elif kind == "Cited":
        item.setdefault("citations", {})[d["record_id"]] = {
            "record_id": d["record_id"],
            "source": d["source"],
            "kind": d["record_kind"],
            "key": d["record_key"],
            "version": d["record_version"],
        }
    elif kind == "ImpactVerified":
        item["status"] = "impact-verified"
        item["verified_on"] = d["timestamp"].date()
    elif kind == "Cancelled":
        item["status"] = "cancelled"
    return {event.stream_id}


def _first(item: dict[str, Any]) -> list[str]:
    """The items of a state stored before actions could answer several: the one it was raised
    against (such a state is kept as it is until the projection next rebuilds)."""
    return [item["learning_reference"]] if item["learning_reference"] else []


def rag(item: dict[str, Any], today: date) -> str | None:
    """Red overdue, Amber in progress or due within 14 days, Green complete, Blue impact verified."""
    status = item["status"]
    if status == "cancelled":
        return None
    if status == "impact-verified":
        return "blue"
    if status == "completed":
        return "green"
    if item["due"] is not None and item["due"] < today:
        return "red"
    return "amber"


def _on_time(item: dict[str, Any]) -> bool | None:
    """1 on time, 0 late, None unknown or not completed (see impact_monitoring.on_time)."""
    due, done = item["due"], item["completed_on"]
    if due is None:
        return None
    if done is not None:
        return bool(done <= due)
    by, after = item.get("completed_by"), item.get("completed_after")
    if by is None:
        return None
    if by <= due:
        return True
    return False if after is not None and after > due else None


def answered(row: dict[str, Any]) -> list[str]:
    """Every learning item an action_status row answers (its ``learning_references`` split):
    counts by learning item count a shared action once under each (learning_register,
    review_register)."""
    names = row.get("learning_references")
    return names.split("; ") if names else []


def owner_names(row: dict[str, Any]) -> list[str]:
    """The partners an action_status row is owned by, each once (its ``owner_partner_name`` split
    where a shared action names several), or its agency as written when none resolves.

    Totals by agency count a shared action once for each of them (the demo, the web view, the
    report and ``partner_register`` alike)."""
    names = row.get("owner_partner_name")
    return names.split("; ") if names else [row["owner_agency"]]


def counts_by_owner(rows: Iterable[dict[str, Any]]) -> dict[str, Counter[str]]:
    """action_status rows counted by owner (:func:`owner_names`: a shared action once for each
    partner): ``total``, one count for each RAG (``cancelled`` for an action without one) and
    ``overdue``. What the web view and the published report show by agency."""
    by_owner: dict[str, Counter[str]] = {}
    for row in rows:
        for owner in owner_names(row):
            counts = by_owner.setdefault(owner, Counter())
            counts["total"] += 1
            counts[row["rag"] or "cancelled"] += 1
            counts["overdue"] += int(bool(row["overdue"]))
    return by_owner


def action_rows(states: dict[str, dict[str, Any]], context: Context) -> list[dict[str, Any]]:
    from projections.partners import directory, resolved

    today = context.reference_date
    partners = directory(states)
    out = []
    for stream_id, item in states.get(NAME, {}).items():
        open_ = item["status"] in OPEN
        due = item["due"]
        overdue = open_ and due is not None and due < today
        citations = sorted(
            (item.get("citations") or {}).values(), key=lambda c: (c["source"], c["key"])
        )
        owner_partner, owner_partner_name = resolved(partners, item["owner_agency"])
        out.append(
            {
                "reference": item["reference"],
                "stream_id": stream_id,
                "learning_reference": item["learning_reference"],
                "learning_references": "; ".join(item.get("learning_references", _first(item))),
                "description": item["description"],
                "owner_agency": item["owner_agency"],
                "owner_partner": owner_partner,
                "owner_partner_name": owner_partner_name,
                "raised": item["raised_on"],
                "due": due,
                "original_due": item["original_due"],
                "status": item["status"],
                "rag": rag(item, today),
                "overdue": overdue,
                "due_soon": open_ and due is not None and not overdue and due - today <= DUE_SOON,
                "days_overdue": (today - due).days if overdue and due is not None else 0,
                "times_rescheduled": item["times_rescheduled"],
                "last_progress_note": item["last_progress"],
                "last_progress_on": item["last_progress_on"],
                "reported_rag": item["reported_rag"],
                "completed": item["completed_on"],
                "completed_by": item.get("completed_by"),
                "completed_on_time": _on_time(item),
                "verified": item["verified_on"],
                "reference_date": today,
                "last_change": item["last_change"],
                "sources": "; ".join(sorted({c["source"] for c in citations})),
                "citations": citations,
            }
        )
    return out


@dataclass(frozen=True)
class ActionCounts:
    """How a set of :func:`action_rows` adds up, for every read model that counts actions (the
    learning register, partners, reviews, narratives' plans): ``open`` is open or in progress,
    ``overdue`` open and past due at the reference date, ``complete`` completed with or without
    verified impact; a cancelled action counts in ``total`` only."""

    total: int
    open: int
    overdue: int
    complete: int
    impact_verified: int


def action_counts(rows: Iterable[dict[str, Any]]) -> ActionCounts:
    """Count ``rows`` (action_status rows: a learning item's, a partner's, a plan's actions)."""
    statuses = [(row["status"], bool(row["overdue"])) for row in rows]
    return ActionCounts(
        total=len(statuses),
        open=sum(status in OPEN for status, _ in statuses),
        overdue=sum(overdue for _, overdue in statuses),
        complete=sum(status in COMPLETE for status, _ in statuses),
        impact_verified=sum(status == "impact-verified" for status, _ in statuses),
    )


TABLES = [
    Table(
        name="action_status",
        description="One row per action: owner, due date, status and RAG judged against the reference date.",
        key=("reference",),
        render=action_rows,
        columns=(
            Column("reference", "TEXT", "The action's reference, e.g. ACT-2025-031."),
            Column("stream_id", "TEXT", "The id of the action's event stream."),
            Column(
                "learning_reference",
                "TEXT",
                "The learning item it was raised against; empty when it answers none (the first of learning_references).",
            ),
            Column("description", "TEXT", "What is to be done."),
            Column("owner_agency", "TEXT", "The agency that owns it."),
            Column("raised", "DATE", "The date it was raised."),
            Column("due", "DATE", "The current due date; empty when the source states none."),
            Column(
                "original_due",
                "DATE",
                "The due date when it was raised; empty when the source stated none.",
            ),
            Column("status", "TEXT", "open, in-progress, completed, impact-verified or cancelled."),
            Column(
                "rag",
                "TEXT",
                "red (overdue), amber (open or in progress, or due within 14 days: an open action counts as in progress), green (complete), blue (impact verified); empty when cancelled.",
            ),
            Column(
                "overdue", "BOOLEAN", "True when open and past its due date at the reference date."
            ),
            Column(
                "due_soon",
                "BOOLEAN",
                "True when open and due within 14 days of the reference date.",
            ),
            Column(
                "days_overdue",
                "INTEGER",
                "Days past due at the reference date (0 when not overdue).",
            ),
            Column("times_rescheduled", "INTEGER", "How many times the due date was moved."),
            Column(
                "last_progress_note", "TEXT", "The latest progress update; empty until the first."
            ),
            Column(
                "last_progress_on",
                "DATE",
                "When the latest progress update was recorded; empty until the first.",
            ),
            Column(
                "reported_rag",
                "TEXT",
                "The RAG the owner reported with the latest progress update; empty when none was reported.",
            ),
            Column(
                "completed",
                "DATE",
                "The completion date, when someone (or the source) stated it; else empty.",
            ),
            Column(
                "completed_on_time",
                "BOOLEAN",
                "True when completed on or before the due date, false when late; empty when not completed, when it has no due date, or when the source gave no completion day and the window it gives straddles the due date.",
            ),
            Column("verified", "DATE", "When its impact was verified; empty until then."),
            Column("reference_date", "DATE", "The date overdue and RAG were judged against."),
            Column(
                "last_change",
                "TIMESTAMP",
                "When anything about the action was last recorded (UTC).",
            ),
            Column(
                "completed_by",
                "DATE",
                "When the source gives no completion day: the day of the statement that first said it was complete (it was done by then at the latest); else empty.",
                since=2,
            ),
            Column(
                "sources",
                "TEXT",
                "The sources that state the action, separated by '; ' (empty for an action a person raised).",
                since=2,
            ),
            Column(
                "citations",
                "JSON",
                "The source records the action rests on: [{record_id, source, kind, key, version}], at the latest version applied.",
                since=2,
            ),
            Column(
                "owner_partner",
                "TEXT",
                "The partner the owner agency resolves to (its short name, whatever spelling the "
                "action used; several separated by '; ' for a shared owner); empty when the name is not in the partner register (agency_names "
                "lists close matches).",
                since=3,
            ),
            Column(
                "owner_partner_name",
                "TEXT",
                "That partner's full name: what totals by agency group on (empty when unresolved).",
                since=3,
            ),
            Column(
                "learning_references",
                "TEXT",
                "Every learning item it answers, separated by '; ': the one it was raised against "
                "first, then each one a source's later statement or a person (lif action answer) added (empty when none). "
                "Counts by learning item count the action under each.",
                since=4,
            ),
        ),
    )
]
