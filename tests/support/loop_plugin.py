"""A third-party source plugin (not a built-in) that takes part in the learning loop.

A made-up youth service's review tracker: each row is either a figure (young people seen in a
quarter, per team), a finding of its own review, or an action the service agreed. It declares
what its rows mean through the public plugin API only; the tests install it through an entry
point of a distribution of its own (tests/lif_core/test_third_party_loop.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from lif_core.plugins import (
    ActionDeclaration,
    Dimension,
    Emit,
    Finding,
    InputOptions,
    Measurable,
    MeasureDeclaration,
    RecordKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
    parse_date,
    quarter_period,
)


class Seen(BaseModel):
    quarter: str = Field(description="The financial-year quarter, e.g. '2025-26 Q1'.")
    team: str | None = Field(description="The team; blank for the whole service.")
    seen: int = Field(description="Young people seen in the quarter.")


class ReviewFinding(BaseModel):
    reference: str = Field(description="The finding's reference, e.g. 'YV-F1'.")
    text: str = Field(description="What the review found.")
    severity: str = Field(description="high, medium or low.")
    found_on: date = Field(description="The day the review reported.")


class AgreedAction(BaseModel):
    reference: str = Field(description="The action's reference, e.g. 'YV-A1'.")
    text: str = Field(description="What will be done.")
    owner: str = Field(description="The team that owns it.")
    due: date = Field(description="The day it is due.")
    state: str = Field(description="Open, Doing or Done, as the tracker says.")
    done_on: date | None = Field(description="The day it was done, when it was.")
    as_at: date = Field(description="The day of this statement.")
    learning: str | None = Field(
        default=None,
        description="The learning items it answers, separated by ';' (a tracker may name several).",
    )


def _map_row(row: Row) -> Iterator[Emit]:
    v: dict[str, Any] = dict(row.values)
    if v["type"] == "seen":
        yield Emit(
            "seen", {"quarter": v["period"], "team": v["team"] or None, "seen": int(v["value"])}
        )
    elif v["type"] == "finding":
        yield Emit(
            "finding",
            {
                "reference": v["reference"],
                "text": v["text"],
                "severity": v["severity"],
                "found_on": parse_date(v["date"], "date"),
            },
        )
    else:
        yield Emit(
            "action",
            {
                "reference": v["reference"],
                "text": v["text"],
                "owner": v["team"],
                "due": parse_date(v["due"], "due"),
                "state": v["state"],
                "done_on": parse_date(v["done_on"], "done_on") if v["done_on"] else None,
                "as_at": parse_date(v["date"], "date"),
                "learning": v.get("learning") or None,
            },
        )


SOURCE = Source(
    name="youth-voice-review",
    title="Youth voice review tracker",
    provider="A youth service (test plugin)",
    kinds=(
        RecordKind(
            name="seen",
            model=Seen,
            key=lambda r: f"{r.quarter}|{r.team or ''}",
            valid_time=lambda r: quarter_period(r.quarter)[1],
            description="Young people seen in a quarter, per team and in all.",
            measures=MeasureDeclaration(
                values=(Measurable("seen", unit="count", aggregate="sum"),),
                dimensions=(Dimension("team"),),
            ),
        ),
        RecordKind(
            name="finding",
            model=ReviewFinding,
            key=lambda r: r.reference,
            valid_time=lambda r: ValidTime(r.found_on),
            description="A finding of the service's own review.",
            findings=(
                Finding(
                    rule="youth-voice-finding",
                    text="text",
                    severity="severity",
                    applies=lambda a: a["severity"] == "high",
                ),
            ),
        ),
        RecordKind(
            name="action",
            model=AgreedAction,
            key=lambda r: r.reference,
            valid_time=lambda r: ValidTime(r.as_at),
            description="An action the service agreed, as the tracker states it.",
            actions=ActionDeclaration(
                reference="reference",
                description="text",
                owner="owner",
                due="due",
                status="state",
                status_words={"open": "open", "doing": "in-progress", "done": "complete"},
                completed_on="done_on",
                stated_on="as_at",
                learning="learning",
            ),
        ),
    ),
    inputs=InputOptions(formats=("csv",)),
    map_row=_map_row,
    cadence="P3M",
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
