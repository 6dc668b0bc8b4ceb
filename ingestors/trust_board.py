"""Source plugin for the Children and Families Trust Board annual report: progress against its challenges."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ingestors._fields import parse_period, read_period, text
from ingestors._vocabulary import Vocabulary
from lif_core.plugins import (
    Columns,
    Emit,
    InputOptions,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
)

__all__ = ["PROGRESS", "SOURCE", "ChallengeProgress", "register_sources"]

KIND = "challenge-progress"

PROGRESS = Vocabulary(
    "progress rating",
    {
        "Achieved": ("Complete", "Completed"),
        "On track": ("On-track",),
        "Some progress": ("Partial progress",),
        "Not started": (),
    },
)


class ChallengeProgress(BaseModel):
    """The Board's rating of its progress on one challenge in one year."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: str = Field(description="The year reported on: '2024-25' (April-March) or '2024'.")
    challenge: str = Field(description="The challenge the Board set, in its words.")
    lead: str | None = Field(
        default=None, description="The partner or board group leading on the challenge."
    )
    progress: str = Field(description="Achieved, On track, Some progress or Not started.")
    commentary: str | None = Field(
        default=None, description="The report's account of the progress made."
    )


def _map_row(row: Row) -> Iterator[Emit]:
    cells = row.values
    year, _ = read_period(cells.get("year"), "Year", ("financial year", "year"))
    challenge = text(cells.get("challenge"))
    if challenge is None:
        raise RecordError("the challenge is blank", column="Challenge")
    yield Emit(
        KIND,
        {
            "year": year,
            "challenge": challenge,
            "lead": text(cells.get("lead")),
            "progress": PROGRESS.require(cells.get("progress"), "Progress"),
            "commentary": text(cells.get("commentary")),
        },
    )


def _valid_time(record: ChallengeProgress) -> ValidTime:
    return parse_period(record.year, "Year")


SOURCE = Source(
    name="trust-board",
    title="Children and Families Trust Board annual report",
    provider="Leeds Children and Families Trust Board",
    kinds=(
        RecordKind(
            name=KIND,
            model=ChallengeProgress,
            key=lambda r: f"{r.year}|{r.challenge}",
            valid_time=_valid_time,
            # A file holds the whole report for each year in it.
            mode="snapshot",
            snapshot_scope=lambda r: r.year,
            description="Progress against one challenge the Trust Board set, for one year.",
        ),
    ),
    inputs=InputOptions(
        formats=("csv", "xlsx"),
        columns=Columns(
            variants={
                "year": ("Year", "Reporting year"),
                "challenge": ("Challenge",),
                "lead": ("Lead", "Lead partner"),
                "progress": ("Progress", "Progress rating"),
                "commentary": ("Commentary", "Comments"),
            },
            required=("year", "challenge", "progress"),
        ),
    ),
    map_row=_map_row,
    samples=Path(__file__).resolve().parent / "samples" / "trust-board",
    cadence="P1Y",
    description=(
        "The Children and Families Trust Board's annual report: for each challenge it set the "
        "partnership, a progress rating (achieved, on track, some progress, not started) and "
        "the story behind it."
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(SOURCE)
