"""Broken: a field joins a set of words, so its order follows string hashing.

One process always gives the same order, so two runs in it agree; another interpreter (another
PYTHONHASHSEED) gives another order, and every record would be revised on the next file.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import Field

from broken_plugins import good
from lif_core.plugins import Emit, Row, hookimpl

_TAGS = [f"tag-{letter}" for letter in "abcdefghijklmnopqrstuvwxyz"]


class TaggedCount(good.AreaCount):
    tags: str = Field(description="Words about the area (joined from a set: the mistake).")


def map_row(row: Row) -> list[Emit]:
    [emit] = good.map_row(row)
    return [Emit(emit.kind, {**emit.fields, "tags": ",".join(set(_TAGS))})]


SOURCE = dataclasses.replace(
    good.SOURCE,
    name="toy-hash-ordered",
    kinds=(dataclasses.replace(good.KIND, model=TaggedCount),),
    map_row=map_row,
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
