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
