"""Broken: valid_time forgets to return, so every record's valid time is None."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from broken_plugins import good
from lif_core.plugins import ValidTime, hookimpl


def year(record: Any) -> Any:
    ValidTime(date(record.year, 1, 1), date(record.year, 12, 31))  # the mistake: no return


SOURCE = dataclasses.replace(
    good.SOURCE,
    name="toy-no-valid-time",
    kinds=(dataclasses.replace(good.KIND, valid_time=year),),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
