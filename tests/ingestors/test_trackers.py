"""The inspection trackers' row layout: the entry type decides which columns a row may fill."""

from __future__ import annotations

from datetime import date

import pytest

from ingestors._trackers import TrackerLayout, required_date, status_fields
from ingestors._vocabulary import RECOMMENDATION_STATUS, Level, Scale
from lif_core.plugins import RecordError

ENTRY_TYPES = Scale(
    "entry-type",
    "list of tracker entry types",
    (
        Level("grade", "Grade", None),
        Level("cause-of-concern", "Cause of concern", None),
        Level("area-for-improvement", "Area for improvement", None, ("AFI",)),
    ),
)
FINDING_ONLY = ("Reference", "Status", "Status as at")
LAYOUT = TrackerLayout(
    ENTRY_TYPES,
    {"grade": ("Grade",), "cause-of-concern": FINDING_ONLY, "area-for-improvement": FINDING_ONLY},
)


def test_a_row_may_fill_its_own_columns_and_those_of_no_type() -> None:
    entry = LAYOUT.entry(
        {"Entry type": "AFI", "Reference": "AFI-1", "Status": "Open", "Question": "q"}
    )
    assert (entry.value, entry.as_published) == ("area-for-improvement", "AFI")
    assert LAYOUT.entry({"Entry type": "Grade", "Grade": "Good", "Reference": " "}).value == "grade"


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ({"Entry type": "Grade", "Grade": "Good", "Status": "Open"}, "Status"),
        ({"Entry type": "Cause of concern", "Grade": "Good"}, "Grade"),
    ],
)
def test_a_value_in_a_column_of_another_entry_type_is_refused_not_dropped(row, column) -> None:
    with pytest.raises(RecordError) as caught:
        LAYOUT.entry(row)
    assert caught.value.column == column
    assert "has no place on a row of entry type" in str(caught.value)


def test_a_row_without_a_known_entry_type_is_refused() -> None:
    with pytest.raises(RecordError, match="the value is blank"):
        LAYOUT.entry({"Grade": "Good"})
    with pytest.raises(RecordError, match="'Strength' is not on the list of tracker entry types"):
        LAYOUT.entry({"Entry type": "Strength"})


def test_a_followed_up_entry_carries_its_status_and_the_day_it_was_reviewed() -> None:
    fields = status_fields(
        RECOMMENDATION_STATUS, {"Status": "Ongoing", "Status as at": "31/03/2025"}, "Status"
    )
    assert fields == {
        "status": "in-progress",
        "status_as_published": "Ongoing",
        "status_as_at": date(2025, 3, 31),
    }
    with pytest.raises(RecordError, match="the day the status was last reviewed is needed"):
        status_fields(RECOMMENDATION_STATUS, {"Status": "Open"}, "Status")
    with pytest.raises(RecordError, match="blank: a date is needed"):
        required_date({"Due date": " "}, "Due date")
