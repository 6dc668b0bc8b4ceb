"""Broken: map_row spells a field 'referals', which the model does not have."""

from __future__ import annotations

import dataclasses
from typing import Any

from broken_plugins import good
from lif_core.plugins import Emit, Row, hookimpl


def map_row(row: Row) -> list[Emit]:
    fields = {
        "year": good.number(row, "year"),
        "area": good.text(row, "area"),
        "referals": good.number(row, "referrals"),  # the mistake
    }
    return [Emit("area-count", fields)]


SOURCE = dataclasses.replace(good.SOURCE, name="toy-misspelt-field", map_row=map_row)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
