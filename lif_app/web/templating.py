"""The Jinja2 environment the web view and the report share: templates, filters, the chart global."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from lif_app.web.charts import period_label, points_from_rows, turn_the_curve_svg
from lif_core.actors import describe

__all__ = ["environment", "stylesheet"]


def measure_value(value: Any, unit: str | None = None) -> str:
    """A measure's value as people read it: ``86.5%``, ``12``."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    number = float(value)
    text = f"{number:.1f}".rstrip("0").rstrip(".") if number != int(number) else str(int(number))
    return f"{text}%" if unit == "%" else text


def words(value: Any) -> str:
    """``impact-verified`` → ``impact verified``; None → empty."""
    return "" if value is None else str(value).replace("-", " ")


def when(value: Any) -> str:
    """A UTC timestamp to the minute: ``2026-11-28 13:07 UTC``; dates pass through."""
    if not value:
        return ""
    text = str(value)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if len(text) <= 10:
        return text
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def file_name(origin: Any) -> str:
    """The file name of an origin path or URI (the folder it was read from is internal)."""
    if not origin:
        return ""
    text = str(origin).split("://", 1)[-1]
    return PureWindowsPath(text).name if "\\" in text else PurePosixPath(text).name


def curve_turned(value: Any) -> str:
    return {None: "not judged (baseline period)", 1: "yes", 0: "no"}.get(value, str(value))


def chart(
    rows: Sequence[dict[str, Any]],
    measure: dict[str, Any],
    chart_id: str,
    hidden: Sequence[bool] | None = None,
    forecast_shown: bool = True,
    note: str = "",
) -> Markup:
    """The turn-the-curve SVG of a measure's rows (``hidden`` leaves out suppressed values)."""
    points = points_from_rows(rows)
    if hidden is not None:
        points = [
            type(p)(p.label, None if hide else p.value, p.forecast, p.baseline)
            for p, hide in zip(points, hidden, strict=True)
        ]
    if not forecast_shown:
        points = [type(p)(p.label, p.value, None, p.baseline) for p in points]
    return Markup(
        turn_the_curve_svg(
            points,
            title=f"{measure['name']}: turn-the-curve chart",
            unit=measure.get("unit") or "",
            target=measure.get("target"),
            chart_id=chart_id,
            polarity=measure.get("polarity") or "higher-is-better",
            note=note,
        )
    )


@cache
def stylesheet() -> str:
    """The one stylesheet of the web view and the report (screen and print)."""
    return resources.files("lif_app.web").joinpath("static/style.css").read_text(encoding="utf-8")


def environment(**globals_: Any) -> Environment:
    env = Environment(
        loader=PackageLoader("lif_app.web", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        measure_value=measure_value,
        words=words,
        when=when,
        file_name=file_name,
        curve_turned=curve_turned,
        who=describe,
        period=lambda row: period_label(row["period_start"], row["period_end"]),
    )
    env.globals.update(chart=chart, **globals_)
    return env
