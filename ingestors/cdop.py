"""Source plugin for the Child Death Overview Panel's annual figures: counts, themes, recommendations.

One tidy table, a ``Table`` column saying which figure a row holds: deaths reviewed by category,
modifiable factors (in all, and by category of death when the optional ``Category`` column
names one), themes, recommendations. Counts only; small counts are published suppressed and
kept as suppressed, never as zero. Layout and rules: docs/sources/cdop.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingestors._fields import parse_period, text
from ingestors._suppression import SuppressibleCount, parse_count
from lif_core.plugins import (
    ActionDeclaration,
    Columns,
    Dimension,
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
    hookimpl,
)

__all__ = ["CATEGORIES", "SOURCE", "SUPPRESSION_THRESHOLD", "register_sources"]

SUPPRESSION_THRESHOLD = 5
"""Counts of 1 to 4 deaths are published suppressed."""

Category = Literal[
    "abuse-or-neglect",
    "suicide-or-self-harm",
    "trauma",
    "malignancy",
    "acute-medical",
    "chronic-medical",
    "chromosomal-congenital",
    "perinatal-neonatal",
    "infection",
    "sudden-unexpected",
]

# The ten categories of the national child death analysis form, in their official order,
# with the spellings annual reports use for them.
CATEGORIES: dict[Category, tuple[str, ...]] = {
    "abuse-or-neglect": ("abuse or neglect", "deliberately inflicted injury, abuse or neglect"),
    "suicide-or-self-harm": ("suicide or self-harm", "suicide or deliberate self-inflicted harm"),
    "trauma": (
        "trauma and other external factors",
        "trauma and other external factors, including medical/surgical complications/error",
    ),
    "malignancy": ("malignancy",),
    "acute-medical": ("acute medical", "acute medical or surgical condition"),
    "chronic-medical": ("chronic medical", "chronic medical condition"),
    "chromosomal-congenital": (
        "chromosomal/congenital",
        "chromosomal, genetic and congenital anomalies",
    ),
    "perinatal-neonatal": ("perinatal/neonatal", "perinatal/neonatal event"),
    "infection": ("infection",),
    "sudden-unexpected": ("sudden unexpected", "sudden unexpected, unexplained death"),
}
_CATEGORY_SPELLINGS = {
    spelling: code
    for number, (code, labels) in enumerate(CATEGORIES.items(), start=1)
    for spelling in (code, *labels, str(number), f"category {number}")
}
_FINDINGS = {
    "yes": "yes",
    "modifiable factors identified": "yes",
    "no": "no",
    "no modifiable factors identified": "no",
    "insufficient information": "insufficient-information",
    "inadequate information": "insufficient-information",
}
_TABLES = {
    "deaths by category": "deaths-by-category",
    "deaths-by-category": "deaths-by-category",
    "category": "deaths-by-category",
    "modifiable factors": "modifiable-factors",
    "modifiable-factors": "modifiable-factors",
    "modifiable factors by category": "modifiable-factors-by-category",
    "modifiable factors by category of death": "modifiable-factors-by-category",
    "modifiable-factors-by-category": "modifiable-factors-by-category",
    "theme": "theme",
    "themes": "theme",
    "recommendation": "recommendation",
    "recommendations": "recommendation",
}
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


class _Annual(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    reporting_year: str = Field(
        description="The year the panel reports on: '2024-25' (April-March) or '2024'."
    )


class DeathsByCategory(_Annual):
    """Deaths reviewed in the year whose primary category was one of the ten."""

    category: Category = Field(
        description="Category code, e.g. 'perinatal-neonatal' (the ten national categories)."
    )
    deaths_reviewed: int | None = Field(
        ge=0, description="Number of deaths reviewed; None when suppressed."
    )
    suppressed: bool = Field(
        description="True when the count was published suppressed (1 to 4 deaths)."
    )


class ModifiableFactors(_Annual):
    """Deaths reviewed in the year by the panel's finding on modifiable factors."""

    finding: Literal["yes", "no", "insufficient-information"] = Field(
        description="Whether modifiable factors were identified: yes, no, or insufficient-information."
    )
    deaths_reviewed: int | None = Field(
        ge=0, description="Number of deaths reviewed; None when suppressed."
    )
    suppressed: bool = Field(
        description="True when the count was published suppressed (1 to 4 deaths)."
    )


