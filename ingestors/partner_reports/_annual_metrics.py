"""The annual-metric layout the partner reports share, and the factory that builds each one's Source.

A partner annual report (LADO, IRO, conferences, MAPPA...) becomes one tidy table: a row per
figure, named by a reporting year, a metric code from the report's own catalogue, and the
report's own dimensions (blank = all). Each report module declares an :class:`AnnualReport`
(its metrics and dimensions) and registers ``REPORT.source()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from ingestors._fields import Number, parse_period, read_period, text
from ingestors._suppression import Published, published_number
from ingestors._vocabulary import Vocabulary
from lif_core.plugins import (
    Columns,
    Emit,
    Finding,
    InputOptions,
    Measurable,
    MeasureDeclaration,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
)
from lif_core.plugins import Dimension as LoopDimension

__all__ = [
    "AVERAGE",
    "COUNT",
    "DAYS",
    "KIND",
    "PERCENT",
    "RATE_PER_10K",
    "RATE_PER_100K",
    "AnnualMetric",
    "AnnualReport",
    "Dimension",
    "Metric",
    "Unit",
]

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
KIND = "metric"

# Ratios are published rounded (usually to one decimal place): allow half a unit either way.
_ROUNDING = Decimal("0.5")
# A dimension cell that says "all of them" is the total row, the same as a blank cell.
_TOTAL_WORDS = frozenset(
    {"all", "total", "all sectors", "all sources", "all categories", "all levels"}
)


@dataclass(frozen=True, slots=True)
class Unit:
    """What a metric's value measures. A ratio unit (``scale`` set) may carry a numerator and
    denominator, and then ``value`` must equal numerator / denominator x scale."""

    name: str
    scale: int | None = None
    whole: bool = False
    maximum: Decimal | None = None


COUNT = Unit("count", whole=True)
PERCENT = Unit("percent", scale=100, maximum=Decimal(100))
RATE_PER_10K = Unit("rate per 10,000 children", scale=10_000)
RATE_PER_100K = Unit("rate per 100,000 population", scale=100_000)
DAYS = Unit("days")
AVERAGE = Unit("average")


@dataclass(frozen=True, slots=True)
class Dimension:
    """A breakdown column of a report: its model field, documented header and allowed values.

    ``values`` maps each canonical value to the other spellings accepted for it.
    """

    field: str
    header: str
    values: dict[str, tuple[str, ...]]
    description: str
    header_variants: tuple[str, ...] = ()

    @property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self.header.lower(), self.values)


@dataclass(frozen=True, slots=True)
class Metric:
    """One figure a report publishes: its code, title, unit and the dimensions it is broken down by."""

    code: str
    title: str
    unit: Unit
    dimensions: tuple[str, ...] = ()


class AnnualMetric(BaseModel):
    """One published figure of a partner annual report (dimension fields are added per report)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reporting_year: str = Field(
        description="Financial year the figure is about, April to March, e.g. '2024-25'."
    )
    metric_code: str = Field(
        description="The metric's code in the report's catalogue, e.g. 'ICPC-15WD'."
    )
    metric: str = Field(description="The metric's title from the report's catalogue.")
    unit: str = Field(
        description="What the value measures: count, percent, a rate, days or average."
    )
    value: Number | None = Field(
        default=None, ge=0, description="The figure as published; None when blank or suppressed."
    )
    value_suppressed: bool = Field(
        default=False,
        description="True when the report withheld the value as a small number ('*').",
    )
    numerator: int | None = Field(
        default=None,
        ge=0,
        description="For a percentage or rate: the count it is of; None when blank or suppressed.",
    )
    numerator_suppressed: bool = Field(
        default=False, description="True when the numerator was withheld ('*')."
    )
    denominator: int | None = Field(
        default=None,
        ge=0,
        description="For a percentage or rate: the count it is out of; None when blank or suppressed.",
    )
    denominator_suppressed: bool = Field(
        default=False, description="True when the denominator was withheld ('*')."
    )
    notes: str | None = Field(default=None, description="The report's note on the figure, if any.")


