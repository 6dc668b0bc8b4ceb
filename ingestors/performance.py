"""Source plugin for the performance management framework: a tidy table of indicator values.

One row per indicator, area and period: the value, with its numerator and denominator when the
indicator is a rate or a percentage, its unit and its polarity. Periods are financial years
('2024-25'), quarters ('2024-Q3'), months ('2024-06'), calendar years or days; the valid time is
the period. Layout and rules: docs/sources/performance.md.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingestors._fields import parse_decimal, parse_int, parse_period, text
from lif_core.plugins import (
    Columns,
    Dimension,
    Emit,
    InputOptions,
    Measurable,
    MeasureDeclaration,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
)

__all__ = ["SOURCE", "IndicatorValue", "period", "register_sources"]

Unit = Literal["percent", "rate-per-10000", "count", "days"]
Polarity = Literal["higher-is-better", "lower-is-better"]

_UNITS: dict[str, Unit] = {
    "%": "percent",
    "percent": "percent",
    "percentage": "percent",
    "rate per 10,000": "rate-per-10000",
    "rate per 10000": "rate-per-10000",
    "per 10,000": "rate-per-10000",
    "rate-per-10000": "rate-per-10000",
    "count": "count",
    "number": "count",
    "days": "days",
}
# Multiplier from numerator/denominator to the value, for the units that are a ratio.
_SCALE: dict[Unit, int] = {"percent": 100, "rate-per-10000": 10_000}
_POLARITIES: dict[str, Polarity] = {
    "higher-is-better": "higher-is-better",
    "higher is better": "higher-is-better",
    "higher": "higher-is-better",
    "up": "higher-is-better",
    "lower-is-better": "lower-is-better",
    "lower is better": "lower-is-better",
    "lower": "lower-is-better",
    "down": "lower-is-better",
}
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]*$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


class IndicatorValue(BaseModel):
    """The value of one indicator for one area in one period."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    period: str = Field(
        description="The period as written canonically: '2024-25', '2024-Q3', '2024-06', '2024' or a day."
    )
    area: str = Field(
        description="The area the value is for: 'Leeds', 'England', 'Statistical neighbours', ..."
    )
    indicator_code: str = Field(
        description="The framework's stable code for the indicator, e.g. 'ICPC-15WD'."
    )
    indicator: str = Field(description="The indicator's name.")
    value: float = Field(description="The value, in the indicator's unit.")
    numerator: int | None = Field(
        ge=0, description="The numerator, when the value is a percentage or a rate."
    )
    denominator: int | None = Field(
        gt=0, description="The denominator, when the value is a percentage or a rate."
    )
    unit: Unit = Field(description="percent, rate-per-10000, count or days.")
    polarity: Polarity = Field(description="Whether a higher or a lower value is better.")


COLUMNS = Columns(
    variants={
        "period": ("Period", "Time period", "Reporting period"),
        "area": ("Area", "Geography", "Comparator"),
        "indicator_code": ("Indicator code", "Code", "Measure code"),
        "indicator": ("Indicator", "Indicator name", "Measure"),
        "value": ("Value",),
        "numerator": ("Numerator",),
        "denominator": ("Denominator",),
        "unit": ("Unit", "Units"),
        "polarity": ("Polarity", "Good is"),
    },
    required=("period", "area", "indicator_code", "value", "unit", "polarity"),
)


@lru_cache(maxsize=256)
def period(value: str) -> tuple[str, ValidTime]:
    """A period as written -> its canonical text and its valid time."""
    try:
        valid = parse_period(value, "period")
    except RecordError:
        # parse_period reads '2024-06' as a malformed financial year (its year-pair pattern is
        # tried first), so a month is resolved here from its first day.
        match = _MONTH.match(value.strip())
        if match is None:
            raise
        year, month = int(match.group(1)), int(match.group(2))
        return value.strip(), ValidTime(
            date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        )
    return _label(valid), valid


def _label(valid: ValidTime) -> str:
    start, end = valid.valid_from, valid.valid_to
    if end is None or end == start:
        return start.isoformat()
    if (start.month, start.day, end.month, end.day) == (4, 1, 3, 31):
        return f"{start.year}-{(start.year + 1) % 100:02d}"
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return str(start.year)
    if end.month == start.month + 2:
        return f"{start.year}-Q{(start.month + 2) // 3}"
    return f"{start.year}-{start.month:02d}"


