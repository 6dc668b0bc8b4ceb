"""The review register: every review any plugin declares, its dates, learning and timeliness.

A record kind is a review when its plugin says so (``RecordKind(review=ReviewKind(...))``); the
register names no source. ``review_register`` has one row per review; ``review_timeliness`` one
row per review and timescale that applies to its type, with the working days counted (England
and Wales bank holidays excepted, :mod:`lif_core.domain.working_days`). The timescales are data
(``review_timescales.toml`` beside this module, or the file ``LIF_REVIEW_TIMESCALES`` names).
"""

from __future__ import annotations

import os
import tomllib
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from lif_core.domain.working_days import add_months, add_working_days, working_days_between
from lif_core.errors import ConfigError
from lif_core.plugins import MILESTONES
from projections.engine import Column, Context, EventView, Table, kept_attributes

NAME = "reviews"
TOPICS = {"SourceRecord.Recorded", "SourceRecord.Revised", "SourceRecord.Withdrawn"}
_BUILT_IN = Path(__file__).with_name("review_timescales.toml")
_UNITS = ("working-days", "months")
# Worst first: the register's one-word timeliness is the worst of its timescales.
_ORDER = ("late", "overdue", "pending", "on-time", "no-start-date")


@cache
def _declared() -> tuple[dict[tuple[str, str], dict[str, Any]], dict[tuple[str, str], str]]:
    """(source, kind) -> its review declaration; (source, points kind) -> the points' review field.

    Read from the installed plugins, as the catalogue's cadence is: declarations are code.
    """
    from lif_core.plugins.host import load_plugins

    reviews: dict[tuple[str, str], dict[str, Any]] = {}
    points: dict[tuple[str, str], str] = {}
    for plugin in load_plugins():
        for kind in plugin.source.kinds:
            if kind.review is None:
                continue
            declared = kind.review.as_dict()
            reviews[(plugin.name, kind.name)] = declared
            if declared["points_kind"]:
                points[(plugin.name, declared["points_kind"])] = declared["points_field"]
    return reviews, points


def apply(state: dict[str, Any], event: EventView) -> set[str]:
    d = event.data
    reviews, points = _declared()
    where = (d["source"], d["record_kind"])
    if where not in reviews and where not in points:
        return set()
    key = event.stream_id
    if event.type == "SourceRecord.Withdrawn":
        if key in state:
            state[key]["withdrawn"] = True
            return {key}
        return set()
    state[key] = {
        "source": d["source"],
        "kind": d["record_kind"],
        "record_key": d["record_key"],
        "attributes": kept_attributes(d["attributes"]),
        "withdrawn": False,
        "version": event.version,
    }
    return {key}


@cache
def _load_timescales(path: str) -> tuple[dict[str, Any], ...]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"review timescales {path}: {exc}") from None
    out = []
    for rule in data.get("timescale", []):
        missing = {"name", "from", "to", "limit", "unit", "types"} - set(rule)
        if missing:
            raise ConfigError(
                f"review timescales {path}: {rule.get('name')!r} lacks {sorted(missing)}"
            )
        if rule["from"] not in MILESTONES or rule["to"] not in MILESTONES:
            raise ConfigError(
                f"review timescales {path}: {rule['name']!r}: from/to must be one of {', '.join(MILESTONES)}"
            )
        if rule["unit"] not in _UNITS:
            raise ConfigError(f"review timescales {path}: unit must be one of {', '.join(_UNITS)}")
        out.append(dict(rule))
    return tuple(out)


def timescales() -> tuple[dict[str, Any], ...]:
    """The timescales in force."""
    return _load_timescales(os.environ.get("LIF_REVIEW_TIMESCALES") or str(_BUILT_IN))


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def judge(
    rule: dict[str, Any], start: date | None, end: date | None, today: date
) -> dict[str, Any]:
    """One review against one timescale: due date, time taken, and on-time / late / overdue /
    pending (not yet due) / no-start-date."""
    out: dict[str, Any] = {"due": None, "elapsed": None, "status": "no-start-date"}
    if start is None:
        return out
    working = rule["unit"] == "working-days"
    limit = int(rule["limit"])
    due = add_working_days(start, limit) if working else add_months(start, limit)
    out["due"] = due
    if end is not None:
        out["elapsed"] = working_days_between(start, end) if working else (end - start).days
        out["status"] = "on-time" if end <= due else "late"
    else:
        out["status"] = "overdue" if today > due else "pending"
    return out


