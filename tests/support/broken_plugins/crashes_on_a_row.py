"""Broken: map_row calls int() on the count, so a row with 'lots' raises ValueError.

The bad sample holds such a row: the kit must fail it as a plugin bug naming this file and
line, never report the row as accepted (nor let an expected rejection make it pass).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from broken_plugins import good
from lif_core.plugins import Emit, Row, hookimpl


def map_row(row: Row) -> list[Emit]:
    fields = {
        "year": int(str(row.values["year"])),
        "area": good.text(row, "area"),
        "referrals": int(str(row.values["referrals"])),  # the mistake: no RecordError
    }
    return [Emit("area-count", fields)]


SOURCE = dataclasses.replace(good.SOURCE, name="toy-crashes-on-a-row", map_row=map_row)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
