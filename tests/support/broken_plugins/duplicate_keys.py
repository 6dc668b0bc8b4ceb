"""Broken: the record key leaves out the area, so one file gives the same key several times."""

from __future__ import annotations

import dataclasses
from typing import Any

from broken_plugins import good
from lif_core.plugins import hookimpl

SOURCE = dataclasses.replace(
    good.SOURCE,
    name="toy-duplicate-keys",
    kinds=(dataclasses.replace(good.KIND, key=lambda r: str(r.year)),),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
