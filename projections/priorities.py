"""The partnership's priorities and what is linked to them: learning items (strengths and areas
for improvement) and measures."""

from __future__ import annotations

from typing import Any

from projections.engine import Column, Context, EventView, Table

NAME = "priorities"
TOPICS = {"Priority.Set", "Priority.Linked", "Priority.Unlinked", "Priority.Retired"}


def apply(state: dict[str, Any], event: EventView) -> set[str]:
    d = event.data
    if event.type == "Priority.Set":
        state[event.stream_id] = {
            "reference": d["reference"],
            "title": d["title"],
            "description": d["description"],
            "set_in": d["set_in"],
            "links": [],
            "status": "active",
            "set_by": d["actor"],
            "set_at": d["timestamp"],
        }
        return {event.stream_id}
    item = state.get(event.stream_id)
    if item is None:
        return set()
    if event.type == "Priority.Linked":
        item["links"].append([d["item_kind"], d["item_reference"]])
    elif event.type == "Priority.Unlinked":
        item["links"].remove([d["item_kind"], d["item_reference"]])
    else:
        item["status"] = "retired"
    return {event.stream_id}


def priorities_of(states: dict[str, dict[str, Any]], kind: str) -> dict[str, list[str]]:
    """Item reference -> the priorities it is linked to (``kind``: learning or measure)."""
    out: dict[str, list[str]] = {}
    for item in sorted(states.get(NAME, {}).values(), key=lambda p: p["reference"]):
        for linked_kind, reference in item["links"]:
            if linked_kind == kind:
                out.setdefault(reference, []).append(item["reference"])
    return out


def _rows(states: dict[str, dict[str, Any]], context: Context) -> list[dict[str, Any]]:
    good = {item["reference"] for item in states.get("reach", {}).values() if item["good_practice"]}
    out = []
    for stream_id, item in states.get(NAME, {}).items():
        learning = [r for k, r in item["links"] if k == "learning"]
        measures = [r for k, r in item["links"] if k == "measure"]
        out.append(
            {
                "reference": item["reference"],
                "stream_id": stream_id,
                "title": item["title"],
                "description": item["description"],
                "set_in": item["set_in"],
                "status": item["status"],
                "learning_items": "; ".join(learning),
                "strengths": "; ".join(r for r in learning if r in good),
                "areas_for_improvement": "; ".join(r for r in learning if r not in good),
                "measures": "; ".join(measures),
                "set_by": item["set_by"],
                "set_at": item["set_at"],
            }
        )
    return out


TABLES = [
    Table(
        name="priorities",
        description="One row per priority the partnership set: the learning linked to it, strengths beside areas for improvement, and its measures.",
        key=("reference",),
        render=_rows,
        columns=(
            Column("reference", "TEXT", "The priority's reference, e.g. PRI-2025-01."),
            Column("stream_id", "TEXT", "The id of its event stream."),
            Column("title", "TEXT", "The priority in a few words."),
            Column("description", "TEXT", "What it means."),
            Column("set_in", "TEXT", "Where it was set, e.g. 'Annual report 2024-25'."),
            Column("status", "TEXT", "active or retired."),
            Column("learning_items", "TEXT", "Learning items linked to it, separated by '; '."),
            Column(
                "strengths",
                "TEXT",
                "Of those, the ones marked good practice (what we do well), separated by '; '.",
            ),
            Column("areas_for_improvement", "TEXT", "Of those, the others, separated by '; '."),
            Column("measures", "TEXT", "Measures linked to it, separated by '; '."),
            Column("set_by", "TEXT", "Who recorded it."),
            Column("set_at", "TIMESTAMP", "When it was recorded (UTC)."),
        ),
    )
]
