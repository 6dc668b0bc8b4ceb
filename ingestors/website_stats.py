"""Source plugin for the partnership website's analytics export: page views per page per day.

The shape every analytics tool exports: date, page path, page title, views, unique visitors.
A year of daily figures for a few thousand pages is a million rows, so ``map_row`` does as
little as it can: dates are parsed once per distinct value, counts with ``int()`` first.
``generate_sample`` writes a large file of this layout for benchmarks.
Layout and rules: docs/sources/website-stats.md.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ingestors._fields import parse_date, parse_int
from lif_core.plugins import (
    Columns,
    Emit,
    InputOptions,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
)

__all__ = ["HEADER", "SOURCE", "PageViews", "generate_sample", "register_sources"]

HEADER = ("Date", "Page path", "Page title", "Views", "Unique visitors")


class PageViews(BaseModel):
    """Views of one page of the partnership website on one day."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: date = Field(description="The day the views were counted.")
    page_path: str = Field(
        description="The page's path on the site, e.g. '/practice-reviews/cspr-2024-02-child-h'."
    )
    page_title: str | None = Field(
        description="The page's title as the analytics tool recorded it."
    )
    views: int = Field(ge=0, description="Page views that day.")
    unique_visitors: int = Field(
        ge=0, description="Distinct visitors (users) who viewed the page that day."
    )


COLUMNS = Columns(
    variants={
        "date": ("Date", "Day"),
        "page_path": ("Page path", "Page path and screen class", "Page", "Path"),
        "page_title": ("Page title", "Page title and screen class", "Title"),
        "views": ("Views", "Page views", "Pageviews", "Screen page views"),
        "unique_visitors": ("Unique visitors", "Users", "Total users", "Unique pageviews"),
    },
    required=("date", "page_path", "views", "unique_visitors"),
)


@lru_cache(maxsize=8192)
def _day(value: str) -> date:
    # Analytics tools export days as 2025-01-31 or as 20250131.
    text = f"{value[:4]}-{value[4:6]}-{value[6:]}" if len(value) == 8 and value.isdigit() else value
    day = parse_date(text, "date")
    if day is None:
        raise RecordError("the date is blank", column="date")
    return day


def _count(value: Any, column: str) -> int:
    if type(value) is int:
        number = value
    elif type(value) is str and value.isdigit():
        number = int(value)
    else:
        parsed = parse_int(value, column)  # '1,234', 12.0 from a workbook, or a proper error
        if parsed is None:
            raise RecordError(f"the {column.replace('_', ' ')} count is blank", column=column)
        number = parsed
    if number < 0:
        raise RecordError(f"{number} is negative", column=column, value=value)
    return number


def map_row(row: Row) -> tuple[Emit, ...]:
    """One analytics row -> one ``page-views`` record."""
    values = row.values
    raw_day = values["date"]
    if raw_day is None:
        raise RecordError("the date is blank", column="date")
    path = values["page_path"]
    if not path or path[0] != "/":
        raise RecordError(f"{path!r} is not a page path (it starts with '/')", column="page_path")
    views = _count(values["views"], "views")
    visitors = _count(values["unique_visitors"], "unique_visitors")
    if visitors > views:
        raise RecordError(f"{visitors} visitors but only {views} views", column="unique_visitors")
    fields = {
        "day": _day(str(raw_day)),
        "page_path": path,
        "page_title": values.get("page_title"),
        "views": views,
        "unique_visitors": visitors,
    }
    return (Emit("page-views", fields),)


def generate_sample(
    path: Path, pages: int, days: int, *, start: date = date(2025, 1, 1), seed: int = 2025
) -> int:
    """Write an invented export of ``pages`` pages over ``days`` days to ``path``; return its row count.

    Deterministic for a given seed. Used by the benchmarks to make a year of a large site.
    """
    rng = random.Random(seed)
    sections = (
        "practice-reviews",
        "7-minute-briefings",
        "learning-sheets",
        "procedures",
        "training",
        "news",
    )
    site = [
        (
            f"/{sections[i % len(sections)]}/page-{i:05d}",
            f"{sections[i % len(sections)].replace('-', ' ').capitalize()} {i}",
        )
        for i in range(pages)
    ]
    popularity = [rng.paretovariate(1.2) for _ in site]
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for offset in range(days):
            day = (start + timedelta(days=offset)).isoformat()
            weekday_factor = 0.4 if (start + timedelta(days=offset)).weekday() >= 5 else 1.0
            for (page_path, title), weight in zip(site, popularity, strict=True):
                views = int(weight * weekday_factor * rng.uniform(0.5, 3.0))
                visitors = views - int(views * rng.uniform(0.0, 0.3))
                writer.writerow((day, page_path, title, views, visitors))
                rows += 1
    return rows


SOURCE = Source(
    name="website-stats",
    title="Partnership website page views",
    provider="Leeds Safeguarding Children Partnership business unit",
    kinds=(
        RecordKind(
            name="page-views",
            model=PageViews,
            key=lambda r: f"{r.day.isoformat()}{r.page_path}",
            valid_time=lambda r: ValidTime(r.day),
            mode="append",
            description="Views and unique visitors of one page on one day.",
        ),
    ),
    inputs=InputOptions(formats=("csv", "xlsx"), columns=COLUMNS),
    map_row=map_row,
    samples=Path(__file__).parent / "samples" / "website-stats",
    cadence="P1M",
    description=(
        "The website analytics export: views and unique visitors per page per day, showing "
        "which published reviews, 7-minute briefings and learning sheets practitioners read."
    ),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
