"""The one grade vocabulary: every documented word maps to its slug, anything else is refused by name."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ingestors import _vocabulary as vocabulary
from ingestors import hmicfrs, jtai, ofsted_early_years, other_inspections
from ingestors._vocabulary import (
    CQC_RATING,
    OFSTED_ILACS,
    OFSTED_SOCIAL_CARE,
    OFSTED_SUPPORTED_ACCOMMODATION,
    Level,
    Scale,
    Vocabulary,
    fold,
    slug,
)
from ingestors.ofsted_social_care import SOURCE as SOCIAL_CARE
from lif_core.ingestion.parse import Rejection, parse_file
from lif_core.plugins import RecordError, grade_slug

SHARED_SCALES = [value for value in vars(vocabulary).values() if isinstance(value, Scale)]
SOURCE_SCALES = [
    ofsted_early_years.PROVIDER_TYPES, hmicfrs.ORGANISATION_TYPES, hmicfrs.ENTRY_TYPES, jtai.THEMES,
    jtai.INSPECTORATES, jtai.ENTRY_TYPES, other_inspections.INSPECTORATES, other_inspections.ENTRY_TYPES,
]  # fmt: skip
ALL_SCALES = SHARED_SCALES + SOURCE_SCALES
DOCS = Path(__file__).resolve().parents[2] / "docs" / "sources"

# Which scales each source's documentation must lay out in full.
DOCUMENTED = {
    "ofsted-schools": [vocabulary.OFSTED_FOUR_POINT, vocabulary.REPORT_CARD, vocabulary.SAFEGUARDING_EFFECTIVE,
                       vocabulary.SAFEGUARDING_MET],
    "ofsted-early-years": [vocabulary.EARLY_YEARS_OUTCOME, vocabulary.SAFEGUARDING_EFFECTIVE,
                           vocabulary.SAFEGUARDING_MET, ofsted_early_years.PROVIDER_TYPES],
    "hmicfrs": [vocabulary.HMICFRS_FIVE_POINT, vocabulary.RECOMMENDATION_STATUS, hmicfrs.ORGANISATION_TYPES,
                hmicfrs.ENTRY_TYPES],
    "jtai": [jtai.THEMES, jtai.INSPECTORATES, jtai.ENTRY_TYPES, vocabulary.ACTION_STATUS],
    "other-inspections": [vocabulary.HMI_PROBATION_FOUR_POINT, vocabulary.HMI_PRISONS_HEALTHY_PRISON,
                          vocabulary.RECOMMENDATION_STATUS, other_inspections.INSPECTORATES,
                          other_inspections.ENTRY_TYPES],
}  # fmt: skip

# (scale, where it is published, wording as published, slug): the grade wordings of each
# inspectorate and era, one line per mapping, as the real files hold them.
MAPPINGS = [
    (OFSTED_SOCIAL_CARE, "2015-2025", "Outstanding", "outstanding"),
    (OFSTED_SOCIAL_CARE, "2015-2025", "Good", "good"),
    (OFSTED_SOCIAL_CARE, "2015-2018 (inspections 2012-2015)", "Adequate", "adequate"),
    (OFSTED_SOCIAL_CARE, "2015-2018 (inspections 2009-2014)", "Satisfactory", "satisfactory"),
    (OFSTED_SOCIAL_CARE, "2015-2017", "Requires Improvement", "requires-improvement"),
    (OFSTED_SOCIAL_CARE, "2016-2018", "Requires improvement", "requires-improvement"),
    (OFSTED_SOCIAL_CARE, "2018-2025", "Requires improvement to be good", "requires-improvement"),
    (OFSTED_SOCIAL_CARE, "2019", "Requires Improvement to be good", "requires-improvement"),
    (OFSTED_SOCIAL_CARE, "2015-2025", "Inadequate", "inadequate"),
    (OFSTED_SOCIAL_CARE, "2016-2021", "Not judged", "not-judged"),
    (OFSTED_SUPPORTED_ACCOMMODATION, "2025", "Consistently strong service delivery", "consistently-strong"),
    (OFSTED_SUPPORTED_ACCOMMODATION, "2025", "Inconsistent quality of service delivery", "inconsistent"),
    (OFSTED_SUPPORTED_ACCOMMODATION, "2025", "Serious or widespread weaknesses", "serious-weaknesses"),
    (OFSTED_ILACS, "2018-2026 scrape", "outstanding", "outstanding"),
    (OFSTED_ILACS, "2018-2026 scrape", "good", "good"),
    (OFSTED_ILACS, "2018-2026 scrape", "requires improvement", "requires-improvement"),
    (OFSTED_ILACS, "report wording", "Requires improvement to be good", "requires-improvement"),
    (OFSTED_ILACS, "2018-2026 scrape", "inadequate", "inadequate"),
    (CQC_RATING, "2014-2025", "Outstanding", "outstanding"),
    (CQC_RATING, "2014-2025", "Good", "good"),
    (CQC_RATING, "2014-2025", "Requires improvement", "requires-improvement"),
    (CQC_RATING, "derived history drift", "Requires Improvement", "requires-improvement"),
    (CQC_RATING, "2014-2025", "Inadequate", "inadequate"),
    (CQC_RATING, "national ratings", "Not rated", "not-rated"),
    (CQC_RATING, "national ratings", "Insufficient evidence to rate", "insufficient-evidence"),
]  # fmt: skip


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


@pytest.mark.parametrize(("scale", "where", "wording", "value"), MAPPINGS)
def test_each_published_grade_wording_maps_to_its_slug(
    scale: Scale, where: str, wording: str, value: str
) -> None:
    assert scale.value_of(wording, "a column") == value
    assert scale.value_of(f"  {wording.upper()}  ", "a column") == value


@pytest.mark.parametrize("scale", ALL_SCALES, ids=lambda s: s.name)
def test_every_value_is_a_slug_of_words_joined_by_hyphens(scale: Scale) -> None:
    assert all(slug(v) == v and "_" not in v for v in scale.slugs)
    assert len(scale.slugs) == len(scale.levels)


@pytest.mark.parametrize(
    "word", ["  requires   IMPROVEMENT ", "Requires-improvement", "requires_improvement."]
)
def test_case_blanks_hyphens_and_a_full_stop_do_not_matter(word: str) -> None:
    reading = vocabulary.OFSTED_FOUR_POINT.read(word, "Grade")
    assert reading is not None and reading.value == "requires-improvement"


@pytest.mark.parametrize("scale", ALL_SCALES, ids=lambda s: s.name)
def test_an_unknown_word_is_a_record_error_naming_the_value_and_column(scale: Scale) -> None:
    with pytest.raises(RecordError) as caught:
        scale.read("Brilliant", "Overall effectiveness")
    assert caught.value.column == "Overall effectiveness"
    assert caught.value.value == "Brilliant"
    assert "'Brilliant' is not on the" in str(caught.value)
    assert scale.levels[0].label in str(caught.value)


def test_a_grade_from_another_scale_is_refused() -> None:
    with pytest.raises(RecordError, match="'Adequate' is not on the CQC rating scale"):
        CQC_RATING.read("Adequate", "overall")


@pytest.mark.parametrize("scale", ALL_SCALES, ids=lambda s: s.name)
def test_ranks_run_from_1_without_gaps_in_the_order_declared(scale: Scale) -> None:
    ranks = [level.rank for level in scale.levels if level.rank is not None]
    assert ranks == sorted(ranks)
    assert sorted(set(ranks)) == list(range(1, len(set(ranks)) + 1))


def test_adequate_satisfactory_and_requires_improvement_share_third_place() -> None:
    rank = {level.value: level.rank for level in OFSTED_SOCIAL_CARE.levels}
    assert rank["adequate"] == rank["requires-improvement"] == rank["satisfactory"] == 3
    assert rank["outstanding"] < rank["good"] < rank["requires-improvement"] < rank["inadequate"]


def test_a_blank_cell_reads_as_nothing_but_require_rejects_it() -> None:
    assert vocabulary.HMICFRS_FIVE_POINT.read("  ", "Grade") is None
    assert vocabulary.HMICFRS_FIVE_POINT.read(None, "Grade") is None
    assert OFSTED_SOCIAL_CARE.value_of(None, "Overall effectiveness") is None
    with pytest.raises(RecordError) as caught:
        vocabulary.HMICFRS_FIVE_POINT.require("", "Grade")
    assert caught.value.column == "Grade"


def test_a_word_naming_two_levels_or_a_value_that_is_not_a_slug_is_refused_when_declared() -> None:
    with pytest.raises(ValueError, match="'good' names two levels"):
        Scale("broken", "broken scale", (Level("a", "Good", 1), Level("b", "good", 2)))
    with pytest.raises(ValueError, match="'not_met' is not a slug"):
        Scale("broken", "broken scale", (Level("not_met", "Not met", 1),))


def test_good_means_different_levels_on_different_scales() -> None:
    readings = [
        s.read("Good", "Rating")
        for s in (vocabulary.HMI_PRISONS_HEALTHY_PRISON, vocabulary.HMICFRS_FIVE_POINT)
    ]
    assert [r.rank for r in readings if r] == [1, 2]


def test_report_card_words_are_not_on_the_1_to_4_scale_and_back() -> None:
    with pytest.raises(RecordError):
        vocabulary.OFSTED_FOUR_POINT.read("Strong standard", "Quality of education")
    with pytest.raises(RecordError):
        vocabulary.REPORT_CARD.read("2", "Inclusion")


def test_slug_and_fold() -> None:
    assert slug("HMP/YOI Wetherby") == "hmp-yoi-wetherby"
    assert slug(" 1.1 Governance and leadership ") == "1-1-governance-and-leadership"
    assert fold("Children\u2019s  mental-health.") == fold("children's mental health")


def test_the_stored_slugs_are_the_ones_the_read_models_compare_with() -> None:
    assert all(grade_slug(v) == v for scale in ALL_SCALES for v in scale.slugs)


def test_a_vocabulary_keeps_the_canonical_spelling_and_refuses_other_words() -> None:
    rag = Vocabulary("RAG rating", {"Red": ("R",), "Grey": ("N/A",)})
    assert (rag.read("r", "RAG"), rag.read("n/a", "RAG"), rag.read(" ", "RAG")) == (
        "Red",
        "Grey",
        None,
    )
    with pytest.raises(
        RecordError, match="'Purple' is not a known RAG rating; expected one of: Red, Grey"
    ):
        rag.read("Purple", "RAG")
    with pytest.raises(ValueError, match="an alias of two terms"):
        Vocabulary("broken", {"On track": (), "On-track": ()})


def test_an_unknown_grade_in_a_file_rejects_the_row_naming_the_header(tmp_path: Path) -> None:
    path = tmp_path / "provider_at_march_2015.csv"
    path.write_text(
        "URN,Provision type,Local authority,Inspection Date,Inspection ID,Overall effectiveness\n"
        "SC900001,Children's Home,Leeds,12/11/2014,1,Brilliant\n",
        encoding="utf-8",
    )
    (item,) = list(parse_file(SOCIAL_CARE, path))
    assert isinstance(item, Rejection)
    assert item.reasons[0].startswith("column 'Overall effectiveness': 'Brilliant' is not on the")


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


def _grade_cells(path: Path) -> set[str]:
    """Every distinct value of the judgement columns of one real file (read with csv alone)."""
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    rows = list(csv.reader(text.splitlines()))
    at = next(i for i, r in enumerate(rows) if "URN" in [c.strip() for c in r])
    header = [" ".join(c.split()).casefold() for c in rows[at]]
    judgement_words = (
        "overall",
        "outcome",
        "quality of care",
        "safety",
        "safeguarding",
        "leader",
        "helped",
        "health",
    )
    columns = [
        i
        for i, h in enumerate(header)
        if any(w in h for w in judgement_words) and "linked" not in h
    ]
    return {r[i].strip() for r in rows[at + 1 :] for i in columns if i < len(r) and r[i].strip()}


BY_WORD = {(scale.name, wording.casefold()): value for scale, _, wording, value in MAPPINGS}


@pytest.mark.parametrize("year", [str(y) for y in range(2015, 2026)])
def test_every_grade_word_in_each_real_snapshot_has_a_mapping(real_data: Path, year: str) -> None:
    path = real_data / "ofsted_csc_provider_level" / f"provider_at_march_{year}.csv"
    words = _grade_cells(path)
    assert words
    for word in words:
        scale = (
            OFSTED_SUPPORTED_ACCOMMODATION
            if "service delivery" in word or "weaknesses" in word
            else OFSTED_SOCIAL_CARE
        )
        assert scale.value_of(word, "x") == BY_WORD[(scale.name, word.casefold())], (year, word)