class ModifiableFactorsByCategory(ModifiableFactors):
    """Deaths reviewed in the year in one category of death, by the finding on modifiable factors."""

    category: Category = Field(
        description="Category code of the deaths counted, e.g. 'sudden-unexpected' (the ten national categories)."
    )


class Theme(_Annual):
    """A recurring theme the panel identified across the deaths it reviewed."""

    theme: str = Field(description="The theme's title, e.g. 'Safer sleeping'.")
    description: str | None = Field(
        description="What the panel found, as written in the annual report."
    )
    deaths_reviewed: int | None = Field(
        ge=0,
        description="Number of deaths in which the theme was identified; None when suppressed or not given.",
    )
    suppressed: bool = Field(
        description="True when that number was published suppressed (1 to 4 deaths)."
    )


class Recommendation(_Annual):
    """A recommendation the panel made in its annual report."""

    reference: str = Field(description="The recommendation's number in the report, e.g. 'R2'.")
    recommendation: str = Field(description="The recommendation as written.")
    lead_agency: str | None = Field(description="The partner agency asked to lead on it, if named.")


COLUMNS = Columns(
    variants={
        "reporting_year": ("Reporting year", "Year"),
        "table": ("Table", "Figure"),
        "item": ("Item", "Category / finding / theme / reference"),
        "deaths_reviewed": ("Deaths reviewed", "Count", "Number"),
        "detail": ("Detail", "Description"),
        "lead_agency": ("Lead agency",),
        "category": ("Category", "Category of death"),
    },
    required=("reporting_year", "table", "item", "deaths_reviewed"),
)


@lru_cache(maxsize=32)
def reporting_year(value: str) -> tuple[str, ValidTime]:
    """'2024-25' (April-March) or '2024' (calendar year) -> the canonical text and the period."""
    period = parse_period(value, "reporting_year")
    start, end = period.valid_from, period.valid_to
    if (start.month, start.day) == (4, 1) and end == date(start.year + 1, 3, 31):
        return f"{start.year}-{(start.year + 1) % 100:02d}", period
    if (start.month, start.day) == (1, 1) and end == date(start.year, 12, 31):
        return str(start.year), period
    raise RecordError(
        f"{value!r} is not a reporting year like 2024-25 or 2024",
        column="reporting_year",
        value=value,
    )


def _count(row: Row, *, required: bool) -> SuppressibleCount:
    value = row.values.get("deaths_reviewed")
    if not required and text(value) is None:
        return SuppressibleCount(None, False)
    return parse_count(value, "deaths_reviewed", threshold=SUPPRESSION_THRESHOLD)


def _lookup(table: Mapping[str, str], value: str, column: str, what: str) -> str:
    found = table.get(value.casefold())
    if found is None:
        raise RecordError(f"{value!r} is not {what}", column=column, value=value)
    return found


def _category(value: str, column: str) -> str:
    return _lookup(
        _CATEGORY_SPELLINGS, value, column, "one of the ten CDOP categories (or its number 1-10)"
    )


def _table(values: Mapping[str, Any]) -> str:
    """The kind a row's ``Table`` names; modifiable factors with a category are by category."""
    kind = _lookup(
        _TABLES,
        text(values.get("table")) or "",
        "table",
        "a CDOP table (deaths by category, modifiable factors, modifiable factors by category, "
        "theme, recommendation)",
    )
    category = text(values.get("category"))
    if kind == "modifiable-factors" and category is not None:
        return "modifiable-factors-by-category"
    if kind == "modifiable-factors-by-category" and category is None:
        raise RecordError(
            "modifiable factors by category need the category of death", column="category"
        )
    if category is not None and kind != "modifiable-factors-by-category":
        raise RecordError(
            "only modifiable factors are broken down by category of death; leave it blank",
            column="category",
        )
    return kind