def _lookup(table: dict[str, Any], value: Any, column: str, what: str) -> Any:
    raw = text(value) or ""
    found = table.get(raw.casefold())
    if found is None:
        raise RecordError(f"{raw!r} is not {what}", column=column, value=value)
    return found


def _check_ratio(value: Decimal, numerator: int, denominator: int, unit: Unit) -> None:
    if denominator <= 0:
        raise RecordError("the denominator must be more than 0", column="denominator")
    if unit == "percent" and numerator > denominator:
        raise RecordError(
            f"numerator {numerator} is more than denominator {denominator}", column="numerator"
        )
    if unit not in _SCALE:
        return
    expected = Decimal(numerator) * _SCALE[unit] / Decimal(denominator)
    # Allow for the rounding the value was published with (half its last decimal place).
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # the value is finite
    tolerance = max(Decimal(5).scaleb(exponent - 1), Decimal("0.001"))
    if abs(expected - value) > tolerance:
        raise RecordError(
            f"value {value} does not match numerator/denominator ({numerator}/{denominator} = {expected:.2f})",
            column="value",
        )


def map_row(row: Row) -> list[Emit]:
    """One indicator row -> one ``indicator-value`` record."""
    values = row.values
    label, _ = period(text(values.get("period")) or "")
    code = (text(values.get("indicator_code")) or "").upper()
    if not _CODE.match(code):
        raise RecordError(
            f"{code!r} is not an indicator code like ICPC-15WD", column="indicator_code"
        )
    area = text(values.get("area"))
    if area is None:
        raise RecordError("the area is blank", column="area")
    value = parse_decimal(values.get("value"), "value")
    if value is None:
        raise RecordError("the value is blank", column="value")
    if not value.is_finite():
        raise RecordError(f"{value} is not a number", column="value")
    unit = _lookup(
        _UNITS, values.get("unit"), "unit", "a unit (percent, rate per 10,000, count, days)"
    )
    numerator = parse_int(values.get("numerator"), "numerator")
    denominator = parse_int(values.get("denominator"), "denominator")
    if (numerator is None) != (denominator is None):
        raise RecordError(
            "give both the numerator and the denominator, or neither", column="denominator"
        )
    if numerator is not None and denominator is not None:
        _check_ratio(value, numerator, denominator, unit)
    if unit == "percent" and not 0 <= value <= 100:
        raise RecordError(f"{value} is not a percentage between 0 and 100", column="value")
    fields = {
        "period": label,
        "area": area,
        "indicator_code": code,
        "indicator": text(values.get("indicator")) or code,
        "value": float(value),
        "numerator": numerator,
        "denominator": denominator,
        "unit": unit,
        "polarity": _lookup(
            _POLARITIES,
            values.get("polarity"),
            "polarity",
            "a polarity (higher-is-better, lower-is-better)",
        ),
    }
    return [Emit("indicator-value", fields)]


def record_key(record: IndicatorValue) -> str:
    area = _NOT_SLUG.sub("-", record.area.casefold()).strip("-")
    return f"{record.indicator_code}/{area}/{record.period}"


SOURCE = Source(
    name="performance",
    title="Performance management framework indicators",
    provider="Leeds Safeguarding Children Partnership (all partners)",
    kinds=(
        RecordKind(
            name="indicator-value",
            model=IndicatorValue,
            key=record_key,
            valid_time=lambda r: period(r.period)[1],
            mode="append",
            description="One indicator's value for one area and period, with numerator, denominator, unit and polarity.",
            # An indicator's values for one area never add up across indicators or areas: a
            # measure names both.
            measures=MeasureDeclaration(
                values=(
                    Measurable(
                        "value",
                        unit="the indicator's unit (the unit column)",
                        aggregate="latest",
                        numerator="numerator",
                        denominator="denominator",
                    ),
                ),
                dimensions=(
                    Dimension("indicator_code", choose=True),
                    Dimension("area", choose=True),
                ),
            ),
        ),
    ),
    inputs=InputOptions(formats=("csv", "xlsx"), columns=COLUMNS),
    map_row=map_row,
    samples=Path(__file__).parent / "samples" / "performance",
    cadence="P3M",
    description=(
        "The partnership's performance management framework as a tidy table: for each "
        "indicator, area (Leeds, England, statistical neighbours) and period, the value with its "
        "numerator, denominator, unit and polarity."
    ),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
