"""Broken: one field of the model has no description."""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from broken_plugins import good
from lif_core.plugins import hookimpl


class AreaCount(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int = Field(ge=2000, le=2100, description="Calendar year the count is for.")
    area: str = Field(description="Area name.")
    referrals: int = Field(ge=0)  # the mistake: no description


SOURCE = dataclasses.replace(
    good.SOURCE,
    name="toy-undescribed-field",
    kinds=(dataclasses.replace(good.KIND, model=AreaCount),),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
