"""Slugs: one style for stored words, and the older spellings read as the same slug."""

from __future__ import annotations

import pytest

from lif_core.plugins import grade_slug, slug


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("West Yorkshire Police", "west-yorkshire-police"),
        ("HMP/YOI Wetherby", "hmp-yoi-wetherby"),
        (" 1.1 Governance and leadership ", "1-1-governance-and-leadership"),
        ("requires-improvement", "requires-improvement"),
    ],
)
def test_a_slug_is_lower_case_words_joined_by_hyphens(name: str, expected: str) -> None:
    assert slug(name) == expected


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("requires_improvement", "requires-improvement"),
        ("Requires improvement", "requires-improvement"),
        ("requires-improvement", "requires-improvement"),
        (" NOT_MET_with_actions ", "not-met-with-actions"),
    ],
)
def test_every_spelling_of_a_stored_grade_reads_as_its_slug(stored: str, expected: str) -> None:
    assert grade_slug(stored) == expected


@pytest.mark.parametrize("blank", [None, "", "  ", "_"])
def test_a_blank_grade_is_none(blank: object) -> None:
    assert grade_slug(blank) is None
