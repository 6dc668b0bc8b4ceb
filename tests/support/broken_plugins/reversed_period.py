"""Broken: valid_time gives the year backwards (it ends on 1 January, before it starts)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from broken_plugins import good
from lif_core.plugins import ValidTime, hookimpl


def year_backwards(record: Any) -> ValidTime:
    return ValidTime(date(record.year, 12, 31), date(record.year, 1, 1))  # the mistake


SOURCE = dataclasses.replace(
    good.SOURCE,
    name="toy-reversed-period",
    kinds=(dataclasses.replace(good.KIND, valid_time=year_backwards),),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
