"""How far each learning item reached: audiences, cascade inside each partner, good practice, priorities.

``learning_cascade``: one row per learning item and active partner — whether the partner has
confirmed it cascaded the item inside its own organisation (``lif learning cascade``). Every
active partner is asked to cascade every item the partnership shares (docs/projections.md says
so); an item declined is asked of no one. :func:`reach_columns` gives the learning register its
columns from the same state, so the two never disagree.
"""

from __future__ import annotations

from typing import Any

from lif_core.domain.channels import channels
from projections.engine import Column, Context, EventView, Table
from projections.partners import directory

NAME = "reach"
TOPICS = {
    "Learning.Identified",
    "Learning.Declined",
    "Learning.Disseminated",
    "Learning.Cascaded",
    "Learning.GoodPracticeIdentified",
}


def apply(state: dict[str, Any], event: EventView) -> set[str]:
    d = event.data
    if event.type == "Learning.Identified":
        state[event.stream_id] = {
            "reference": d["reference"],
            "audiences": [],
            "cascades": [],
            "cascade_detail": [],
            "good_practice": None,
            "declined": False,
        }
        return {event.stream_id}
    item = state.get(event.stream_id)
    if item is None:
        return set()
    if event.type == "Learning.Declined":
        item["declined"] = True
    elif event.type == "Learning.Disseminated":
        if d["audience"] and d["audience"] not in item["audiences"]:
            item["audiences"].append(d["audience"])
    elif event.type == "Learning.Cascaded":
        item["cascades"].append(d["partner"])
        item["cascade_detail"].append(
            {
                "partner": d["partner"],
                "channel": d["channel"],
                "on": d["cascaded_on"],
                "note": d["note"],
                "by": d["actor"],
                "at": d["timestamp"],
            }
        )
    else:
        item["good_practice"] = {"by": d["actor"], "at": d["timestamp"], "why": d["rationale"]}
    return {event.stream_id}


def channel_names(written: list[str]) -> str:
    """Channels as the vocabulary names them, each once, in the order first used."""
    vocabulary = channels()
    return "; ".join(dict.fromkeys(vocabulary.resolve(c) or c for c in written))


def _cascade_status(states: dict[str, dict[str, Any]]) -> dict[str, tuple[list[str], list[str]]]:
    """Per learning reference: (partners confirmed, active partners not yet confirmed)."""
    found = directory(states)
    active = [p for p in found.names if p not in found.retired]
    out: dict[str, tuple[list[str], list[str]]] = {}
    for item in states.get(NAME, {}).values():
        confirmed = list(dict.fromkeys(found.resolve(p) or p for p in item["cascades"]))
        awaited = [] if item["declined"] else [p for p in active if p not in confirmed]
        out[item["reference"]] = (confirmed, awaited)
    return out


def reach_columns(states: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The learning register's reach columns, by learning reference."""
    from projections.priorities import priorities_of

    cascade = _cascade_status(states)
    linked = priorities_of(states, "learning")
    out = {}
    for item in states.get(NAME, {}).values():
        confirmed, awaited = cascade[item["reference"]]
        out[item["reference"]] = {
            "audiences": "; ".join(item["audiences"]),
            "cascade_confirmed": "; ".join(confirmed),
            "cascade_awaited": "; ".join(awaited),
            "good_practice": item["good_practice"] is not None,
            "priorities": "; ".join(linked.get(item["reference"], [])),
        }
    return out


def _cascade_rows(states: dict[str, dict[str, Any]], context: Context) -> list[dict[str, Any]]:
    found = directory(states)
    out = []
    for item in states.get(NAME, {}).values():
        if item["declined"]:
            continue
        detail = {found.resolve(c["partner"]) or c["partner"]: c for c in item["cascade_detail"]}
        for partner in found.names:
            done = detail.get(partner)
            if done is None and partner in found.retired:
                continue
            out.append(
                {
                    "learning_reference": item["reference"],
                    "partner": partner,
                    "partner_name": found.names[partner],
                    "confirmed": done is not None,
                    "channel": None if done is None else channel_names([done["channel"]]),
                    "cascaded_on": None if done is None else done["on"],
                    "note": None if done is None else done["note"],
                    "recorded_by": None if done is None else done["by"],
                    "recorded_at": None if done is None else done["at"],
                }
            )
    return out


TABLES = [
    Table(
        name="learning_cascade",
        description="One row per learning item and partner: whether the partner confirmed it cascaded the item inside its own organisation.",
        key=("learning_reference", "partner"),
        render=_cascade_rows,
        columns=(
            Column(
                "learning_reference",
                "TEXT",
                "The learning item (declined items are left out: they are not cascaded).",
            ),
            Column(
                "partner",
                "TEXT",
                "The partner's short name (every active partner; a retired one only where it had confirmed).",
            ),
            Column("partner_name", "TEXT", "The partner's full name."),
            Column(
                "confirmed",
                "INTEGER",
                "1 when the partner confirmed it cascaded the item; 0 while that is awaited.",
            ),
            Column(
                "channel",
                "TEXT",
                "How it was cascaded, by its name in the channel vocabulary; empty until confirmed.",
            ),
            Column("cascaded_on", "DATE", "The date the partner gave; empty until confirmed."),
            Column("note", "TEXT", "What the partner said it did; empty until confirmed."),
            Column("recorded_by", "TEXT", "Who recorded the confirmation; empty until confirmed."),
            Column(
                "recorded_at", "TIMESTAMP", "When it was recorded (UTC); empty until confirmed."
            ),
        ),
    )
]