def _reviews(states: dict[str, dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    reviews, _ = _declared()
    found = []
    for record in states.get(NAME, {}).values():
        declared = reviews.get((record["source"], record["kind"]))
        if declared is not None and not record["withdrawn"]:
            found.append((record, declared))
    return found


def _type(record: dict[str, Any], declared: dict[str, Any]) -> str:
    if declared["type_field"] is None:
        return str(next(iter(declared["types"])))
    return str(record["attributes"].get(declared["type_field"]))


def _timeliness(states: dict[str, dict[str, Any]], context: Context) -> list[dict[str, Any]]:
    out = []
    for record, declared in _reviews(states):
        kind = _type(record, declared)
        a = record["attributes"]
        dates = {m: _day(a.get(f)) for m, f in declared["dates"].items()}
        for rule in timescales():
            if kind not in rule["types"]:
                continue
            start, end = dates.get(rule["from"]), dates.get(rule["to"])
            judged = judge(rule, start, end, context.reference_date)
            out.append(
                {
                    "reference": str(a.get(declared["reference_field"])),
                    "timescale": rule["name"],
                    "title": rule.get("title") or rule["name"],
                    "review_type": kind,
                    "from_milestone": rule["from"],
                    "to_milestone": rule["to"],
                    "from_date": start,
                    "to_date": end,
                    "time_limit": int(rule["limit"]),
                    "unit": rule["unit"],
                    "due": judged["due"],
                    "elapsed": judged["elapsed"],
                    "status": judged["status"],
                    "reference_date": context.reference_date,
                }
            )
    return out


def _register(states: dict[str, dict[str, Any]], context: Context) -> list[dict[str, Any]]:
    from projections.action_status import action_counts, action_rows, answered

    _, points_of = _declared()
    points: dict[tuple[str, str], int] = {}
    for record in states.get(NAME, {}).values():
        field = points_of.get((record["source"], record["kind"]))
        if field is not None and not record["withdrawn"]:
            where = (record["source"], str(record["attributes"].get(field)))
            points[where] = points.get(where, 0) + 1
    judged: dict[str, list[dict[str, Any]]] = {}
    for row in _timeliness(states, context):
        judged.setdefault(row["reference"], []).append(row)
    actions = action_rows(states, context)
    # Every name of each item: a learning point merged into a learning log item keeps the
    # point's reference among the item's, whichever of the two was recorded first.
    learning = [
        (item["reference"], *(item.get("also_known_as") or []))
        for item in states.get("learning", {}).values()
    ]
    out = []
    for record, declared in _reviews(states):
        a = record["attributes"]
        reference = str(a.get(declared["reference_field"]))
        kind = _type(record, declared)
        dates = {
            m: _day(a.get(declared["dates"][m])) if m in declared["dates"] else None
            for m in MILESTONES
        }
        # A review's learning items and actions: those with a reference that is the review's,
        # then "/" (CSPR-2024-02/LP01), as the learning points' references are.
        own = [names for names in learning if any(n.startswith(reference + "/") for n in names)]
        named = {n for names in own for n in names}
        # An action answering several of the review's items is one of its actions.
        counts = action_counts(x for x in actions if named.intersection(answered(x)))
        rules = judged.get(reference, [])
        statuses = [r["status"] for r in rules]
        worst = next((s for s in _ORDER if s in statuses), None)
        out.append(
            {
                "reference": reference,
                "source": record["source"],
                "record_key": record["record_key"],
                "review_type": kind,
                "review_type_title": declared["types"].get(kind, kind),
                "title": a.get(declared["title_field"]) if declared["title_field"] else None,
                "status": a.get(declared["status_field"]) if declared["status_field"] else None,
                **{f"{m}_date": dates[m] for m in MILESTONES},
                "learning_points": points.get((record["source"], reference), 0),
                "learning_items": len(own),
                "actions_total": counts.total,
                "actions_open": counts.open,
                "actions_overdue": counts.overdue,
                "timeliness": worst,
                "timeliness_detail": "; ".join(_said(r) for r in rules),
                "reference_date": context.reference_date,
            }
        )
    return out


def _said(row: dict[str, Any]) -> str:
    unit = "working days" if row["unit"] == "working-days" else "months"
    status = row["status"].replace("-", " ")
    if row["elapsed"] is not None and row["unit"] == "working-days":
        return f"{row['timescale']}: {status} ({row['elapsed']} of {row['time_limit']} {unit})"
    if row["due"] is not None:
        return f"{row['timescale']}: {status} (due {row['due']}, {row['time_limit']} {unit})"
    return f"{row['timescale']}: {status}"


_MILESTONE_WORDS = {
    "incident": "the day the partnership learnt of the serious incident",
    "notification": "the day it was notified to the national panel",
    "decision": "the day the review was decided on (commissioned)",
    "rapid_review": "the day the rapid review met",
    "report": "the day the report was signed off",
    "publication": "the day the report was published",
}

TABLES = [
    Table(
        name="review_register",
        description="One row per review any plugin declares (rapid review, CSPR, LLR, appreciative inquiry, deep dive, …): its dates, learning, actions and timeliness.",
        key=("source", "reference"),
        render=_register,
        columns=(
            Column("reference", "TEXT", "The review's reference, e.g. CSPR-2024-02."),
            Column("source", "TEXT", "The source (plugin) it came from."),
            Column("record_key", "TEXT", "Its record key in that source."),
            Column(
                "review_type",
                "TEXT",
                "Its type as the plugin declares it, e.g. rapid-review, cspr, llr.",
            ),
            Column("review_type_title", "TEXT", "The type in words."),
            Column("title", "TEXT", "Its title (a pseudonym such as 'Child H', never a name)."),
            Column("status", "TEXT", "Its status as the source states it."),
            *(
                Column(f"{m}_date", "DATE", f"Date: {words} (empty when not known).")
                for m, words in _MILESTONE_WORDS.items()
            ),
            Column("learning_points", "INTEGER", "Learning points its source holds for it."),
            Column(
                "learning_items",
                "INTEGER",
                "Learning items of the register with a reference (its own or another it is also known as) that is the review's followed by '/'.",
            ),
            Column(
                "actions_total",
                "INTEGER",
                "Actions that answer those learning items (one answering several counts once).",
            ),
            Column("actions_open", "INTEGER", "Of those, open or in progress."),
            Column("actions_overdue", "INTEGER", "Of those, overdue at the reference date."),
            Column(
                "timeliness",
                "TEXT",
                "The worst of its timescales: late, overdue, pending (not yet due), on-time, no-start-date; empty when no timescale applies to its type.",
            ),
            Column(
                "timeliness_detail",
                "TEXT",
                "Each timescale in words, separated by '; ', e.g. 'rapid-review: on time (14 of 15 working days)'.",
            ),
            Column("reference_date", "DATE", "The date overdue was judged against."),
        ),
    ),
    Table(
        name="review_timeliness",
        description="One row per review and timescale that applies to its type: the dates, the due date and the time taken in working days (England and Wales bank holidays excepted) or calendar months.",
        key=("reference", "timescale"),
        render=_timeliness,
        columns=(
            Column("reference", "TEXT", "The review's reference."),
            Column(
                "timescale",
                "TEXT",
                "The timescale's name (review_timescales.toml or LIF_REVIEW_TIMESCALES).",
            ),
            Column("title", "TEXT", "The timescale in words."),
            Column("review_type", "TEXT", "The review's type."),
            Column("from_milestone", "TEXT", "The milestone it counts from."),
            Column("to_milestone", "TEXT", "The milestone it counts to."),
            Column("from_date", "DATE", "The date counted from (empty: no-start-date)."),
            Column("to_date", "DATE", "The date counted to (empty: not reached yet)."),
            Column("time_limit", "INTEGER", "The limit, in the unit."),
            Column("unit", "TEXT", "working-days or months."),
            Column(
                "due",
                "DATE",
                "The last day on time: the limit-th working day after the start (the start is day 0), or the same day months later.",
            ),
            Column(
                "elapsed",
                "INTEGER",
                "Working days (working-days unit) or calendar days (months unit) from the start to the end; empty while not reached.",
            ),
            Column(
                "status",
                "TEXT",
                "on-time, late, overdue (not reached, past due at the reference date), pending (not reached, not yet due) or no-start-date.",
            ),
            Column("reference_date", "DATE", "The date overdue was judged against."),
        ),
    ),
]
