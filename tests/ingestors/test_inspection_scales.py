"""The inspectorates' scales: every documented word maps, anything else is rejected by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestors import _inspection_scales as scales
from ingestors import hmicfrs, jtai, ofsted_early_years, other_inspections
from ingestors._inspection_scales import Level, Scale, key_part, leave_blank
from lif_core.plugins import RecordError

ALL_SCALES = [value for value in vars(scales).values() if isinstance(value, Scale)]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "sources"

# Which scales each source's documentation must lay out in full.
DOCUMENTED = {
    "ofsted-schools": [scales.OFSTED_FOUR_POINT, scales.REPORT_CARD, scales.SAFEGUARDING_EFFECTIVE, scales.SAFEGUARDING_MET],
    "ofsted-early-years": [scales.EARLY_YEARS_OUTCOME, scales.SAFEGUARDING_EFFECTIVE, scales.SAFEGUARDING_MET,
                           ofsted_early_years.PROVIDER_TYPES],
    "hmicfrs": [scales.HMICFRS_FIVE_POINT, scales.RECOMMENDATION_STATUS, hmicfrs.ORGANISATION_TYPES,
                hmicfrs.ENTRY_TYPES],
    "jtai": [jtai.THEMES, jtai.INSPECTORATES, jtai.ENTRY_TYPES, scales.ACTION_STATUS],
    "other-inspections": [scales.HMI_PROBATION_FOUR_POINT, scales.HMI_PRISONS_HEALTHY_PRISON,
                          scales.RECOMMENDATION_STATUS, other_inspections.INSPECTORATES,
                          other_inspections.ENTRY_TYPES],
}  # fmt: skip


def every_word() -> list[tuple[Scale, Level, str]]:
    return [
        (scale, level, word)
        for scale in ALL_SCALES
        for level in scale.levels
        for word in (level.label, *level.spellings)
    ]


@pytest.mark.parametrize(
    ("scale", "level", "word"), every_word(), ids=lambda x: getattr(x, "name", None) or str(x)
)
def test_every_documented_word_reads_to_its_level(scale: Scale, level: Level, word: str) -> None:
    reading = scale.read(word, "Grade")
    assert reading is not None
    assert (reading.value, reading.rank, reading.as_published) == (level.value, level.rank, word)


@pytest.mark.parametrize(
    "word", ["  requires   IMPROVEMENT ", "Requires-improvement", "requires_improvement."]
)
def test_case_blanks_hyphens_and_a_full_stop_do_not_matter(word: str) -> None:
    reading = scales.OFSTED_FOUR_POINT.read(word, "Grade")
    assert reading is not None and reading.value == "requires_improvement"


@pytest.mark.parametrize("scale", ALL_SCALES, ids=lambda s: s.name)
def test_an_unknown_word_is_a_record_error_naming_the_value_and_column(scale: Scale) -> None:
    with pytest.raises(RecordError) as caught:
        scale.read("Satisfactory", "Overall effectiveness")
    assert caught.value.column == "Overall effectiveness"
    assert caught.value.value == "Satisfactory"
    assert "'Satisfactory' is not on the" in str(caught.value)
    assert scale.levels[0].label in str(caught.value)


@pytest.mark.parametrize("scale", ALL_SCALES, ids=lambda s: s.name)
def test_ranks_run_from_1_in_order_where_a_scale_is_ordered(scale: Scale) -> None:
    ranks = [level.rank for level in scale.levels if level.rank is not None]
    assert ranks == list(range(1, len(ranks) + 1))
    assert len({level.value for level in scale.levels}) == len(scale.levels)


def test_a_blank_cell_reads_as_nothing_but_require_rejects_it() -> None:
    assert scales.HMICFRS_FIVE_POINT.read("  ", "Grade") is None
    assert scales.HMICFRS_FIVE_POINT.read(None, "Grade") is None
    with pytest.raises(RecordError) as caught:
        scales.HMICFRS_FIVE_POINT.require("", "Grade")
    assert caught.value.column == "Grade"


def test_a_word_naming_two_levels_is_refused_when_the_scale_is_declared() -> None:
    with pytest.raises(ValueError, match="'good' names two levels"):
        Scale("broken", "broken scale", (Level("a", "Good", 1), Level("b", "good", 2)))


def test_good_means_different_levels_on_different_scales() -> None:
    readings = [
        s.read("Good", "Rating")
        for s in (scales.HMI_PRISONS_HEALTHY_PRISON, scales.HMICFRS_FIVE_POINT)
    ]
    assert [r.rank for r in readings if r] == [1, 2]


def test_report_card_words_are_not_on_the_1_to_4_scale_and_back() -> None:
    with pytest.raises(RecordError):
        scales.OFSTED_FOUR_POINT.read("Strong standard", "Quality of education")
    with pytest.raises(RecordError):
        scales.REPORT_CARD.read("2", "Inclusion")


def test_key_part_and_leave_blank() -> None:
    assert key_part("HMP/YOI Wetherby") == "hmp-yoi-wetherby"
    assert key_part(" 1.1 Governance and leadership ") == "1-1-governance-and-leadership"
    leave_blank({"Grade": None, "Status": "  "}, ["Grade", "Status"], "Grade")
    with pytest.raises(RecordError) as caught:
        leave_blank({"Grade": "Good"}, ["Grade"], "Area for improvement")
    assert caught.value.column == "Grade"


@pytest.mark.parametrize("source", sorted(DOCUMENTED))
def test_each_sources_doc_lays_out_its_mappings_in_full(source: str) -> None:
    doc = (DOCS / f"{source}.md").read_text(encoding="utf-8")
    missing = [
        f"{scale.name}: {word!r}"
        for scale in DOCUMENTED[source]
        for level in scale.levels
        for word in (level.label, *level.spellings, level.value)
        if word not in doc
    ]
    assert missing == []