def map_row(row: Row) -> list[Emit]:
    """One row of the annual figures -> one record of the kind its ``Table`` names."""
    values = row.values
    year, _ = reporting_year(text(values.get("reporting_year")) or "")
    kind = _table(values)
    item = text(values.get("item"))
    if item is None:
        raise RecordError("the item is blank", column="item")
    fields: dict[str, Any] = {"reporting_year": year}
    if kind == "deaths-by-category":
        fields["category"] = _category(item, "item")
    elif kind in ("modifiable-factors", "modifiable-factors-by-category"):
        if kind == "modifiable-factors-by-category":
            fields["category"] = _category(text(values.get("category")) or "", "category")
        fields["finding"] = _lookup(
            _FINDINGS,
            item,
            "item",
            "a modifiable-factors finding (yes, no, insufficient information)",
        )
    elif kind == "theme":
        fields.update(theme=item, description=text(values.get("detail")))
    else:
        if text(values.get("deaths_reviewed")) is not None:
            raise RecordError("a recommendation carries no count", column="deaths_reviewed")
        recommendation = text(values.get("detail"))
        if recommendation is None:
            raise RecordError("the recommendation's text is blank", column="detail")
        fields.update(
            reference=item.upper(),
            recommendation=recommendation,
            lead_agency=text(values.get("lead_agency")),
        )
        return [Emit(kind, fields)]
    count = _count(row, required=kind != "theme")
    fields.update(deaths_reviewed=count.value, suppressed=count.suppressed)
    return [Emit(kind, fields)]


def _slug(value: str) -> str:
    return _NOT_SLUG.sub("-", value.casefold()).strip("-")


def _kind(name: str, model: type[_Annual], part: str, description: str, **loop: Any) -> RecordKind:
    parts = part.split("/")
    return RecordKind(
        name=name,
        model=model,
        key=lambda r: "/".join([r.reporting_year, *(_slug(getattr(r, p)) for p in parts)]),
        valid_time=lambda r: reporting_year(r.reporting_year)[1],
        mode="append",
        description=description,
        **loop,
    )


def _theme(a: Any) -> str:
    n = a.get("deaths_reviewed")
    return f"CDOP {a['reporting_year']}: {a['theme']}" + (
        f" ({n} deaths reviewed)" if n is not None else ""
    )


# Counts per year: a measure names the category or finding (no total row is published).
_COUNTS = MeasureDeclaration(
    values=(Measurable("deaths_reviewed", unit="count", aggregate="sum"),),
)


SOURCE = Source(
    name="cdop",
    title="Child Death Overview Panel annual figures",
    provider="Leeds Child Death Overview Panel",
    kinds=(
        _kind(
            "deaths-by-category",
            DeathsByCategory,
            "category",
            "Deaths reviewed in a year, per category.",
            measures=MeasureDeclaration(
                values=_COUNTS.values, dimensions=(Dimension("category", choose=True),)
            ),
        ),
        _kind(
            "modifiable-factors",
            ModifiableFactors,
            "finding",
            "Deaths reviewed in a year, per modifiable-factors finding.",
            measures=MeasureDeclaration(
                values=_COUNTS.values, dimensions=(Dimension("finding", choose=True),)
            ),
        ),
        _kind(
            "modifiable-factors-by-category",
            ModifiableFactorsByCategory,
            "category/finding",
            "Deaths reviewed in a year in one category of death, per modifiable-factors finding.",
            measures=MeasureDeclaration(
                values=_COUNTS.values,
                dimensions=(
                    Dimension("category", choose=True),
                    Dimension("finding", choose=True),
                ),
            ),
        ),
        _kind(
            "theme",
            Theme,
            "theme",
            "A recurring theme the panel identified in a year.",
            findings=(Finding(rule="cdop-theme", text=_theme, themes="theme"),),
            measures=MeasureDeclaration(
                values=_COUNTS.values, dimensions=(Dimension("theme", choose=True),)
            ),
        ),
        _kind(
            "recommendation",
            Recommendation,
            "reference",
            "A recommendation of the panel's annual report.",
            agency_fields=("lead_agency",),
            # The report states no due date nor status: each recommendation is an open
            # action for the lead agency until a decision says otherwise.
            actions=ActionDeclaration(
                reference=lambda a: f"CDOP-{a['reporting_year']}-{a['reference']}",
                description="recommendation",
                owner="lead_agency",
            ),
        ),
    ),
    inputs=InputOptions(formats=("csv", "xlsx"), columns=COLUMNS),
    map_row=map_row,
    samples=Path(__file__).parent / "samples" / "cdop",
    cadence="P1Y",
    description=(
        "The panel's annual report figures: deaths reviewed by the ten national categories, "
        "modifiable factors (yes / no / insufficient information), in all and by category of "
        "death, recurring themes and "
        "recommendations. Counts only, small numbers kept suppressed."
    ),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
