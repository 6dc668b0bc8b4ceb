"""Source plugin for a police force's quarterly safeguarding referrals about children.

West Yorkshire Police shares with the partnership, each quarter, how many safeguarding
referrals about children it made in each of the five districts, by referral type, and how
many of those went to children's social care. One CSV (or XLSX) per quarter::

    West Yorkshire Police - safeguarding referrals concerning children, 2024-25 Q1
    Quarter,District,Referral type,Referrals,Of which to children's social care
    2024-25 Q1,Bradford,Domestic abuse,412,268
    ...

Quarters are financial-year quarters (Q1 is April to June). One record per quarter, district
and referral type; a republished quarter revises its figures. Counts only: the figures
identify no child.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lif_core.plugins import (
    Columns,
    Dimension,
    Emit,
    Finding,
    InputOptions,
    Measurable,
    MeasureDeclaration,
    RecordError,
    RecordKind,
    Row,
    Source,
    hookimpl,
    quarter_period,
)

__all__ = ["SOURCE", "QuarterlyReferrals", "register_sources"]

District = Literal["bradford", "calderdale", "kirklees", "leeds", "wakefield"]
ReferralType = Literal[
    "child-concern", "domestic-abuse", "missing-child", "exploitation", "online-abuse"
]

_DISTRICTS: dict[str, District] = {
    "bradford": "bradford",
    "calderdale": "calderdale",
    "kirklees": "kirklees",
    "leeds": "leeds",
    "wakefield": "wakefield",
}
_REFERRAL_TYPES: dict[str, ReferralType] = {
    "child concern": "child-concern",
    "child protection concern": "child-concern",
    "domestic abuse": "domestic-abuse",
    "domestic abuse (child present)": "domestic-abuse",
    "missing child": "missing-child",
    "missing from home or care": "missing-child",
    "exploitation": "exploitation",
    "child exploitation (sexual or criminal)": "exploitation",
    "online abuse": "online-abuse",
    "online child abuse": "online-abuse",
}


class QuarterlyReferrals(BaseModel):
    """Safeguarding referrals about children the force made in one district in one quarter."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    quarter: str = Field(
        description="Financial-year quarter, e.g. '2024-25 Q1' (Q1 is April to June 2024)."
    )
    district: District = Field(
        description="West Yorkshire district the referrals were made in, e.g. 'kirklees'."
    )
    referral_type: ReferralType = Field(
        description=(
            "What the referral was about: child-concern, domestic-abuse (a child present), "
            "missing-child, exploitation (sexual or criminal) or online-abuse."
        )
    )
    referrals: int = Field(ge=0, description="Referrals made in the quarter.")
    to_childrens_social_care: int = Field(
        ge=0,
        description="Of those referrals, how many were passed to children's social care.",
    )

    @model_validator(mode="after")
    def _part_of_the_whole(self) -> QuarterlyReferrals:
        if self.to_childrens_social_care > self.referrals:
            raise ValueError(
                f"{self.to_childrens_social_care} referrals to children's social care is more "
                f"than the {self.referrals} referrals made"
            )
        return self


def _count(row: Row, column: str) -> int:
    value = row.values.get(column)
    if value is None:
        raise RecordError("the count is blank", column=column)
    text = str(value).replace(",", "").strip()
    if not text.lstrip("-").isdigit():
        raise RecordError(f"{value!r} is not a whole number", column=column, value=value)
    number = int(text)
    if number < 0:
        raise RecordError(f"{number} is negative", column=column, value=value)
    return number


def _lookup(table: dict[str, Any], row: Row, column: str, what: str) -> Any:
    value = row.values.get(column)
    if value is None:
        raise RecordError(f"the {what} is blank", column=column)
    found = table.get(" ".join(str(value).split()).casefold())
    if found is None:
        known = ", ".join(sorted(set(table.values())))
        raise RecordError(f"{value!r} is not a {what} ({known})", column=column, value=value)
    return found


def map_row(row: Row) -> list[Emit]:
    """One row of the quarterly return -> one :class:`QuarterlyReferrals` record."""
    quarter, _ = quarter_period(str(row.values.get("quarter") or ""))
    referrals = _count(row, "referrals")
    to_csc = _count(row, "to_childrens_social_care")
    if to_csc > referrals:
        raise RecordError(
            f"{to_csc} referrals to children's social care is more than the {referrals} "
            "referrals made",
            column="to_childrens_social_care",
            value=to_csc,
        )
    fields = {
        "quarter": quarter,
        "district": _lookup(_DISTRICTS, row, "district", "West Yorkshire district"),
        "referral_type": _lookup(_REFERRAL_TYPES, row, "referral_type", "referral type"),
        "referrals": referrals,
        "to_childrens_social_care": to_csc,
    }
    return [Emit("quarterly-referrals", fields)]


SOURCE = Source(
    name="wyp-referrals",
    title="Police safeguarding referrals about children, quarterly",
    provider="West Yorkshire Police",
    kinds=(
        RecordKind(
            name="quarterly-referrals",
            model=QuarterlyReferrals,
            key=lambda r: f"{r.quarter}/{r.district}/{r.referral_type}",
            valid_time=lambda r: quarter_period(r.quarter)[1],
            mode="append",
            description="Referrals in one quarter, district and referral type.",
            # What the figures mean for the learning loop (docs/plugins.md, "Taking part in the
            # learning loop"): both counts can be measured; district and referral type break
            # them down (no total rows: a measure that names neither adds them all up).
            measures=MeasureDeclaration(
                values=(
                    Measurable("referrals", unit="count", aggregate="sum"),
                    Measurable("to_childrens_social_care", unit="count", aggregate="sum"),
                ),
                dimensions=(
                    Dimension("district", description="The West Yorkshire district."),
                    Dimension("referral_type", description="What the referral was about."),
                ),
            ),
            # A rise of a quarter or more from one quarter to the next, in one district and
            # referral type, is a finding the partnership should look at.
            findings=(
                Finding(
                    rule="wyp-referrals-rise",
                    rise=1.25,
                    value="referrals",
                    series=lambda a: f"{a['district']}/{a['referral_type']}",
                    text=lambda a: (
                        f"{a['referral_type']} referrals in {a['district']} rose from "
                        f"{a['previous']['referrals']} ({a['previous']['quarter']}) to "
                        f"{a['referrals']} ({a['quarter']})"
                    ),
                    themes="referral_type",
                    responds=lambda a: "West Yorkshire Police",
                ),
            ),
        ),
    ),
    inputs=InputOptions(
        formats=("csv", "xlsx"),
        columns=Columns(
            variants={
                "quarter": ("Quarter", "Period"),
                "district": ("District", "Local authority", "Policing district"),
                "referral_type": ("Referral type", "Type of referral", "Category"),
                "referrals": ("Referrals", "Number of referrals", "Total referrals"),
                "to_childrens_social_care": (
                    "Of which to children's social care",
                    "Of which to CSC",
                    "Referred to children's social care",
                ),
            },
            required=(
                "quarter",
                "district",
                "referral_type",
                "referrals",
                "to_childrens_social_care",
            ),
        ),
    ),
    map_row=map_row,
    samples=Path(__file__).parent / "samples",
    cadence="P3M",
    description=(
        "Quarterly counts of the safeguarding referrals about children West Yorkshire Police "
        "made in Bradford, Calderdale, Kirklees, Leeds and Wakefield, by referral type, and "
        "how many went to children's social care."
    ),
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
