"""Broken: rows it does not recognise vanish (no record, no rejection), so rows go missing."""

from __future__ import annotations

import dataclasses
from typing import Any

from broken_plugins import good
from lif_core.plugins import Emit, Row, hookimpl


def map_row(row: Row) -> list[Emit]:
    if str(row.values.get("area", "")).startswith("B"):
        return []  # the mistake: a silent drop instead of RecordError
    return good.map_row(row)


SOURCE = dataclasses.replace(good.SOURCE, name="toy-loses-rows", map_row=map_row)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
