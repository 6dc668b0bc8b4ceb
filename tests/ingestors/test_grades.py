"""Grade normalisation: every published wording per source and year, and unknown words refused."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import get_args

import pytest

from ingestors._grades import RANK, SCHEMES, Grade, normalise
from ingestors.ofsted_social_care import SOURCE as SOCIAL_CARE
from lif_core.ingestion.parse import Rejection, parse_file
from lif_core.plugins import RecordError

# (scheme, where it is published, wording as published, grade). One line per mapping.
MAPPINGS = [
    ("ofsted-social-care", "2015-2025", "Outstanding", "outstanding"),
    ("ofsted-social-care", "2015-2025", "Good", "good"),
    ("ofsted-social-care", "2015-2018 (inspections 2012-2015)", "Adequate", "adequate"),
    ("ofsted-social-care", "2015-2018 (inspections 2009-2014)", "Satisfactory", "satisfactory"),
    ("ofsted-social-care", "2015-2017", "Requires Improvement", "requires-improvement"),
    ("ofsted-social-care", "2016-2018", "Requires improvement", "requires-improvement"),
    ("ofsted-social-care", "2018-2025", "Requires improvement to be good", "requires-improvement"),
    ("ofsted-social-care", "2019", "Requires Improvement to be good", "requires-improvement"),
    ("ofsted-social-care", "2015-2025", "Inadequate", "inadequate"),
    ("ofsted-social-care", "2016-2021", "Not judged", "not-judged"),
    (
        "ofsted-supported-accommodation",
        "2025",
        "Consistently strong service delivery",
        "consistently-strong",
    ),
    (
        "ofsted-supported-accommodation",
        "2025",
        "Inconsistent quality of service delivery",
        "inconsistent",
    ),
    (
        "ofsted-supported-accommodation",
        "2025",
        "Serious or widespread weaknesses",
        "serious-weaknesses",
    ),
    ("ofsted-ilacs", "2018-2026 scrape", "outstanding", "outstanding"),
    ("ofsted-ilacs", "2018-2026 scrape", "good", "good"),
    ("ofsted-ilacs", "2018-2026 scrape", "requires improvement", "requires-improvement"),
    ("ofsted-ilacs", "report wording", "Requires improvement to be good", "requires-improvement"),
    ("ofsted-ilacs", "2018-2026 scrape", "inadequate", "inadequate"),
    ("cqc", "2014-2025", "Outstanding", "outstanding"),
    ("cqc", "2014-2025", "Good", "good"),
    ("cqc", "2014-2025", "Requires improvement", "requires-improvement"),
    ("cqc", "derived history drift", "Requires Improvement", "requires-improvement"),
    ("cqc", "2014-2025", "Inadequate", "inadequate"),
    ("cqc", "national ratings", "Not rated", "not-rated"),
    ("cqc", "national ratings", "Insufficient evidence to rate", "insufficient-evidence"),
]
BY_WORD = {(s, w.casefold()): g for s, _, w, g in MAPPINGS}


@pytest.mark.parametrize(("scheme", "where", "wording", "grade"), MAPPINGS)
def test_each_published_wording_maps_to_its_grade(
    scheme: str, where: str, wording: str, grade: str
) -> None:
    assert normalise(scheme, wording, "a column") == grade
    assert normalise(scheme, f"  {wording.upper()}  ", "a column") == grade


def test_every_wording_in_the_schemes_is_covered_by_a_mapping_test() -> None:
    declared = {(s, w.text.casefold()) for s, words in SCHEMES.items() for w in words}
    assert declared == set(BY_WORD)


def test_grades_are_on_the_declared_scale_and_ranked() -> None:
    grades = set(get_args(Grade))
    assert {w.grade for words in SCHEMES.values() for w in words} <= grades
    assert RANK["adequate"] == RANK["requires-improvement"] == RANK["satisfactory"] == 3
    assert RANK["outstanding"] < RANK["good"] < RANK["requires-improvement"] < RANK["inadequate"]


def test_a_blank_cell_is_no_grade() -> None:
    assert normalise("ofsted-social-care", None, "Overall effectiveness") is None
    assert normalise("ofsted-social-care", "  ", "Overall effectiveness") is None


def test_an_unknown_grade_word_is_refused_naming_value_and_column() -> None:
    with pytest.raises(RecordError) as caught:
        normalise("ofsted-social-care", "Very good", "Overall effectiveness")
    assert caught.value.column == "Overall effectiveness"
    assert caught.value.value == "Very good"
    assert "'Very good'" in str(caught.value)


def test_a_word_from_another_scheme_is_refused() -> None:
    with pytest.raises(RecordError, match="Adequate"):
        normalise("cqc", "Adequate", "overall")


def test_an_unknown_grade_in_a_file_rejects_the_row_naming_the_header(tmp_path: Path) -> None:
    path = tmp_path / "provider_at_march_2015.csv"
    path.write_text(
        "URN,Provision type,Local authority,Inspection Date,Inspection ID,Overall effectiveness\n"
        "SC900001,Children's Home,Leeds,12/11/2014,1,Brilliant\n",
        encoding="utf-8",
    )
    (item,) = list(parse_file(SOCIAL_CARE, path))
    assert isinstance(item, Rejection)
    assert item.reasons[0].startswith("column 'Overall effectiveness': unknown grade 'Brilliant'")


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


@pytest.mark.parametrize("year", [str(y) for y in range(2015, 2026)])
def test_every_grade_word_in_each_real_snapshot_has_a_mapping(real_data: Path, year: str) -> None:
    path = real_data / "ofsted_csc_provider_level" / f"provider_at_march_{year}.csv"
    words = _grade_cells(path)
    assert words
    for word in words:
        scheme = (
            "ofsted-supported-accommodation"
            if "service delivery" in word or "weaknesses" in word
            else "ofsted-social-care"
        )
        assert normalise(scheme, word, "x") == BY_WORD[(scheme, word.casefold())], (year, word)
