"""Impact monitoring: OBA measures per period, the baseline forecast, and whether the curve turned.

A measure bound to source records takes its values from records of a kind whose plugin declares
measures (:class:`~lif_core.plugins.MeasureDeclaration`): this module names no source. Per
period, the records that match the measure are narrowed, for each declared dimension the
measure does not name, to the source's total rows where it states them (never the total and its
breakdown together), then combined as the measure says: sum, mean (weighted by the declared
field), latest, or ratio (sum of numerators over sum of denominators). :func:`observations`
says which records each value came from (``lif measure preview``).

The on-time measure (``actions-on-time``) judges each action due in the year by the day it was
completed as its source states it (the plugin's ``completed_on``): on time on or before its due
date (as last rescheduled), late after it. Where the source gives no day, all that is known is
that the action was done by the statement that first said so, and after the last one that said
it was open: on time when that statement is on or before the due date, late when the action
was stated open after its due date, otherwise unknown (counted in ``unknown``, left out of the
value, never counted late). An action still open past its due date at the reference date is
late; one not yet due, cancelled, or with no due date is left out. An as-of build
(``lif project --as-of T --reference-date D``) shows what was known at T, judged on D: an action
its source showed overdue then is overdue in ``action_status`` and late in the measure.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from lif_core.eventlog.store import Store
from lif_core.plugins.declared import Declared
from projections.engine import Column, Context, EventView, Table, events_of, kept_attributes
from projections.measure_values import aggregate_of, combine, matching, narrow

NAME = "impact"
USES_CONTEXT = True
TOPICS = {
    "Measure.Defined",
    "Measure.TargetSet",
    "Measure.Retired",
    "Measure.Corrected",
    "Action.Corrected",
    "SourceRecord.Recorded",
    "SourceRecord.Revised",
    "SourceRecord.Withdrawn",
    "Action.Raised",
    "Action.Rescheduled",
    "Action.Completed",
    "Action.CompletedBy",
    "Action.Cancelled",
    "Action.ImpactVerified",
    "Learning.Identified",
    "Learning.Disseminated",
}
COMPUTED = {
    "actions-on-time": (
        "%",
        "Actions due in the year that were completed on or before their due date (the day the "
        "source states), of those whose timeliness is known (an action whose source gives no "
        "completion day is unknown unless it was done by its due date, or still open after it).",
    ),
    "actions-completed": ("count", "Actions completed in the year."),
    "learning-disseminated": ("count", "Times learning was shared in the year (any channel)."),
    "learning-identified": ("count", "Learning items identified in the year."),
}


def apply(state: dict[str, Any], event: EventView, *, context: Context) -> set[str]:
    d = event.data
    kind = event.type
    if kind == "Measure.Defined":
        state[f"m:{event.stream_id}"] = {
            "reference": d["reference"],
            "name": d["name"],
            "category": d["category"],
            "unit": d["unit"],
            "polarity": d["polarity"],
            "frequency": d["frequency"],
            "binding": d["binding"],
            "baseline_periods": d["baseline_periods"],
            "target": d["target"],
            "result": d["result"],
            "status": "active",
        }
        return {f"m:{event.stream_id}"}
    if kind.startswith("Measure."):
        m = state.get(f"m:{event.stream_id}")
        if m is None:
            return set()
        if kind == "Measure.TargetSet":
            m["target"] = d["target"]
        elif kind == "Measure.Corrected":
            for name in ("target", "status"):
                if name in d["restores"]:
                    m[name] = d["restores"][name]
        else:
            m["status"] = "retired"
        return {f"m:{event.stream_id}"}
    if kind.startswith("SourceRecord."):
        if not context.declared.measurable(d["source"]):
            return set()
        key = f"r:{event.stream_id}"
        if kind == "SourceRecord.Withdrawn":
            if key in state:
                state[key]["withdrawn"] = True
            return {key}
        state[key] = {
            "source": d["source"],
            "kind": d["record_kind"],
            "key": d["record_key"],
            "valid_from": d["valid_from"],
            "valid_to": d["valid_to"],
            "attributes": kept_attributes(d["attributes"]),
            "withdrawn": False,
            "stream_id": event.stream_id,
            "version": event.version,
            "seq": event.notification_id,
        }
        return {key}
    if kind.startswith("Action."):
        return _action(state, kind, event.stream_id, d)
    counts = state.setdefault("learning-counts", {"identified": {}, "disseminated": {}})
    year = str((d["identified_on"] if kind == "Learning.Identified" else d["disseminated_on"]).year)
    bucket = counts["identified" if kind == "Learning.Identified" else "disseminated"]
    bucket[year] = bucket.get(year, 0) + 1
    return {"learning-counts"}


def _action(state: dict[str, Any], kind: str, stream_id: str, d: dict[str, Any]) -> set[str]:
    key = f"a:{stream_id}"
    if kind == "Action.Raised":
        state[key] = {
            "due": d["due"],
            "completed_on": None,
            "completed_by": None,
            "completed_after": None,
            "cancelled": False,
        }
        return {key}
    a = state.get(key)
    if a is None:
        return set()
    if kind == "Action.Rescheduled":
        a["due"] = d["due"]
    elif kind == "Action.Completed":
        a["completed_on"] = d["completed_on"]
    elif kind == "Action.CompletedBy":
        a["completed_on"] = None
        a["completed_by"], a["completed_after"] = d["by"], d["after"]
    elif kind == "Action.Cancelled":
        a["cancelled"] = True
    elif kind == "Action.Corrected":
        restores = d["restores"]
        for name in ("due", "completed_on", "completed_by", "completed_after"):
            if name in restores:
                a[name] = restores[name]
        if "status" in restores:
            a["cancelled"] = restores["status"] == "cancelled"
            if restores["status"] in ("open", "in-progress"):
                a["completed_on"] = a["completed_by"] = a["completed_after"] = None
    return {key}


def observations(
    measure: dict[str, Any], state: dict[str, Any], today: date, declared: Declared
) -> list[dict[str, Any]]:
    """Per period: start, end, value, numerator, denominator, unknown, the source records."""
    binding = measure["binding"]
    if "computed" in binding:
        return _computed(binding["computed"], state, today)
    out: list[dict[str, Any]] = []
    for (start, end), found in matching(binding, state, measure.get("frequency")).items():
        used, why = narrow(binding, found, declared)
        value, numerator, denominator = combine(binding, used, measure["unit"], declared)
        if value is None:
            continue
        out.append(
            {
                "start": start,
                "end": end or start,
                "value": value,
                "numerator": numerator,
                "denominator": denominator,
                "unknown": None,
                "records": sorted(r["stream_id"] for r in used),
                "used": used,
                "left_out": [r for r in found if r not in used],
                "why": why,
            }
        )
    return sorted(out, key=lambda o: o["start"])


def on_time(a: dict[str, Any], today: date) -> bool | str | None:
    """True on time, False late, None unknown, "not-due" not yet due (cancelled: "cancelled")."""
    if a["cancelled"]:
        return "cancelled"
    due = a["due"]
    done, by, after = a["completed_on"], a.get("completed_by"), a.get("completed_after")
    if due is None:
        return None if (done or by) else "not-due"
    if done is not None:
        return bool(done <= due)
    if by is not None:
        if by <= due:
            return True
        if after is not None and after > due:
            return False  # still open, as the source stated, after its due date
        return None
    return False if due < today else "not-due"


def _computed(name: str, state: dict[str, Any], today: date) -> list[dict[str, Any]]:
    years: dict[int, dict[str, Any]] = {}
    if name in ("actions-on-time", "actions-completed"):
        for key, a in state.items():
            if not key.startswith("a:") or a["cancelled"]:
                continue
            if name == "actions-completed":
                done = a["completed_on"] or a.get("completed_by")
                if done is not None:
                    y = years.setdefault(done.year, {"num": 0, "den": 0, "unknown": 0})
                    y["num"] += 1
                continue
            judged = on_time(a, today)
            if judged == "not-due" or a["due"] is None:
                continue
            y = years.setdefault(a["due"].year, {"num": 0, "den": 0, "unknown": 0})
            if judged is None:
                y["unknown"] += 1
                continue
            y["den"] += 1
            y["num"] += judged is True
    else:
        bucket = state.get("learning-counts", {}).get(
            "identified" if name == "learning-identified" else "disseminated", {}
        )
        for year, count in bucket.items():
            years[int(year)] = {"num": count, "den": 0, "unknown": 0}
    out: list[dict[str, Any]] = []
    for year in sorted(years):
        num, den = years[year]["num"], years[year]["den"]
        if name == "actions-on-time":
            value = (Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.1")) if den else None
        else:
            value = Decimal(num)
        if value is None:
            continue
        out.append(
            {
                "start": date(year, 1, 1),
                "end": date(year, 12, 31),
                "value": value,
                "numerator": Decimal(num),
                "denominator": Decimal(den) if name == "actions-on-time" else None,
                "unknown": years[year]["unknown"] if name == "actions-on-time" else None,
                "records": [],
            }
        )
    return out


def preview(
    store: Store, reference: str, reference_date: date | None = None
) -> list[dict[str, Any]]:
    """Per period of one measure: its value, how it was combined, the records used and left out.

    Folds the whole log afresh (the stored state is not needed), so it is right even before
    ``lif project`` has run.
    """
    from projections.api import context_for  # the API imports this module

    context = context_for(reference_date)
    state: dict[str, Any] = {}
    for event in events_of(store, 1, topics=TOPICS):
        apply(state, event, context=context)
    measure = next(
        (m for k, m in state.items() if k.startswith("m:") and m["reference"] == reference), None
    )
    if measure is None:
        return []
    how = (
        None
        if "computed" in measure["binding"]
        else aggregate_of(measure["binding"], context.declared)
    )
    value_field = measure["binding"].get("value") or "value"

    def shown(record: dict[str, Any]) -> dict[str, Any]:
        return {
            "record_id": record["stream_id"],
            "source": record["source"],
            "kind": record["kind"],
            "key": record["key"],
            "version": record["version"],
            "value": record["attributes"].get(value_field),
        }

    return [
        {
            "start": o["start"],
            "end": o["end"],
            "value": o["value"],
            "numerator": o["numerator"],
            "denominator": o["denominator"],
            "unknown": o["unknown"],
            "aggregate": how,
            "used": [shown(r) for r in o.get("used", [])],
            "left_out": [shown(r) for r in o.get("left_out", [])],
            "why": o.get("why", []),
        }
        for o in observations(measure, state, context.reference_date, context.declared)
    ]


def fit_line(values: list[Decimal]) -> tuple[float, float]:
    """Least-squares intercept and slope over positions 0..n-1 (slope 0 for one point)."""
    n = len(values)
    ys = [float(v) for v in values]
    if n == 1:
        return ys[0], 0.0
    mean_x = (n - 1) / 2
    mean_y = sum(ys) / n
    sxx = sum((i - mean_x) ** 2 for i in range(n))
    slope = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(ys)) / sxx
    return mean_y - slope * mean_x, slope


def _rag(value: Decimal, target: Decimal | None, polarity: str) -> str | None:
    if target is None:
        return None
    v, t = float(value), float(target)
    if polarity == "higher-is-better":
        return "green" if v >= t else "amber" if v >= t * 0.9 else "red"
    return "green" if v <= t else "amber" if v <= t * 1.1 else "red"


def _render(states: dict[str, dict[str, Any]], context: Context) -> list[dict[str, Any]]:
    state = states.get(NAME, {})
    out = []
    for key, m in state.items():
        if not key.startswith("m:"):
            continue
        obs = observations(m, state, context.reference_date, context.declared)
        base_n = min(m["baseline_periods"], len(obs))
        intercept, slope = fit_line([o["value"] for o in obs[:base_n]]) if base_n else (0.0, 0.0)
        good_up = m["polarity"] == "higher-is-better"
        for i, o in enumerate(obs):
            forecast = round(intercept + slope * i, 4) if base_n else None
            baseline = i < base_n
            turned = None
            if not baseline and forecast is not None:
                turned = float(o["value"]) > forecast if good_up else float(o["value"]) < forecast
            out.append(
                {
                    "measure": m["reference"],
                    "measure_stream_id": key[2:],
                    "name": m["name"],
                    "result": m["result"],
                    "category": m["category"],
                    "period_start": o["start"],
                    "period_end": o["end"],
                    "period_index": i,
                    "value": o["value"],
                    "numerator": o["numerator"],
                    "denominator": o["denominator"],
                    "unit": m["unit"],
                    "polarity": m["polarity"],
                    "baseline": baseline,
                    "forecast": forecast,
                    "target": m["target"],
                    "curve_turned": turned,
                    "rag": _rag(o["value"], m["target"], m["polarity"]),
                    "measure_status": m["status"],
                    "source_records": o["records"],
                    "unknown": o["unknown"],
                    "aggregate": None
                    if "computed" in m["binding"]
                    else aggregate_of(m["binding"], context.declared),
                }
            )
    return out


TABLES = [
    Table(
        name="impact_monitoring",
        description="Per measure and period: the OBA category, the value, the baseline forecast, the target, and whether the curve turned.",
        key=("measure", "period_start"),
        render=_render,
        columns=(
            Column("measure", "TEXT", "The measure's reference, e.g. MEA-ICPC-15WD."),
            Column("measure_stream_id", "TEXT", "The id of the measure's event stream."),
            Column("name", "TEXT", "The measure's name."),
            Column(
                "result",
                "TEXT",
                "The result or programme (report card) it belongs to; empty when none was named.",
            ),
            Column("category", "TEXT", "OBA category: how-much, how-well or better-off."),
            Column("period_start", "DATE", "First day of the period the value describes."),
            Column("period_end", "DATE", "Last day of the period."),
            Column("period_index", "INTEGER", "0 for the earliest period, then 1, 2, …"),
            Column("value", "REAL", "The value for the period."),
            Column("numerator", "REAL", "Numerator, when the value is a rate; else empty."),
            Column("denominator", "REAL", "Denominator, when the value is a rate; else empty."),
            Column("unit", "TEXT", "Unit: %, count, days, …"),
            Column("polarity", "TEXT", "higher-is-better or lower-is-better."),
            Column(
                "baseline",
                "BOOLEAN",
                "True for the baseline periods (the first N, N set on the measure).",
            ),
            Column(
                "forecast",
                "REAL",
                "The baseline forecast: a least-squares line through the baseline periods, extended.",
            ),
            Column("target", "REAL", "The target; empty until one is set."),
            Column(
                "curve_turned",
                "BOOLEAN",
                "After the baseline: true when the value is beyond the forecast in the good direction; empty within the baseline or without a value.",
            ),
            Column(
                "rag",
                "TEXT",
                "Against the target: green met, amber within 10% of it (exactly 10% off is still amber: 72 against a target of 80), red otherwise; empty without a target.",
            ),
            Column("measure_status", "TEXT", "active or retired."),
            Column(
                "source_records",
                "JSON",
                "Ids of the source records the value came from (empty for computed measures).",
            ),
            Column(
                "unknown",
                "INTEGER",
                "actions-on-time: actions due in the period whose timeliness cannot be told (the source gave no completion day); left out of the value. Empty otherwise.",
                since=2,
            ),
            Column(
                "aggregate",
                "TEXT",
                "How several records of a period were combined: sum, mean, latest or ratio (empty for computed measures).",
                since=2,
            ),
        ),
    )
]