# The columns every report has, canonical name -> (documented header, other spellings).
HEADERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "reporting_year": ("Reporting year", ("Year", "Financial year")),
    "metric_code": ("Metric code", ("Code", "Measure code", "Indicator code")),
    "value": ("Value", ("Figure",)),
    "numerator": ("Numerator", ()),
    "denominator": ("Denominator", ()),
    "notes": ("Notes", ("Note", "Comment", "Comments")),
}
_REQUIRED = ("reporting_year", "metric_code", "value")


@dataclass(frozen=True, slots=True)
class AnnualReport:
    """A partner annual report: who publishes it, the metrics it holds and how they are broken down."""

    name: str
    title: str
    provider: str
    description: str
    metrics: tuple[Metric, ...]
    dimensions: tuple[Dimension, ...] = ()
    cadence: str = "P1Y"
    findings: tuple[Finding, ...] = ()
    _model: type[AnnualMetric] = field(init=False, repr=False, compare=False)
    _codes: Vocabulary = field(init=False, repr=False, compare=False)
    _vocabularies: dict[str, Vocabulary] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        known = {d.field for d in self.dimensions}
        for metric in self.metrics:
            unknown = set(metric.dimensions) - known
            if unknown:
                raise ValueError(
                    f"{self.name}: metric {metric.code} names undeclared dimensions {sorted(unknown)}"
                )
        codes = [m.code for m in self.metrics]
        if len(set(codes)) != len(codes):
            raise ValueError(f"{self.name}: a metric code is declared twice")
        fields: dict[str, Any] = {
            d.field: (str | None, Field(default=None, description=d.description))
            for d in self.dimensions
        }
        model = create_model(
            _class_name(self.name) + "Metric",
            __base__=AnnualMetric,
            __module__=__name__,
            __doc__=f"One published figure of the {self.title}.",
            **fields,
        )
        object.__setattr__(self, "_model", model)
        object.__setattr__(
            self, "_codes", Vocabulary(f"{self.name} metric code", {c: () for c in codes})
        )
        object.__setattr__(self, "_vocabularies", {d.field: d.vocabulary for d in self.dimensions})

    @property
    def model(self) -> type[AnnualMetric]:
        return self._model

    @property
    def samples(self) -> Path:
        return SAMPLES / self.name

    def metric(self, code: str) -> Metric:
        return next(m for m in self.metrics if m.code == code)

    def columns(self) -> Columns:
        variants: dict[str, tuple[str, ...]] = {
            name: (header, *others) for name, (header, others) in HEADERS.items()
        }
        for dim in self.dimensions:
            variants[dim.field] = (dim.header, *dim.header_variants)
        return Columns(variants=variants, required=_REQUIRED)

    def record_key(self, record: AnnualMetric) -> str:
        parts = [record.reporting_year, record.metric_code]
        for dim in self.dimensions:
            value = getattr(record, dim.field)
            if value is not None:
                parts.append(f"{dim.field}={value}")
        return "|".join(parts)

    def source(self) -> Source:
        """The Source the host ingests this report with."""
        kind = RecordKind(
            name=KIND,
            model=self.model,
            key=self.record_key,
            valid_time=_valid_time,
            # A file holds the whole report for each year in it: a figure missing from a
            # re-issued report for that year is withdrawn.
            mode="snapshot",
            snapshot_scope=lambda record: record.reporting_year,
            description=f"One figure of the {self.title}: a metric for a year, for one combination of its dimensions.",
            findings=self.findings,
            # A measure names its metric; a dimension it leaves out takes the report's total
            # row (a blank or "All" cell, read as None), never the total and its breakdown.
            measures=MeasureDeclaration(
                values=(
                    Measurable(
                        "value",
                        unit="the metric's unit (the unit column)",
                        aggregate="sum",
                        numerator="numerator",
                        denominator="denominator",
                        description="The published figure.",
                    ),
                ),
                dimensions=(
                    LoopDimension("metric_code", choose=True, description="The metric."),
                    *(LoopDimension(d.field, description=d.description) for d in self.dimensions),
                ),
            ),
        )
        return Source(
            name=self.name,
            title=self.title,
            provider=self.provider,
            kinds=(kind,),
            inputs=InputOptions(formats=("csv", "xlsx"), columns=self.columns()),
            map_row=self.map_row,
            samples=self.samples,
            cadence=self.cadence,
            description=self.description,
        )

    def map_row(self, row: Row) -> Iterator[Emit]:
        """One row -> one metric record, after checking the code, dimensions and figures agree."""
        cells = row.values
        year, _ = read_period(cells.get("reporting_year"), "Reporting year", ("financial year",))
        metric = self.metric(self._codes.require(cells.get("metric_code"), "Metric code"))
        dimensions = {
            dim.field: self._dimension(dim, metric, cells.get(dim.field)) for dim in self.dimensions
        }
        value, numerator, denominator = _figures(metric, cells)
        yield Emit(
            KIND,
            {
                "reporting_year": year,
                "metric_code": metric.code,
                "metric": metric.title,
                "unit": metric.unit.name,
                **dimensions,
                "value": value.number,
                "value_suppressed": value.suppressed,
                "numerator": numerator.number,
                "numerator_suppressed": numerator.suppressed,
                "denominator": denominator.number,
                "denominator_suppressed": denominator.suppressed,
                "notes": text(cells.get("notes")),
            },
        )

    def _dimension(self, dim: Dimension, metric: Metric, cell: Any) -> str | None:
        if cell is None or (isinstance(cell, str) and cell.strip().casefold() in _TOTAL_WORDS):
            return None
        value = self._vocabularies[dim.field].read(cell, dim.header)
        if value is not None and dim.field not in metric.dimensions:
            used = ", ".join(self._header(f) for f in metric.dimensions)
            by = f"it is broken down by: {used}" if used else "it has no breakdown"
            raise RecordError(
                f"metric {metric.code} is not broken down by {dim.header.lower()} (leave the column "
                f"blank for it); {by}",
                column=dim.header,
                value=value,
            )
        return value

    def _header(self, field_name: str) -> str:
        return next(d.header for d in self.dimensions if d.field == field_name)


