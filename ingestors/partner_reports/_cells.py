"""Cell readers the shared ``ingestors._fields`` lacks: closed vocabularies, period labels, suppressed figures.

Built on ``ingestors._fields`` and ``ingestors._suppression``, never beside them. The partner
reports and the partnership's own returns (audits, section 11/175, complaints, training, trust
board) share them; they are candidates to move into ``ingestors._fields``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import PlainSerializer

from ingestors._fields import blank, parse_decimal, parse_int, parse_period
from ingestors._suppression import is_suppressed
from lif_core.plugins import RecordError, ValidTime

__all__ = [
    "Number",
    "Published",
    "Vocabulary",
    "period_shape",
    "published_number",
    "read_period",
]


def _fold(value: Any) -> str:
    return " ".join(str(value).replace("\u2019", "'").replace("\u2013", "-").split()).casefold()


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The closed list of words a column may hold: canonical spelling -> accepted aliases.

    Matching ignores case, repeated blanks, curly apostrophes and en dashes. ``what`` names
    the word in messages ("grade", "RAG rating").
    """

    what: str
    terms: Mapping[str, Sequence[str]]
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        for canonical, aliases in self.terms.items():
            for spelling in (canonical, *aliases):
                folded = _fold(spelling)
                if lookup.get(folded, canonical) != canonical:
                    raise ValueError(f"{self.what}: {spelling!r} is an alias of two terms")
                lookup[folded] = canonical
        object.__setattr__(self, "_lookup", lookup)

    def read(self, value: Any, column: str) -> str | None:
        """The canonical term, None when the cell is blank; an unknown word is refused."""
        if value is not None and _fold(value) in self._lookup:
            return self._lookup[_fold(value)]
        if blank(value):
            return None
        raw = " ".join(str(value).split())
        raise RecordError(
            f"{raw!r} is not a known {self.what}; expected one of: {', '.join(self.terms)}",
            column=column,
            value=raw,
        )

    def require(self, value: Any, column: str) -> str:
        """The canonical term; a blank cell is refused too."""
        term = self.read(value, column)
        if term is None:
            raise RecordError(
                f"the {self.what} is blank; expected one of: {', '.join(self.terms)}", column=column
            )
        return term


# --- periods --------------------------------------------------------------------------------


def _month_end(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1) - timedelta(days=1)


def period_shape(valid: ValidTime) -> tuple[str, str]:
    """(shape, canonical label) of a period ``parse_period`` read.

    Shapes: ``financial year`` ('2024-25'), ``year`` ('2024'), ``quarter`` ('2024-Q3'),
    ``month`` ('2024-06'), ``day`` ('2024-06-12').
    """
    start, end = valid.valid_from, valid.valid_to
    if end is None or end == start:
        return "day", start.isoformat()
    if start.day == 1 and start.month == 4 and end == date(start.year + 1, 3, 31):
        return "financial year", f"{start.year}-{(start.year + 1) % 100:02d}"
    if start.day == 1 and start.month == 1 and end == date(start.year, 12, 31):
        return "year", str(start.year)
    if (
        start.day == 1
        and start.month % 3 == 1
        and end == _month_end(date(start.year, start.month + 2, 1))
    ):
        return "quarter", f"{start.year}-Q{start.month // 3 + 1}"
    if start.day == 1 and end == _month_end(start):
        return "month", f"{start.year}-{start.month:02d}"
    return "period", f"{start.isoformat()}/{end.isoformat()}"


_EXAMPLES = {
    "financial year": "2024-25",
    "year": "2024",
    "quarter": "2024-Q3",
    "month": "2024-06",
    "day": "2024-06-12",
}


def read_period(value: Any, column: str, shapes: Iterable[str]) -> tuple[str, ValidTime]:
    """(canonical label, valid time) of a period cell, refused unless it has one of ``shapes``."""
    valid = parse_period(value, column)
    shape, label = period_shape(valid)
    allowed = tuple(shapes)
    if shape not in allowed:
        wanted = " or ".join(f"a {s} like {_EXAMPLES[s]!r}" for s in allowed)
        raise RecordError(
            f"{value!r} is a {shape}; this column takes {wanted}", column=column, value=value
        )
    return label, valid


# --- published figures -----------------------------------------------------------------------


def _json_number(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


Number = Annotated[Decimal, PlainSerializer(_json_number, when_used="json")]
"""A decimal read exactly, written to JSON as a number (not pydantic's default string)."""


@dataclass(frozen=True, slots=True)
class Published:
    """A figure as a report published it: the number, or ``suppressed`` with no number."""

    number: int | Decimal | None
    suppressed: bool

    @property
    def given(self) -> bool:
        return self.suppressed or self.number is not None


def published_number(value: Any, column: str, *, whole: bool) -> Published:
    """A non-negative figure, blank, or a suppression marker (kept as suppressed, never zero)."""
    if is_suppressed(value):
        return Published(None, True)
    number: int | Decimal | None = (
        parse_int(value, column) if whole else parse_decimal(value, column)
    )
    if number is not None and number < 0:
        raise RecordError(
            f"{value!r} is negative; this figure cannot be", column=column, value=value
        )
    return Published(number, False)
