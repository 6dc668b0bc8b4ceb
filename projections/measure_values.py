"""The arithmetic of a bound measure: which records match, which are totals, how they combine.

Each function is driven by the plugins' declarations (:class:`~lif_core.plugins.MeasureDeclaration`);
none names a source. Used by the impact monitoring projection and by ``lif measure preview``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from lif_core.plugins.declared import Declared

__all__ = ["aggregate_of", "combine", "fits", "matching", "narrow", "number"]


def number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _same(value: Any, wanted: Any) -> bool:
    return str(value if value is not None else "").casefold() == str(wanted).casefold()


def matching(
    binding: dict[str, Any], state: dict[str, Any], frequency: str | None
) -> dict[tuple[Any, Any], list[dict[str, Any]]]:
    """Period -> the live records of the binding's source and kind that match it."""
    by_period: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    match = binding.get("match") or {}
    for key, rec in state.items():
        if not key.startswith("r:") or rec["withdrawn"] or rec["source"] != binding.get("source"):
            continue
        if binding.get("kind") and rec["kind"] != binding["kind"]:
            continue
        attrs = rec["attributes"]
        if not all(_same(attrs.get(k), v) for k, v in match.items()):
            continue
        if number(attrs.get(binding.get("value") or "value")) is None:
            continue
        if not fits(frequency, rec["valid_from"], rec["valid_to"]):
            continue
        by_period.setdefault((rec["valid_from"], rec["valid_to"]), []).append(rec)
    return by_period


def narrow(
    binding: dict[str, Any], records: list[dict[str, Any]], declared: Declared
) -> tuple[list[dict[str, Any]], list[str]]:
    """The records a period's value is made of, and why the others were left out.

    For each declared dimension the measure does not name: where some of the records are the
    source's total rows for it, only those are kept (the breakdown rows add up to them).
    """
    declaration = declared.measures(binding.get("source", ""), binding.get("kind") or "")
    if declaration is None:
        return records, []
    named = set(binding.get("match") or {})
    why: list[str] = []
    for dimension in declaration.dimensions:
        if dimension.field in named:
            continue
        words = {w.casefold() for w in dimension.totals}
        totals = [
            r
            for r in records
            if str(r["attributes"].get(dimension.field) or "").casefold() in words
        ]
        if totals and len(totals) < len(records):
            why.append(
                f"{len(records) - len(totals)} row(s) broken down by {dimension.field} left out: "
                "the source states their total"
            )
            records = totals
    return records, why


def aggregate_of(binding: dict[str, Any], declared: Declared) -> str:
    """How the measure combines several records of a period (the declared default, else sum)."""
    if binding.get("aggregate"):
        return str(binding["aggregate"])
    declaration = declared.measures(binding.get("source", ""), binding.get("kind") or "")
    value = declaration.value(binding.get("value") or "value") if declaration else None
    return value.aggregate if value is not None else "sum"


def _total(numbers: list[Decimal | None]) -> Decimal | None:
    """The sum, when every record gives a number (else None: a partial sum would mislead)."""
    present = [n for n in numbers if n is not None]
    return sum(present, Decimal(0)) if len(present) == len(numbers) else None


def combine(
    binding: dict[str, Any], records: list[dict[str, Any]], unit: str, declared: Declared
) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """(value, numerator, denominator) of one period's records, combined as the measure says."""
    field = binding.get("value") or "value"
    declaration = declared.measures(binding.get("source", ""), binding.get("kind") or "")
    declared_value = declaration.value(field) if declaration else None
    num_field = (declared_value.numerator if declared_value else None) or "numerator"
    den_field = (declared_value.denominator if declared_value else None) or "denominator"
    values = [number(r["attributes"].get(field)) for r in records]
    nums = [number(r["attributes"].get(num_field)) for r in records]
    dens = [number(r["attributes"].get(den_field)) for r in records]
    numerator = _total(nums)
    denominator = _total(dens)
    how = aggregate_of(binding, declared)
    if how == "latest":
        last = max(range(len(records)), key=lambda i: records[i]["seq"])
        return values[last], nums[last], dens[last]
    if how == "ratio":
        if not numerator or denominator is None or denominator == 0:
            return None, numerator, denominator
        scale = Decimal(100) if unit == "%" else Decimal(1)
        return (numerator * scale / denominator).quantize(Decimal("0.1")), numerator, denominator
    present = [v for v in values if v is not None]
    if how == "mean":
        weight = declared_value.weight if declared_value else None
        if weight is None:
            total, count = sum(present, Decimal(0)), Decimal(len(present))
        else:
            pairs: list[tuple[Decimal, Decimal]] = []
            for v, r in zip(values, records, strict=True):
                w = number(r["attributes"].get(weight))
                if v is not None and w:
                    pairs.append((v, w))
            total = sum((v * w for v, w in pairs), Decimal(0))
            count = sum((w for _, w in pairs), Decimal(0))
        return ((total / count).quantize(Decimal("0.01")) if count else None), None, None
    return sum(present, Decimal(0)), numerator, denominator


_SPANS = {"yearly": (300, 400), "quarterly": (80, 100), "monthly": (27, 32)}


def fits(frequency: str | None, start: date, end: date | None) -> bool:
    """A yearly measure takes yearly periods only (not the quarters of the same indicator), etc."""
    span = _SPANS.get(frequency or "")
    if span is None:
        return True
    days = ((end or start) - start).days + 1
    return span[0] <= days <= span[1]
