"""What a page is about, put together from the read tables: an item, an action, a measure's story.

The story behind a measure's curve is the learning and the actions linked to it:

- learning that cites, as evidence, a source record behind the measure's values;
- learning whose learning-log row names the measure's indicator as its source reference
  (the log's ``source_reference`` equals a value the measure's binding matches on);
- for a measure computed from the log itself, the items and actions it counts in its periods;
- and the actions raised against that learning.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from lif_app.web.tables import all_rows
from lif_core.audit import build_trail
from lif_core.domain import Learning, Measure
from lif_core.errors import NotFoundError, RefusedError
from lif_core.eventlog.store import Store

__all__ = [
    "CATEGORIES",
    "MeasureStory",
    "action_item",
    "audit_trail",
    "evidence_records",
    "learning_item",
    "measure_story",
    "report_cards",
    "strengths",
]

log = logging.getLogger(__name__)

CATEGORIES = {
    "how-much": "How much did we do?",
    "how-well": "How well did we do it?",
    "better-off": "Is anyone better off?",
}


def audit_trail(
    store: Store, reference: str, *, catch_up: Callable[[], Any] | None = None
) -> dict[str, Any] | None:
    """The audit trail of a learning item, action or measure (``lif_core.audit``).

    ``{"unavailable": why}`` where building it would write (the audit keeps an index of event
    ids in the store) and the store is open read-only. ``catch_up``: brings that index up to
    date through a writable store (the signed-in view has one), after which it is tried again.
    """
    try:
        try:
            trail: dict[str, Any] = build_trail(store, reference).to_dict()
        except RefusedError:
            if catch_up is None:
                raise
            catch_up()
            trail = build_trail(store, reference).to_dict()
    except RefusedError as exc:
        log.warning("no audit trail for %s in a read-only store: %s", reference, exc)
        return {
            "unavailable": "The audit trail could not be built here: building it updates an index "
            "of events in the store, and this view opens the store read-only. "
            f"`lif audit trail {reference}` shows it (and brings the index up to date)."
        }
    return trail


def evidence_records(store: Store, ids: Iterable[str]) -> list[dict[str, Any]]:
    """Source records by id, each with where it came from (file, run, plugin) and when."""
    wanted = list(dict.fromkeys(str(i) for i in ids))
    if not wanted:
        return []
    marks = ", ".join("?" for _ in wanted)
    with store.read() as tx:
        rows = tx.execute(
            "SELECT i.stream_id, i.source, i.record_kind, i.record_key, i.version, i.valid_from, "
            "i.as_of, i.withdrawn, i.last_run, r.origin, r.origin_sha256, r.plugin_version, "
            "r.finished_at FROM lif_source_index i LEFT JOIN ingestion_runs r ON r.run_id = i.last_run "
            f"WHERE i.stream_id IN ({marks})",
            wanted,
        ).fetchall()
    found = {
        str(r[0]): {
            "id": str(r[0]),
            "source": r[1],
            "record_kind": r[2],
            "record_key": r[3],
            "version": r[4],
            "valid_from": str(r[5]) if r[5] is not None else None,
            "as_of": str(r[6]) if r[6] is not None else None,
            "withdrawn": bool(r[7]),
            "run_id": r[8],
            "origin": r[9],
            "origin_sha256": r[10],
            "plugin_version": r[11],
            "ingested_at": r[12],
        }
        for r in rows
    }
    return [
        found.get(i) or {"id": i, "source": None, "note": "not a source record held in this store"}
        for i in wanted
    ]


def _one(rows: list[dict[str, Any]], what: str, reference: str) -> dict[str, Any]:
    if not rows:
        raise NotFoundError(f"no {what} {reference!r} in the read tables")
    return rows[0]


def learning_item(store: Store, reference: str) -> dict[str, Any]:
    """A learning item: its register row, its actions, its evidence (the trail: :func:`audit_trail`)."""
    row = _one(
        all_rows(store, "learning_register", " WHERE reference = ?", [reference]),
        "learning item",
        reference,
    )
    actions = answering(store, reference)
    learning = store.get(Learning, UUID(row["stream_id"]), label=reference)
    return {
        "item": row,
        "actions": actions,
        "evidence": evidence_records(store, learning.evidence),
        "disseminations": [
            {"channel": str(d["channel"]), "on": str(d["on"])} for d in learning.disseminations
        ],
    }


def action_item(store: Store, reference: str) -> dict[str, Any]:
    """An action: its status row and the learning it answers (the trail: :func:`audit_trail`)."""
    row = _one(
        all_rows(store, "action_status", " WHERE reference = ?", [reference]), "action", reference
    )
    answers = [
        found[0]
        for name in _items(row)
        if (found := all_rows(store, "learning_register", " WHERE reference = ?", [name]))
    ]
    first = next((r for r in answers if r["reference"] == row["learning_reference"]), None)
    # "learning": the item it was raised against (as before); "answers": every item it answers.
    return {"action": row, "learning": first, "answers": answers}


def _items(action: dict[str, Any]) -> list[str]:
    """The learning items an action_status row answers (its "; "-separated list column)."""
    return [n for n in (action.get("learning_references") or "").split("; ") if n]


def answering(store: Store, reference: str) -> list[dict[str, Any]]:
    """The action_status rows of the actions that answer a learning item: every action whose
    ``learning_references`` names it, not only those raised against it."""
    return [
        row
        for row in all_rows(
            store,
            "action_status",
            " WHERE '; ' || COALESCE(learning_references, '') || '; ' LIKE ?",
            [f"%; {reference}; %"],
        )
        if reference in _items(row)  # LIKE's '_' matches any character: checked exactly here
    ]


@dataclass(frozen=True, slots=True)
class MeasureStory:
    """A measure's periods and the story behind its curve."""

    measure: dict[str, Any]  # name, result, category, unit, polarity, binding
    rows: list[dict[str, Any]]  # impact_monitoring rows, earliest period first
    learning: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    evidence_ids: list[str]
    narratives: list[dict[str, Any]] = field(default_factory=list)  # measure_narratives rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "periods": self.rows,
            "story": {
                "learning": [r["reference"] for r in self.learning],
                "actions": [r["reference"] for r in self.actions],
                "narratives": self.narratives,
            },
            "evidence": self.evidence_ids,
        }


