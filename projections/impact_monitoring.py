"""Impact monitoring: OBA measures per period, the baseline forecast, and whether the curve turned."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from projections.engine import Column, Context, EventView, Table

NAME = "impact"
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
    "Action.Cancelled",
    "Action.ImpactVerified",
    "Learning.Identified",
    "Learning.Disseminated",
}
# Sources whose records are figures a measure can bind to. Kept whole in the projection's state;
# bulky sources (website statistics) are left out on purpose.
MEASURABLE = {
    "performance",
    "lado",
    "iro",
    "cp-conference",
    "csws",
    "mappa",
    "secure-settings",
    "private-fostering",
    "malap",
    "school-health-survey",
    "cdop",
    "complaints",
    "learning-development",
    "section-11",
    "section-175",
    "multi-agency-audits",
    "single-agency-audits",
    "partner-safeguarding-reports",
}
COMPUTED = {
    "actions-on-time": (
        "%",
        "Actions due in the year that were completed on or before their due date.",
    ),
    "actions-completed": ("count", "Actions completed in the year."),
    "learning-disseminated": ("count", "Times learning was shared in the year (any channel)."),
    "learning-identified": ("count", "Learning items identified in the year."),
}


def apply(state: dict[str, Any], event: EventView) -> set[str]:
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
        if d["source"] not in MEASURABLE:
            return set()
        key = f"r:{event.stream_id}"
        if kind == "SourceRecord.Withdrawn":
            if key in state:
                state[key]["withdrawn"] = True
            return {key}
        state[key] = {
            "source": d["source"],
            "kind": d["record_kind"],
            "valid_from": d["valid_from"],
            "valid_to": d["valid_to"],
            "attributes": d["attributes"],
            "withdrawn": False,
            "stream_id": event.stream_id,
            "version": event.version,
        }
        return {key}
    if kind.startswith("Action."):
        key = f"a:{event.stream_id}"
        if kind == "Action.Raised":
            state[key] = {"due": d["due"], "completed_on": None, "cancelled": False}
        elif key in state:
            if kind == "Action.Rescheduled":
                state[key]["due"] = d["due"]
            elif kind == "Action.Completed":
                state[key]["completed_on"] = d["completed_on"]
            elif kind == "Action.Cancelled":
                state[key]["cancelled"] = True
            elif kind == "Action.Corrected":
                restores = d["restores"]
                if "due" in restores:
                    state[key]["due"] = restores["due"]
                if "completed_on" in restores:
                    state[key]["completed_on"] = restores["completed_on"]
                if "status" in restores:
                    state[key]["cancelled"] = restores["status"] == "cancelled"
        return {key}
    counts = state.setdefault("learning-counts", {"identified": {}, "disseminated": {}})
    year = str((d["identified_on"] if kind == "Learning.Identified" else d["disseminated_on"]).year)
    bucket = counts["identified" if kind == "Learning.Identified" else "disseminated"]
    bucket[year] = bucket.get(year, 0) + 1
    return {"learning-counts"}


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _observations(
    measure: dict[str, Any], state: dict[str, Any], today: date
) -> list[dict[str, Any]]:
    """(period start, end, value, numerator, denominator, source record ids) for one measure."""
    binding = measure["binding"]
    if "computed" in binding:
        return _computed(binding["computed"], state, today)
    by_period: dict[tuple[date, date | None], dict[str, Any]] = {}
    for key, rec in state.items():
        if not key.startswith("r:") or rec["withdrawn"] or rec["source"] != binding.get("source"):
            continue
        if binding.get("kind") and rec["kind"] != binding["kind"]:
            continue
        attrs = rec["attributes"]
        if any(str(attrs.get(k)) != str(v) for k, v in (binding.get("match") or {}).items()):
            continue
        value = _number(attrs.get(binding.get("value") or "value"))
        if value is None:
            continue
        if not _fits(measure.get("frequency"), rec["valid_from"], rec["valid_to"]):
            continue
        period = (rec["valid_from"], rec["valid_to"])
        by_period[period] = {
            "start": rec["valid_from"],
            "end": rec["valid_to"] or rec["valid_from"],
            "value": value,
            "numerator": _number(attrs.get("numerator")),
            "denominator": _number(attrs.get("denominator")),
            "records": sorted({*by_period.get(period, {}).get("records", []), rec["stream_id"]}),
        }
    return sorted(by_period.values(), key=lambda o: o["start"])


_SPANS = {"yearly": (300, 400), "quarterly": (80, 100), "monthly": (27, 32)}


def _fits(frequency: str | None, start: date, end: date | None) -> bool:
    """A yearly measure takes yearly periods only (not the quarters of the same indicator), etc."""
    span = _SPANS.get(frequency or "")
    if span is None:
        return True
    days = ((end or start) - start).days + 1
    return span[0] <= days <= span[1]


def _computed(name: str, state: dict[str, Any], today: date) -> list[dict[str, Any]]:
    years: dict[int, dict[str, Any]] = {}
    if name in ("actions-on-time", "actions-completed"):
        for key, a in state.items():
            if not key.startswith("a:") or a["cancelled"]:
                continue
            if name == "actions-completed":
                if a["completed_on"] is not None:
                    y = years.setdefault(a["completed_on"].year, {"num": 0, "den": 0})
                    y["num"] += 1
                continue
            if a["due"] >= today and a["completed_on"] is None:
                continue  # not yet due: neither on time nor late
            y = years.setdefault(a["due"].year, {"num": 0, "den": 0})
            y["den"] += 1
            if a["completed_on"] is not None and a["completed_on"] <= a["due"]:
                y["num"] += 1
    else:
        bucket = state.get("learning-counts", {}).get(
            "identified" if name == "learning-identified" else "disseminated", {}
        )
        for year, count in bucket.items():
            years[int(year)] = {"num": count, "den": 0}
    out = []
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
                "records": [],
            }
        )
    return out


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
        obs = _observations(m, state, context.reference_date)
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
            Column("result", "TEXT", "The result or programme (report card) it belongs to."),
            Column("category", "TEXT", "OBA category: how-much, how-well or better-off."),
            Column("period_start", "DATE", "First day of the period the value describes."),
            Column("period_end", "DATE", "Last day of the period."),
            Column("period_index", "INTEGER", "0 for the earliest period, then 1, 2, …"),
            Column("value", "REAL", "The value for the period."),
            Column("numerator", "REAL", "Numerator, when the value is a rate."),
            Column("denominator", "REAL", "Denominator, when the value is a rate."),
            Column("unit", "TEXT", "Unit: %, count, days, …"),
            Column("polarity", "TEXT", "higher-is-better or lower-is-better."),
            Column(
                "baseline",
                "INTEGER",
                "1 for the baseline periods (the first N, N set on the measure).",
            ),
            Column(
                "forecast",
                "REAL",
                "The baseline forecast: a least-squares line through the baseline periods, extended.",
            ),
            Column("target", "REAL", "The target, if set."),
            Column(
                "curve_turned",
                "INTEGER",
                "After the baseline: 1 when the value is beyond the forecast in the good direction.",
            ),
            Column(
                "rag",
                "TEXT",
                "Against the target: green met, amber within 10%, red otherwise; empty without a target.",
            ),
            Column("measure_status", "TEXT", "active or retired."),
            Column(
                "source_records",
                "JSON",
                "Ids of the source records the value came from (empty for computed measures).",
            ),
        ),
    )
]
