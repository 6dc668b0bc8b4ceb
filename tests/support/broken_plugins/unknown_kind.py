"""Broken: map_row emits a kind the source does not declare ('area-counts', not 'area-count')."""

from __future__ import annotations

import dataclasses
from typing import Any

from broken_plugins import good
from lif_core.plugins import Emit, Row, hookimpl


def map_row(row: Row) -> list[Emit]:
    [emit] = good.map_row(row)
    return [Emit("area-counts", emit.fields)]  # the mistake


SOURCE = dataclasses.replace(good.SOURCE, name="toy-unknown-kind", map_row=map_row)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
