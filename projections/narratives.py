"""The turn-the-curve narratives: for each measure and period, the story behind the curve.

A narrative is a decision (``lif measure narrate``): who recorded it and why travel with it.
A later narrative of the same measure and period replaces the earlier one here; both stay in
the log (``lif audit trail MEA-…``), and ``versions`` counts them.
"""

from __future__ import annotations

from typing import Any

from projections.engine import Column, Context, EventView, Table
from projections.partners import directory

NAME = "narratives"
TOPICS = {"Measure.Defined", "Measure.Narrated"}


def apply(state: dict[str, Any], event: EventView) -> set[str]:
    d = event.data
    if event.type == "Measure.Defined":
        state[f"m:{event.stream_id}"] = {"reference": d["reference"]}
        return {f"m:{event.stream_id}"}
    measure = state.get(f"m:{event.stream_id}")
    if measure is None:
        return set()
    key = f"{event.stream_id}|{d['period']}"
    versions = state.get(key, {}).get("versions", 0)
    state[key] = {
        "measure": measure["reference"],
        "period": d["period"],
        "story": d["story"],
        "partners": list(d["partners"]),
        "what_works": d["what_works"],
        "actions": list(d["actions"]),
        "rationale": d["rationale"],
        "by": d["actor"],
        "at": d["timestamp"],
        "event_id": str(d["event_id"]),
        "versions": versions + 1,
    }
    return {key}


def narrative_rows(states: dict[str, dict[str, Any]], context: Context) -> list[dict[str, Any]]:
    from projections.action_status import action_counts, action_rows

    found = directory(states)
    actions = {row["reference"]: row for row in action_rows(states, context)}
    out = []
    for key, story in states.get(NAME, {}).items():
        if key.startswith("m:"):
            continue
        plan = action_counts(actions[a] for a in story["actions"] if a in actions)
        out.append(
            {
                "measure": story["measure"],
                "period": story["period"],
                "story": story["story"],
                "partners": "; ".join(found.resolve(p) or p for p in story["partners"]),
                "what_works": story["what_works"],
                "action_plan": "; ".join(story["actions"]),
                "action_plan_open": plan.open,
                "action_plan_overdue": plan.overdue,
                "recorded_by": story["by"],
                "recorded_at": story["at"],
                "rationale": story["rationale"],
                "event_id": story["event_id"],
                "versions": story["versions"],
            }
        )
    return out


TABLES = [
    Table(
        name="measure_narratives",
        description="One row per measure and period with a turn-the-curve narrative: the story behind the curve, partners with a role, what works, the action plan.",
        key=("measure", "period"),
        render=narrative_rows,
        columns=(
            Column("measure", "TEXT", "The measure's reference, e.g. MEA-ICPC-15WD."),
            Column(
                "period", "TEXT", "The period the narrative is about, as recorded (e.g. 2024-25)."
            ),
            Column("story", "TEXT", "The story behind the curve."),
            Column(
                "partners",
                "TEXT",
                "Partners with a role to play, by short name where they resolve, separated by '; '.",
            ),
            Column("what_works", "TEXT", "What works: what would turn the curve."),
            Column("action_plan", "TEXT", "The actions of the plan, separated by '; '."),
            Column(
                "action_plan_open",
                "INTEGER",
                "Of those, open or in progress at the reference date.",
            ),
            Column("action_plan_overdue", "INTEGER", "Of those, overdue at the reference date."),
            Column(
                "recorded_by", "TEXT", "Who recorded the narrative (the latest for the period)."
            ),
            Column("recorded_at", "TIMESTAMP", "When (UTC)."),
            Column("rationale", "TEXT", "Why, as recorded."),
            Column("event_id", "TEXT", "The event that recorded it (for `lif audit prove`)."),
            Column(
                "versions",
                "INTEGER",
                "How many narratives were recorded for the period (the latest is shown).",
            ),
        ),
    )
]
