"""One count of actions for every read model that counts them (learning, partners, reviews, plans)."""

from __future__ import annotations

from lif_core.domain.partner import Directory
from projections.action_status import ActionCounts, action_counts
from projections.partners import resolved


def _row(status: str, overdue: bool = False) -> dict[str, object]:
    return {"status": status, "overdue": overdue}


def test_open_means_open_or_in_progress_and_complete_means_completed_verified_or_not():
    rows = [
        _row("open", overdue=True),
        _row("in-progress"),
        _row("in-progress", overdue=True),
        _row("completed"),
        _row("impact-verified"),
        _row("cancelled"),
    ]

    # By hand: 6 rows; open = open + 2 in-progress = 3; overdue = rows 1 and 3 = 2;
    # complete = completed + impact-verified = 2; impact verified = 1; cancelled counts in total only.
    assert action_counts(rows) == ActionCounts(
        total=6, open=3, overdue=2, complete=2, impact_verified=1
    )


def test_no_actions_count_as_zero_and_a_generator_is_read_once():
    assert action_counts([]) == ActionCounts(0, 0, 0, 0, 0)
    # Two rows from a generator: both counted, though it can be iterated only once.
    assert action_counts(_row(s) for s in ("open", "completed")) == ActionCounts(2, 1, 0, 1, 0)


def test_an_agency_name_resolves_to_the_short_and_full_names_of_its_partners():
    found = Directory()
    found.add("LCH", "Leeds Community Healthcare NHS Trust", ["Community Healthcare"])
    found.add("LTHT", "Leeds Teaching Hospitals NHS Trust", [])

    assert resolved(found, "Community Healthcare") == (
        "LCH",
        "Leeds Community Healthcare NHS Trust",
    )
    # A shared owner: each part resolves, in the order written, joined by '; '.
    assert resolved(found, "leeds teaching hospitals nhs trust; LCH") == (
        "LTHT; LCH",
        "Leeds Teaching Hospitals NHS Trust; Leeds Community Healthcare NHS Trust",
    )
    # One part that resolves to no partner: the whole name is unresolved.
    assert resolved(found, "LCH; Nobody We Know") == (None, None)
    assert resolved(found, "Nobody We Know") == (None, None)
    assert resolved(found, None) == (None, None)