def _valid_time(record: AnnualMetric) -> ValidTime:
    return parse_period(record.reporting_year, "Reporting year")


def _figures(metric: Metric, cells: Any) -> tuple[Published, Published, Published]:
    unit = metric.unit
    value = published_number(cells.get("value"), "Value", whole=unit.whole)
    numerator = published_number(cells.get("numerator"), "Numerator", whole=True)
    denominator = published_number(cells.get("denominator"), "Denominator", whole=True)
    if unit.scale is None:
        for figure, column in ((numerator, "Numerator"), (denominator, "Denominator")):
            if figure.given:
                raise RecordError(
                    f"metric {metric.code} is not a ratio (its unit is {unit.name}): leave {column} blank",
                    column=column,
                )
    if not (value.given or numerator.given or denominator.given):
        raise RecordError(
            f"no figure for {metric.code}: give the Value, or '*' where the report withheld it",
            column="Value",
        )
    if unit.scale is not None and not value.given and not (numerator.given and denominator.given):
        raise RecordError(
            f"no value for {metric.code}: give the Value, or both Numerator and Denominator",
            column="Value",
        )
    if unit.maximum is not None and value.number is not None and value.number > unit.maximum:
        raise RecordError(
            f"{value.number} is more than {unit.maximum}, the largest {unit.name} there can be",
            column="Value",
        )
    if unit.scale is not None and numerator.number is not None and denominator.number is not None:
        n, d = numerator.number, denominator.number
        if unit.maximum is not None and n > d:
            raise RecordError(
                f"the numerator {n} is larger than the denominator {d}", column="Numerator"
            )
        if value.number is not None and d > 0:
            expected = Decimal(n) * unit.scale / Decimal(d)
            if abs(value.number - expected) > _ROUNDING:
                raise RecordError(
                    f"the value {value.number} does not agree with numerator / denominator "
                    f"({n} / {d} = {expected:.1f} as a {unit.name})",
                    column="Value",
                )
    return value, numerator, denominator


def _class_name(source_name: str) -> str:
    return "".join(part.capitalize() for part in source_name.split("-"))
