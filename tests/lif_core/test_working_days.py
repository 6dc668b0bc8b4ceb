"""Working days in England and Wales, counted by hand across bank holidays."""

from __future__ import annotations

from datetime import date

import pytest

from lif_core.domain.working_days import (
    add_months,
    add_working_days,
    bank_holidays,
    working_days_between,
)
from lif_core.errors import ConfigError


def test_five_working_days_after_a_monday_before_christmas_cross_three_bank_holidays() -> None:
    # Mon 23 Dec 2024 is day 0. Tue 24 (1); Wed 25 Christmas Day and Thu 26 Boxing Day are bank
    # holidays; Fri 27 (2); Sat 28, Sun 29 weekend; Mon 30 (3); Tue 31 (4); Wed 1 Jan New
    # Year's Day; Thu 2 Jan (5).
    assert add_working_days(date(2024, 12, 23), 5) == date(2025, 1, 2)
    # ... and Fri 3 Jan (6), Mon 6 Jan (7).
    assert working_days_between(date(2024, 12, 23), date(2025, 1, 6)) == 7


def test_easter_takes_good_friday_and_easter_monday_out() -> None:
    # Thu 28 Mar 2024 is day 0. Good Friday 29 Mar and Easter Monday 1 Apr are bank holidays:
    # Tue 2 Apr (1), Wed 3 (2), Thu 4 (3), Fri 5 (4), Mon 8 (5).
    assert add_working_days(date(2024, 3, 28), 5) == date(2024, 4, 8)
    # 15 working days after Mon 6 Jan 2025 (no bank holiday): 7-10 Jan (4), 13-17 (9),
    # 20-24 (14), Mon 27 Jan (15).
    assert add_working_days(date(2025, 1, 6), 15) == date(2025, 1, 27)


def test_one_off_bank_holidays_are_known() -> None:
    days = bank_holidays()
    assert days[date(2022, 9, 19)] == "State Funeral of Queen Elizabeth II"
    assert days[date(2023, 5, 8)] == "Coronation of Charles III"
    # Christmas 2022 fell on a Sunday: the substitute day, Tue 27 Dec, is the holiday.
    assert date(2022, 12, 27) in days and date(2022, 12, 25) not in days
    # Fri 16 Sep 2022 is day 0: Mon 19 is the funeral; Tue 20 (1).
    assert add_working_days(date(2022, 9, 16), 1) == date(2022, 9, 20)


def test_counting_backwards_and_on_the_same_day() -> None:
    assert working_days_between(date(2025, 1, 6), date(2025, 1, 6)) == 0
    assert working_days_between(date(2025, 1, 6), date(2024, 12, 23)) == -7


def test_months_keep_the_day_or_take_the_months_last() -> None:
    assert add_months(date(2024, 3, 20), 6) == date(2024, 9, 20)
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)  # a leap year
    assert add_months(date(2024, 12, 15), 1) == date(2025, 1, 15)


def test_a_year_with_no_known_bank_holidays_is_refused_not_guessed(tmp_path, monkeypatch) -> None:
    with pytest.raises(ConfigError, match="outside the years whose bank holidays are known"):
        add_working_days(date(2031, 1, 2), 3)
    more = tmp_path / "holidays.json"
    more.write_text('{"dates": {"2031-01-01": "New Year\'s Day"}}')
    monkeypatch.setenv("LIF_BANK_HOLIDAYS", str(more))
    # Thu 2 Jan 2031 is day 0: Fri 3 (1), Mon 6 (2), Tue 7 (3).
    assert add_working_days(date(2031, 1, 2), 3) == date(2031, 1, 7)
