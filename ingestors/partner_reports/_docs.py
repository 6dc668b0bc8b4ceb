"""Renders a partner report's docs page (docs/sources/<name>.md) from its catalogue."""

from __future__ import annotations

import types
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Union, get_args, get_origin

from ingestors.partner_reports._annual_metrics import HEADERS, KIND, AnnualReport, Dimension

__all__ = ["render_page", "type_name"]

_CADENCES = {"P1Y": "yearly", "P3M": "quarterly", "P1M": "monthly", "P2Y": "every two years"}
_TYPES: dict[Any, str] = {
    str: "text",
    int: "whole number",
    Decimal: "number",
    bool: "true/false",
    date: "date",
}


def type_name(annotation: Any) -> str:
    """A model field's type in words: 'text', 'number or null', 'list of text'."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return type_name(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        parts = [type_name(a) for a in get_args(annotation) if a is not type(None)]
        nullable = type(None) in get_args(annotation)
        return " or ".join(parts) + (" or null" if nullable else "")
    if origin is list:
        return f"list of {type_name(get_args(annotation)[0])}"
    return _TYPES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _code(text: str) -> str:
    return f"`{text}`"


def _values(dim: Dimension) -> str:
    out = []
    for value, aliases in dim.values.items():
        also = f" (also {', '.join(_code(a) for a in aliases)})" if aliases else ""
        out.append(f"- {_code(value)}{also}")
    return "\n".join(out)


def render_page(report: AnnualReport) -> str:
    """The markdown page for one report."""
    dims = report.dimensions
    header_row = ", ".join(
        [HEADERS["reporting_year"][0], HEADERS["metric_code"][0], *(d.header for d in dims)]
        + [HEADERS[n][0] for n in ("value", "numerator", "denominator", "notes")]
    )
    markers = "`*`, `c`, `[c]`, `x`, `<5`, `<10`"
    lines = [
        f"# {report.title} (`{report.name}`)",
        "",
        "<!-- Generated from ingestors/partner_reports/"
        f"{report.name.replace('-', '_')}.py by `python -m ingestors.partner_reports`; do not edit. -->",
        "",
        f"- **Provider:** {report.provider}",
        f"- **Cadence:** {_CADENCES.get(report.cadence, report.cadence)} (`{report.cadence}`)",
        "- **Formats:** CSV or XLSX (first sheet)",
        f"- **Sample:** `ingestors/samples/{report.name}/` (figures invented; organisations real)",
        "",
        report.description,
        "",
        "No national machine-readable file exists. The partnership keeps the report's figures in the "
        "shared *annual metric* layout of every partner report: one row per published figure.",
        "",
        "## Layout",
        "",
        f"One header row: `{header_row}`. Title rows above it are skipped; header names match "
        "ignoring case and spacing; columns not listed here are ignored.",
        "",
        "| Column | Required | Also accepted | Holds |",
        "|---|---|---|---|",
        f"| {HEADERS['reporting_year'][0]} | yes | {', '.join(HEADERS['reporting_year'][1])} | "
        "The financial year (April to March) the figure is about: `2024-25` (also `2024/25`, `2024/2025`). |",
        f"| {HEADERS['metric_code'][0]} | yes | {', '.join(HEADERS['metric_code'][1])} | "
        "A code from the catalogue below (any case). |",
    ]
    for dim in dims:
        lines.append(
            f"| {dim.header} | no | {', '.join(dim.header_variants)} | "
            f"{dim.description.split(';')[0]}. Blank, `All` or `Total` = the total row. |"
        )
    lines += [
        f"| {HEADERS['value'][0]} | yes | {', '.join(HEADERS['value'][1])} | "
        f"The figure as published, or a suppression marker ({markers}) where the report withheld a small number. |",
        f"| {HEADERS['numerator'][0]} | no | | Percentages and rates only: the count the figure is of (may be suppressed). |",
        f"| {HEADERS['denominator'][0]} | no | | Percentages and rates only: the count it is out of (may be suppressed). |",
        f"| {HEADERS['notes'][0]} | no | {', '.join(HEADERS['notes'][1])} | The report's note on the figure. |",
        "",
        "## Metric codes",
        "",
        "| Code | Metric | Unit | Broken down by |",
        "|---|---|---|---|",
    ]
    headers = {d.field: d.header for d in dims}
    for metric in report.metrics:
        by = ", ".join(headers[f] for f in metric.dimensions) or "-"
        lines.append(f"| `{metric.code}` | {metric.title} | {metric.unit.name} | {by} |")
    for dim in dims:
        lines += ["", f"## {dim.header} values", "", _values(dim)]
    lines += [
        "",
        f"## Record kind `{KIND}`",
        "",
        "One record per row.",
        "",
        "| Field | Type | Description |",
        "|---|---|---|",
    ]
    for name, info in report.model.model_fields.items():
        lines.append(f"| `{name}` | {type_name(info.annotation)} | {info.description} |")
    example_dims = "".join(f"|{d.field}=..." for d in dims[:1])
    lines += [
        "",
        "- **Key:** `reporting_year|metric_code`, then `|field=value` for each dimension that is "
        f"filled, in column order (e.g. `2024-25|{report.metrics[0].code}{example_dims}`). A blank "
        "dimension is the total over it.",
        "- **Valid time:** 1 April to 31 March of the reporting year.",
        "- **Mode:** snapshot, scoped by reporting year: a file holds the whole report for each "
        "year in it, so a figure absent from a re-issued report for that year is withdrawn. "
        "Years not in the file are untouched.",
        "- **Suppression:** a withheld figure is kept as withheld (`value_suppressed` true and "
        "`value` null; likewise numerator and denominator), never as zero.",
        "",
        "## Rejected rows",
        "",
        "A rejected row is kept with its reason, file and line; the rest of the file goes on.",
        "",
        "- The reporting year is blank or not a financial year (`2024`, `2024-Q3` and `2024-26` are refused).",
        "- The metric code is not in this report's catalogue (codes of other reports included); "
        "the reason names the code and lists the known ones.",
        "- A dimension value is not in its list, or is given for a metric not broken down by that dimension.",
        "- A figure is not a number, is negative, or a count is not whole.",
        "- No figure at all; or a percentage or rate with no value and not both numerator and denominator.",
        "- A numerator or denominator on a metric that is not a percentage or rate.",
        "- A percentage above 100, or a numerator larger than its denominator.",
        "- A value that disagrees with numerator / denominator by more than 0.5 (after scaling to the unit).",
        "- Any cell that looks like a child's identity (NHS number, pupil number, email, phone number).",
        "",
    ]
    return "\n".join(lines)