def _learning_log_references(store: Store) -> dict[str, set[str]]:
    """Learning reference -> the source references its learning-log row names."""
    with store.read() as tx:
        rows = tx.execute(
            "SELECT record_key, attributes FROM lif_source_index "
            "WHERE source = 'learning-log' AND withdrawn = 0"
        ).fetchall()
    out: dict[str, set[str]] = {}
    for key, attributes in rows:
        data = json.loads(attributes) if isinstance(attributes, str) else (attributes or {})
        ref = data.get("source_reference")
        if ref:
            out.setdefault(str(key), set()).add(str(ref))
    return out


def _in_periods(day: Any, rows: list[dict[str, Any]]) -> bool:
    if not day:
        return False
    text = str(day)[:10]
    return any(r["period_start"] <= text <= r["period_end"] for r in rows)


def _stories(store: Store, measures: dict[str, list[dict[str, Any]]]) -> dict[str, MeasureStory]:
    register = all_rows(store, "learning_register")
    actions = all_rows(store, "action_status")
    evidence_of = {
        r["reference"]: set(
            store.get(Learning, UUID(r["stream_id"]), label=r["reference"]).evidence
        )
        for r in register
        if r["evidence_count"]
    }
    named = _learning_log_references(store)
    narratives: dict[str, list[dict[str, Any]]] = {}
    for row in all_rows(store, "measure_narratives"):
        narratives.setdefault(row["measure"], []).append(row)
    out = {}
    for reference, rows in measures.items():
        first = rows[0]
        measure = store.get(Measure, UUID(first["measure_stream_id"]), label=reference)
        binding = dict(measure.binding)
        records = {str(i) for r in rows for i in (r["source_records"] or [])}
        matches = {str(v) for v in (binding.get("match") or {}).values()}
        computed = binding.get("computed")
        linked = {
            r["reference"]
            for r in register
            if evidence_of.get(r["reference"], set()) & records
            or named.get(r["reference"], set()) & matches
            or (computed == "learning-disseminated" and _in_periods(r["last_disseminated"], rows))
            or (computed == "learning-identified" and _in_periods(r["date_identified"], rows))
        }
        counted = {
            a["reference"]
            for a in actions
            if (computed == "actions-on-time" and _in_periods(a["due"], rows))
            or (computed == "actions-completed" and _in_periods(a["completed"], rows))
        }
        out[reference] = MeasureStory(
            measure={
                "reference": reference,
                "name": first["name"],
                "result": first["result"],
                "category": first["category"],
                "unit": first["unit"],
                "polarity": first["polarity"],
                "frequency": measure.frequency,
                "status": first["measure_status"],
                "target": first["target"],
                "binding": binding,
            },
            rows=rows,
            learning=[r for r in register if r["reference"] in linked],
            actions=[
                a for a in actions if a["reference"] in counted or linked.intersection(_items(a))
            ],
            evidence_ids=sorted(records),
            narratives=narratives.get(reference, []),
        )
    return out


def _by_measure(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r["measure"], r["period_start"])):
        out.setdefault(row["measure"], []).append(row)
    return out


def measure_story(store: Store, reference: str) -> MeasureStory:
    """One measure's periods and story."""
    rows = all_rows(store, "impact_monitoring", " WHERE measure = ?", [reference])
    if not rows:
        raise NotFoundError(f"no measure {reference!r} in impact monitoring")
    return _stories(store, _by_measure(rows))[reference]


def report_cards(store: Store) -> list[dict[str, Any]]:
    """OBA report cards: per result, its measures in the three categories, each with its story."""
    stories = _stories(store, _by_measure(all_rows(store, "impact_monitoring")))
    results: dict[str, dict[str, list[MeasureStory]]] = {}
    for story in stories.values():
        result = story.measure["result"] or "Measures not tied to a result"
        results.setdefault(result, {c: [] for c in CATEGORIES})
        results[result].setdefault(story.measure["category"], []).append(story)
    return [
        {
            "result": result,
            "categories": [
                {
                    "category": category,
                    "question": CATEGORIES.get(category, category),
                    "measures": sorted(found, key=lambda s: s.measure["name"]),
                }
                for category, found in categories.items()
            ],
        }
        for result, categories in sorted(results.items())
    ]


def strengths(register: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Good practice to spread beside the areas for improvement (declined items are neither)."""
    out: dict[str, list[dict[str, Any]]] = {"strengths": [], "areas_for_improvement": []}
    for row in sorted(register, key=lambda r: r["reference"]):
        if row["status"] == "declined":
            continue
        kind = "strengths" if row.get("good_practice") else "areas_for_improvement"
        out[kind].append(
            {
                "reference": row["reference"],
                "title": row["title"],
                "themes": row["themes"],
                "priorities": row.get("priorities") or "",
            }
        )
    return out
