"""Suppression as data, with secondary suppression: property tests try random tables and find
that no small count of people can be worked out by differencing what is published."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from differencing import derivable
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lif_app.web.report import RAGS, WITHHELD, Suppression, _actions
from lif_app.web.suppression import TOTAL, CountTable, load_rules, protect
from lif_core.errors import ConfigError

RULES = load_rules()
# Small counts are likely, so most tables have something to protect.
COUNT = st.one_of(st.integers(0, 6), st.integers(0, 40))


@st.composite
def tables(draw: st.DrawFn) -> tuple[CountTable, dict[tuple[Any, Any], int]]:
    """A random table of counts of people, its totals, and which of the totals are published."""
    rows = [f"r{i}" for i in range(draw(st.integers(1, 4)))]
    columns = [f"c{j}" for j in range(draw(st.integers(1, 4)))]
    true = {(r, c): draw(COUNT) for r in rows for c in columns}
    for r in rows:
        true[(r, TOTAL)] = sum(true[(r, c)] for c in columns)
    for c in columns:
        true[(TOTAL, c)] = sum(true[(r, c)] for r in rows)
    true[(TOTAL, TOTAL)] = sum(true[(r, c)] for r in rows for c in columns)
    row_totals, column_totals, grand = draw(st.booleans()), draw(st.booleans()), draw(st.booleans())
    published = {
        key: value
        for key, value in true.items()
        if (key[0] != TOTAL and key[1] != TOTAL)
        or (key[1] == TOTAL and key[0] != TOTAL and row_totals)
        or (key[0] == TOTAL and key[1] != TOTAL and column_totals)
        or (key == (TOTAL, TOTAL) and grand)
    }
    return CountTable(tuple(rows), tuple(columns), published), true


def _equations(table: CountTable) -> list[tuple[list[Any], Any]]:
    rows, columns = table.rows, table.columns
    equations = [([(r, c) for c in columns], (r, TOTAL)) for r in rows]
    equations += [([(r, c) for r in rows], (TOTAL, c)) for c in columns]
    equations.append(([(r, TOTAL) for r in rows], (TOTAL, TOTAL)))
    return equations


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_suppressed_count_can_be_derived_from_the_published_cells_and_totals(
    drawn: tuple[CountTable, dict[tuple[Any, Any], int]],
) -> None:
    table, true = drawn
    hidden = protect(table, RULES)
    small = {k for k, v in table.cells.items() if 0 < v < RULES.threshold}
    assert small <= hidden, "every small count of people is hidden"
    assert all(table.cells[k] >= 0 for k in hidden)
    known = {k: v for k, v in table.cells.items() if k not in hidden}
    # What is published is true: nothing is rounded or perturbed.
    assert all(true[k] == v for k, v in known.items())
    assert not (derivable(_equations(table), known) & small)


def test_the_issues_example_hides_a_second_year_so_the_total_gives_nothing_away() -> None:
    """12 children in 2025 and 14 in all would reveal 2 in 2024 (14 - 12): 2024 is hidden as
    fewer than 5, and so is 2025 (the other cell of the row), so the total gives nothing."""
    table = CountTable(
        ("children",),
        ("2024", "2025"),
        {("children", "2024"): 2, ("children", "2025"): 12, ("children", TOTAL): 14},
    )
    assert protect(table, RULES) == {("children", "2024"), ("children", "2025")}


def test_zero_is_shown_and_a_table_without_small_counts_is_published_whole() -> None:
    table = CountTable(
        ("a", "b"),
        ("x", "y"),
        {("a", "x"): 0, ("a", "y"): 9, ("b", "x"): 7, ("b", "y"): 12, ("a", TOTAL): 9},
    )
    assert protect(table, RULES) == set()


ACTION_ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "owner_agency": st.sampled_from(["Police", "Health", "Council", "Schools"]),
            "rag": st.sampled_from([*RAGS, None]),  # None: cancelled
            "overdue": st.sampled_from([0, 1]),
        }
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(ACTION_ROWS)
def test_actions_by_agency_are_published_as_counted_when_actions_are_not_people(
    rows: list[dict[str, Any]],
) -> None:
    published = _actions(rows, Suppression(RULES))
    for line in published:
        mine = [r for r in rows if r["owner_agency"] == line["agency"]]
        assert line["total"] == len(mine)
        for rag in RAGS:
            assert line[rag] == sum(1 for r in mine if r["rag"] == rag)


@settings(max_examples=200, deadline=None)
@given(ACTION_ROWS)
def test_with_rules_that_count_actions_as_people_none_can_be_derived_from_the_report_table(
    rows: list[dict[str, Any]],
) -> None:
    """The report's own table, as published in data.json: RAG columns and each agency's total
    (cancelled actions are in the total only). No small count can be worked out from it."""
    rules = RULES.model_copy(update={"tables": {**RULES.tables, "actions_by_agency": "children"}})
    published = _actions(rows, Suppression(rules))
    known: dict[Any, int] = {}
    small = set()
    equations = []
    for line in published:
        agency = line["agency"]
        mine = [r for r in rows if r["owner_agency"] == agency]
        cells = [(agency, rag) for rag in (*RAGS, "cancelled")]
        equations.append((cells, (agency, "total")))
        for key in (*RAGS, "total"):
            value = line[key]
            true = len(mine) if key == "total" else sum(1 for r in mine if r["rag"] == key)
            if isinstance(value, int):
                assert value == true
                known[(agency, key)] = value
            else:
                assert value in (f"fewer than {rules.threshold}", WITHHELD)
                assert (value == WITHHELD) == (not 0 < true < rules.threshold)
            if 0 < true < rules.threshold:
                small.add((agency, key))
    assert not (derivable(equations, known) & small)


def test_the_rules_are_data_a_partnership_can_change(tmp_path: Path) -> None:
    rules = load_rules()
    assert rules.measure_subject("MEA-CPP-REPEAT", "Children on a child protection plan") == (
        "children"
    )
    assert rules.measure_subject("MEA-LEARNING-SHARED", "Times learning was shared") is None
    assert not rules.table_counts_people("actions_by_agency")
    mine = tmp_path / "rules.toml"
    mine.write_text('threshold = 10\n[measures]\nMEA-LEARNING-SHARED = "families"\n')
    changed = load_rules(mine)
    assert changed.threshold == 10 and changed.people == rules.people
    assert changed.measure_counts_people("MEA-LEARNING-SHARED", "Times learning was shared")
    bad = tmp_path / "bad.toml"
    bad.write_text("threshold = 0\n")
    with pytest.raises(ConfigError, match="threshold"):
        load_rules(bad)


def test_primary_suppression_alone_is_undone_by_differencing() -> None:
    """The check the property tests rely on finds the issue's leak: 14 - 12 = 2."""
    equations = [([("children", "2024"), ("children", "2025")], ("children", TOTAL))]
    known = {("children", "2025"): 12, ("children", TOTAL): 14}
    assert derivable(equations, known) == {("children", "2024")}
