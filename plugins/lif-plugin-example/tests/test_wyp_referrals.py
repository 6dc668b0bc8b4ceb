"""The wyp-referrals plugin: the conformance kit, then the rules of this source."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import lif_plugin_example
import pytest
from lif_plugin_example import SOURCE

from lif_core.plugins import ValidTime, quarter_period
from lif_core.testing import ParsedRecord, Rejection, SourceConformance, parse_file

HEADER = "Quarter,District,Referral type,Referrals,Of which to children's social care\n"


class TestTheKitPassesOnTheModule(SourceConformance):
    plugin = lif_plugin_example


class TestTheKitPassesOnTheInstalledEntryPoint(SourceConformance):
    plugin = "wyp-referrals"


def _one(tmp_path: Path, line: str) -> ParsedRecord | Rejection:
    path = tmp_path / "referrals.csv"
    path.write_text(HEADER + line + "\n", encoding="utf-8")
    [item] = parse_file(SOURCE, path)
    return item


@pytest.mark.parametrize(
    ("text", "canonical", "period"),
    [
        ("2024-25 Q1", "2024-25 Q1", ValidTime(date(2024, 4, 1), date(2024, 6, 30))),
        ("2024/25 Q3", "2024-25 Q3", ValidTime(date(2024, 10, 1), date(2024, 12, 31))),
        ("Q4 2024-2025", "2024-25 Q4", ValidTime(date(2025, 1, 1), date(2025, 3, 31))),
        ("2024-25 quarter 2", "2024-25 Q2", ValidTime(date(2024, 7, 1), date(2024, 9, 30))),
    ],
)
def test_financial_year_quarters_in_the_spellings_forces_use(
    text: str, canonical: str, period: ValidTime
) -> None:
    assert quarter_period(text) == (canonical, period)


def test_a_row_becomes_one_record_keyed_by_quarter_district_and_type(tmp_path: Path) -> None:
    item = _one(tmp_path, "2024/25 Q2,Leeds,Missing from home or care,310,101")
    assert isinstance(item, ParsedRecord)
    assert item.record_key == "2024-25 Q2/leeds/missing-child"
    assert item.valid_time == ValidTime(date(2024, 7, 1), date(2024, 9, 30))
    assert item.attributes["to_childrens_social_care"] == 101


def test_more_referrals_to_social_care_than_referrals_is_refused(tmp_path: Path) -> None:
    item = _one(tmp_path, "2024-25 Q2,Leeds,Missing child,10,11")
    assert isinstance(item, Rejection)
    assert item.reasons[0].startswith("column 'to_childrens_social_care': 11 referrals")


ACTIONS_HEADER = "Quarter,Action reference,Action,Owner,Due date,Status,Date completed,Progress\n"


def _action(tmp_path: Path, line: str) -> ParsedRecord | Rejection:
    path = tmp_path / "actions.csv"
    path.write_text(ACTIONS_HEADER + line + "\n", encoding="utf-8")
    [item] = parse_file(SOURCE, path)
    return item


def test_an_agreed_action_is_stated_as_at_the_quarter_s_last_day(tmp_path: Path) -> None:
    item = _action(
        tmp_path,
        "2024/25 Q4,wyp-2025-01,Do it.,West Yorkshire Police,31/01/2025,Completed,20/01/2025,",
    )
    assert isinstance(item, ParsedRecord)
    assert (item.kind, item.record_key) == ("agreed-action", "WYP-2025-01")
    # Q4 of 2024-25 is January to March 2025: the status is as at 31 March 2025
    assert item.valid_time == ValidTime(date(2025, 3, 31))
    assert item.attributes["status"] == "complete"
    assert item.attributes["completed_on"] == "2025-01-20"


def test_a_completion_date_the_return_could_not_know_is_refused(tmp_path: Path) -> None:
    item = _action(
        tmp_path,
        "2024-25 Q3,WYP-2024-09,Do it.,West Yorkshire Police,31/12/2024,Complete,02/01/2025,",
    )
    assert isinstance(item, Rejection)
    assert item.reasons[0] == (
        "column 'completed_on': completed on 2025-01-02, after the quarter ended on 2024-12-31"
    )


def test_a_figures_file_without_a_count_column_says_which_column_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "referrals.csv"
    path.write_text("Quarter,District,Referral type,Referrals\n2024-25 Q1,Leeds,Missing child,3\n")
    [item] = parse_file(SOURCE, path)
    assert isinstance(item, Rejection)
    assert "the header has no 'to_childrens_social_care' column" in item.reasons[0]
