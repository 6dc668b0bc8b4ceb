"""Broken: map_row stamps every record with a fresh uuid4, so no two runs agree."""

from __future__ import annotations

import dataclasses
from typing import Any
from uuid import uuid4

from pydantic import Field

from broken_plugins import good
from lif_core.plugins import Emit, Row, hookimpl


class StampedCount(good.AreaCount):
    import_id: str = Field(description="An id made up at import time (the mistake).")


def map_row(row: Row) -> list[Emit]:
    [emit] = good.map_row(row)
    return [Emit(emit.kind, {**emit.fields, "import_id": uuid4().hex})]


SOURCE = dataclasses.replace(
    good.SOURCE,
    name="toy-nondeterministic",
    kinds=(dataclasses.replace(good.KIND, model=StampedCount),),
    map_row=map_row,
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
