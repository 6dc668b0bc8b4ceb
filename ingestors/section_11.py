"""Source plugin for Section 11 self-assessments, and the RAG-rated standards layout Section 175 shares.

Section 11 of the Children Act 2004 puts a duty on statutory partners to safeguard and promote
the welfare of children; each one rates itself against the partnership's standards every
return. One row per agency, return year and standard: a RAG rating (Red, Amber, Green; Grey =
not applicable), the evidence and the actions. Layout and rules: docs/sources/section-11.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ingestors._fields import parse_period, read_period, text
from ingestors._vocabulary import Vocabulary
from lif_core.plugins import (
    ActionDeclaration,
    Columns,
    Emit,
    InputOptions,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
    slug,
)
from lif_core.plugins.loop import Pick, pick

__all__ = [
    "KIND",
    "RAG",
    "RATING_COLUMNS",
    "SAMPLES",
    "SOURCE",
    "STANDARDS",
    "RatedStandard",
    "Section11Rating",
    "Standards",
    "register_sources",
    "standard_actions",
]

SAMPLES = Path(__file__).resolve().parent / "samples"
KIND = "standard-rating"

RAG = Vocabulary(
    "RAG rating",
    {
        "Red": ("R",),
        "Amber": ("A",),
        "Green": ("G",),
        "Grey": ("Gray", "Not applicable", "N/A", "NA"),
    },
)
# A standard not yet met must come with what will be done about it.
_NEEDS_ACTIONS = frozenset({"Red", "Amber"})


class Standards:
    """A self-assessment's numbered standards, read from a number, 'Standard 3', '3. Name' or a name."""

    __slots__ = ("names", "vocabulary")

    def __init__(self, what: str, standards: Sequence[tuple[str, tuple[str, ...]]]) -> None:
        self.names = tuple(name for name, _ in standards)
        terms: dict[str, tuple[str, ...]] = {}
        for number, (name, aliases) in enumerate(standards, start=1):
            terms[name] = (
                str(number),
                f"standard {number}",
                f"{number}. {name}",
                f"{number} {name}",
                *aliases,
            )
        self.vocabulary = Vocabulary(what, terms)

    def read(self, value: Any, column: str) -> tuple[int, str]:
        """(number, name) of the standard a cell names."""
        name = self.vocabulary.require(value, column)
        return self.names.index(name) + 1, name


STANDARDS = Standards(
    "section 11 standard",
    (
        ("Senior commitment", ("Senior management commitment",)),
        ("Clear responsibilities", ("Clear statement of responsibilities",)),
        ("Accountability", ("Clear line of accountability",)),
        (
            "Children's views",
            ("Voice of the child", "Service development informed by children's views"),
        ),
        ("Training", ("Safeguarding training",)),
        ("Safer recruitment", ("Safe recruitment",)),
        ("Inter-agency working", ("Multi-agency working",)),
        ("Information sharing", ()),
    ),
)


class RatedStandard(BaseModel):
    """One standard of a self-assessment, rated, with its evidence and actions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    standard_number: int = Field(
        ge=1, description="The standard's number in the self-assessment tool."
    )
    standard: str = Field(description="The standard's name, e.g. 'Safer recruitment'.")
    rag: str = Field(description="Red, Amber, Green, or Grey when the standard does not apply.")
    evidence: str | None = Field(default=None, description="The evidence given for the rating.")
    actions: str | None = Field(
        default=None,
        description="What will be done to meet the standard (required for Red and Amber).",
    )


class Section11Rating(RatedStandard):
    """One standard of one agency's Section 11 return."""

    agency: str = Field(
        description="The statutory partner rating itself, e.g. 'West Yorkshire Police'."
    )
    return_year: str = Field(
        description="The year of the return: a financial year '2024-25' or a calendar year '2024'."
    )


RATING_COLUMNS: dict[str, tuple[str, ...]] = {
    "standard": ("Standard",),
    "rag": ("RAG", "RAG rating", "Rating"),
    "evidence": ("Evidence",),
    "actions": ("Actions", "Action plan"),
}


def rating_fields(row: Row, standards: Standards) -> dict[str, Any]:
    """The rating part of a row: the standard, its RAG rating, evidence and actions."""
    cells = row.values
    number, name = standards.read(cells.get("standard"), "Standard")
    rag = RAG.require(cells.get("rag"), "RAG")
    actions = text(cells.get("actions"))
    if rag in _NEEDS_ACTIONS and actions is None:
        raise RecordError(
            f"a standard rated {rag} needs the actions that will meet it", column="Actions"
        )
    return {
        "standard_number": number,
        "standard": name,
        "rag": rag,
        "evidence": text(cells.get("evidence")),
        "actions": actions,
    }


def required_text(value: Any, column: str) -> str:
    """A text cell that must not be blank."""
    result = text(value)
    if result is None:
        raise RecordError(f"the {column.lower()} is blank", column=column)
    return result


def _map_row(row: Row) -> Iterator[Emit]:
    year, _ = read_period(row.values.get("return_year"), "Return year", ("financial year", "year"))
    yield Emit(
        KIND,
        {
            "agency": required_text(row.values.get("agency"), "Agency"),
            "return_year": year,
            **rating_fields(row, STANDARDS),
        },
    )


def _valid_time(record: Section11Rating) -> ValidTime:
    return parse_period(record.return_year, "Return year")


def standard_actions(reference: Pick, owner: str) -> ActionDeclaration:
    """A Red or Amber standard's actions are an action its owner owns: no due date and no
    status (open until a decision, or a later return, says otherwise)."""
    return ActionDeclaration(
        reference=lambda a: str(pick(reference, a)).upper(),
        description="actions",
        owner=owner,
        applies=lambda a: (
            str(a.get("rag") or "").casefold() in ("red", "amber") and bool(a.get("actions"))
        ),
    )


SOURCE = Source(
    name="section-11",
    title="Section 11 self-assessments",
    provider="Statutory partners (Children Act 2004, section 11)",
    kinds=(
        RecordKind(
            name=KIND,
            agency_fields=("agency",),
            model=Section11Rating,
            key=lambda r: f"{r.return_year}|{r.agency}|{r.standard_number}",
            valid_time=_valid_time,
            # A file holds each agency's whole return for the year: a standard dropped from a
            # resubmitted return is withdrawn.
            mode="snapshot",
            snapshot_scope=lambda r: f"{r.return_year}|{r.agency}",
            description="One standard of one agency's Section 11 return: its RAG rating, evidence and actions.",
            actions=standard_actions(
                lambda a: f"S11-{a['return_year']}-{slug(a['agency'])}-{a['standard_number']}",
                owner="agency",
            ),
        ),
    ),
    inputs=InputOptions(
        formats=("csv", "xlsx"),
        columns=Columns(
            variants={
                "agency": ("Agency", "Organisation"),
                "return_year": ("Return year", "Year"),
                **RATING_COLUMNS,
            },
            required=("agency", "return_year", "standard", "rag"),
        ),
    ),
    map_row=_map_row,
    samples=SAMPLES / "section-11",
    cadence="P2Y",
    description=(
        "Statutory partners' Section 11 self-assessments: each agency rates itself Red, Amber or "
        "Green (Grey = not applicable) against the eight standards (senior commitment, clear "
        "responsibilities, accountability, children's views, training, safer recruitment, "
        "inter-agency working, information sharing), with its evidence and actions."
    ),
)


@hookimpl
def register_sources(register: Callable[[Source], None]) -> None:
    register(SOURCE)
