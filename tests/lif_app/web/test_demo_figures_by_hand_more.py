"""More of the demo's published figures, each worked out by hand from the shipped sample files.

The companion of test_demo_figures_by_hand.py (same ``demo_store``): the per-source totals of
the ``ingestion_runs`` and ``source_catalogue`` read tables (what the web home page shows), the
freshness columns of ``source_catalogue``, and what ``learning_candidates`` lists. Every expected
value below was read off ``ingestors/samples/<source>/`` with the working in the comments; none
is computed by the code under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from read_tables import printed_cells, rows_written

from lif_core.eventlog.store import Store


@pytest.fixture(scope="module")
def store(demo_store) -> Iterator[Store]:
    with Store(demo_store.url) as s:
        yield s


def _file(origin: str) -> str:
    return origin.replace("\\", "/").rsplit("/", 1)[-1]


# ---------------------------------------------------------------------------------------------
# 1. Per-source totals of sources sampled once, one record per data row.
#
# Each of these ships ONE csv whose every data row is one record (an annual-report metric, a
# complaint theme, a trust-board challenge, a partner's report line). Counting the data rows
# (the lines after the single header line; no cell spans lines) gives:
#   trust-board-annual-report.csv           11  (2023-24 and 2024-25 challenges)
#   complaints-2024-q3-q4.csv               17
#   csws-annual-report.csv                  35
#   iro-annual-report.csv                   23
#   lado-annual-report.csv                  42
#   malap-annual-report.csv                 26
#   mappa-annual-report.csv                 29
#   private-fostering-annual-report.csv     24
#   secure-settings-annual-report.csv       25
#   cp-conference-annual-report.csv         33
#   partner-safeguarding-reports-2024-25.csv 17
# One file, read once: every row is new (recorded = rows read), nothing to revise, nothing
# withdrawn, nothing rejected. The catalogue then holds exactly those records, and each
# record's one event is its Recorded event: records = events = rows, withdrawn 0.
ONCE: dict[str, tuple[str, int]] = {
    "trust-board": ("trust-board-annual-report.csv", 11),
    "complaints": ("complaints-2024-q3-q4.csv", 17),
    "csws": ("csws-annual-report.csv", 35),
    "iro": ("iro-annual-report.csv", 23),
    "lado": ("lado-annual-report.csv", 42),
    "malap": ("malap-annual-report.csv", 26),
    "mappa": ("mappa-annual-report.csv", 29),
    "private-fostering": ("private-fostering-annual-report.csv", 24),
    "secure-settings": ("secure-settings-annual-report.csv", 25),
    "cp-conference": ("cp-conference-annual-report.csv", 33),
    "partner-safeguarding-reports": ("partner-safeguarding-reports-2024-25.csv", 17),
}

# Sources with two files whose later file only ADDS records (different years / quarters, no
# row repeated), each file one record per data row (counted after each file's title line(s)
# and header line: e.g. family-feedback-2024-Q4.csv is 9 lines = title + header + 7 rows):
#   family-feedback: family-feedback-2024-Q4.csv 7 rows, family-feedback-2025-Q1.csv 7 rows
#                    -> 7 + 7 = 14 records, 14 events
#   practitioner-survey: practitioner-survey-2024.csv 10 rows, -2025.csv 31 rows -> 41
#   school-health-survey: survey-2023-24.csv 26 rows, survey-2024-25.csv 29 rows -> 55
#   ofsted-schools: leeds-schools-inspections-2023-25.csv 6 inspections, -2025-26.csv 6 more
#                   (different inspection numbers 99100101-106 / 99100107-112)        -> 12
ADD_ONLY: dict[str, dict[str, int]] = {
    "family-feedback": {"family-feedback-2024-Q4.csv": 7, "family-feedback-2025-Q1.csv": 7},
    "practitioner-survey": {"practitioner-survey-2024.csv": 10, "practitioner-survey-2025.csv": 31},
    "school-health-survey": {"survey-2023-24.csv": 26, "survey-2024-25.csv": 29},
    "ofsted-schools": {
        "leeds-schools-inspections-2023-25.csv": 6,
        "leeds-schools-inspections-2025-26.csv": 6,
    },
}


def _runs(store: Store) -> list[dict[str, Any]]:
    return rows_written(
        store,
        "ingestion_runs",
        "SELECT source, origin, status, rows_read, recorded, revised, unchanged, withdrawn, "
        "rejected FROM ingestion_runs",
    )


def _catalogue(store: Store) -> dict[str, dict[str, Any]]:
    rows = rows_written(
        store,
        "source_catalogue",
        "SELECT source, cadence, records, withdrawn, events, last_ingested, newest_period_start, "
        "newest_period_end, next_expected, freshness, reference_date FROM source_catalogue",
    )
    return {r["source"]: r for r in rows}


def test_sources_read_once_show_one_record_per_row_in_runs_and_catalogue(store: Store) -> None:
    runs = _runs(store)
    catalogue = _catalogue(store)
    for source, (name, rows) in ONCE.items():
        [run] = [r for r in runs if r["source"] == source]
        assert _file(run["origin"]) == name
        assert (
            run["status"],
            run["rows_read"],
            run["recorded"],
            run["revised"],
            run["unchanged"],
            run["withdrawn"],
            run["rejected"],
        ) == ("completed", rows, rows, 0, 0, 0, 0), source
        got = catalogue[source]
        assert (got["records"], got["withdrawn"], got["events"]) == (rows, 0, rows), source


def test_sources_whose_later_file_only_adds_sum_their_files(store: Store) -> None:
    runs = _runs(store)
    catalogue = _catalogue(store)
    for source, files in ADD_ONLY.items():
        mine = {_file(r["origin"]): r for r in runs if r["source"] == source}
        assert mine.keys() == files.keys(), source
        for name, rows in files.items():
            r = mine[name]
            assert (r["status"], r["rows_read"], r["recorded"], r["revised"]) == (
                "completed",
                rows,
                rows,
                0,
            ), (source, name)
            assert (r["unchanged"], r["withdrawn"], r["rejected"]) == (0, 0, 0), (source, name)
        total = sum(files.values())  # 14, 41, 55, 12 as worked above
        got = catalogue[source]
        assert (got["records"], got["withdrawn"], got["events"]) == (total, 0, total), source


# ---------------------------------------------------------------------------------------------
# 2. ofsted-social-care: four provider-level snapshots as at 31 March, columns changing.
#
# Each data row is a PROVIDER record (URN; as at the snapshot's 31 March) plus one INSPECTION
# record per full inspection the row names (URN/event/<inspection id>, dated the inspection).
# A provider absent from a later snapshot is withdrawn; an inspection is a past event, never
# withdrawn by absence. The provider record keeps urn, provision type, registration date and
# status, sector, places, premises, regions and local authority (not the short-break column).
#
# provider-at-march-2015.csv (3 rows, first layout: no registration date / places / GOR):
#   SC900101 + inspection 318001 (12/11/2014, Adequate)
#   SC900102 + inspection 318002 (03/02/2015, Good)
#   SC900103 + inspection 211003 (26/03/2013, Satisfactory)
#   -> recorded 3 providers + 3 inspections = 6; nothing held before
# provider-at-march-2019.csv (3 rows, two header lines; adds registration date, places, GOR):
#   the same three URNs: each provider now states registration date, GOR (and places for
#   101, 103), so each changed -> revised 3; inspections 10090001 (15/01/2019, RI),
#   10040002 (05/03/2018), 10080003 (04/12/2018) are new -> recorded 3
# provider-at-march-2024.csv (2 rows after 3 title lines; adds premises, previous inspection):
#   SC900101: same kept attributes as 2019 -> unchanged 1; its latest inspection 10300001
#   (06/02/2024) and previous one 10230001 (14/02/2023, RI) are new -> 2 recorded
#   SC900104 (new): provider + inspection 10300004 (23/01/2024) -> 2 recorded
#   SC900102, SC900103 absent -> withdrawn 2
#   -> recorded 4, revised 0, unchanged 1, withdrawn 2
# provider-at-march-2025.csv (3 rows; the header has line breaks inside quoted names):
#   SC900101: provider unchanged, inspection 10300001 again unchanged -> unchanged 2
#   2900005 (new) + inspection 10350005 (11/11/2024)                  -> 2 recorded
#   2900006 (new, no inspection yet)                                   -> 1 recorded
#   SC900104 absent -> withdrawn 1
#   -> recorded 3, revised 0, unchanged 2, withdrawn 1
# Totals: recorded 6 + 3 + 4 + 3 = 16; revised 3; withdrawn 2 + 1 = 3.
#   records held = 16 - 3 = 13; withdrawn 3; events = 16 + 3 + 3 = 22.
SOCIAL_CARE = {
    # file: (rows_read, recorded, revised, unchanged, withdrawn, rejected)
    "provider-at-march-2015.csv": (3, 6, 0, 0, 0, 0),
    "provider-at-march-2019.csv": (3, 3, 3, 0, 0, 0),
    "provider-at-march-2024.csv": (2, 4, 0, 1, 2, 0),
    "provider-at-march-2025.csv": (3, 3, 0, 2, 1, 0),
}


def test_ofsted_social_care_four_snapshots_with_changing_columns(store: Store) -> None:
    runs = {_file(r["origin"]): r for r in _runs(store) if r["source"] == "ofsted-social-care"}
    assert {
        name: (
            r["rows_read"],
            r["recorded"],
            r["revised"],
            r["unchanged"],
            r["withdrawn"],
            r["rejected"],
        )
        for name, r in runs.items()
    } == SOCIAL_CARE
    assert {r["status"] for r in runs.values()} == {"completed"}
    got = _catalogue(store)["ofsted-social-care"]
    assert (got["records"], got["withdrawn"], got["events"]) == (13, 3, 22)


# ---------------------------------------------------------------------------------------------
# 3. Freshness in source_catalogue.
#
# projections/catalogue.py: newest_period_end is the latest end (valid_to, else valid_from) of
# any record; next_expected = newest_period_end + the cadence in days (a year 365, a month 31);
# 'fresh' while the reference date <= next_expected + 90 days, else 'stale'. The reference
# date is the day the projection ran (the suite's day), so the test works out by hand the LAST
# fresh day of each source and checks the verdict against the row's own reference date.
#
# Annual reports (csws, iro, lado, malap, mappa, private-fostering, secure-settings,
# cp-conference, trust-board, partner-safeguarding-reports), P1Y: newest year 2024-25,
#   1/04/2024 to 31/03/2025; + 365 days = 31/03/2026 (no 29 February between);
#   + 90 days: 30 to 30/04, 31 more to 31/05 (61), 29 more to 29/06/2026 (90).
# section-11 (P2Y; section-11-2024-25.csv, year 2024-25): 31/03/2025 + 730 = 31/03/2027
#   (no 29 February between); + 90 (as above, 30 + 31 + 29) = 29/06/2027.
# ofsted-social-care (P1Y): the newest record is a provider as at 31/03/2025 (no end):
#   31/03/2025 + 365 = 31/03/2026; + 90 = 29/06/2026.
# ofsted-ilacs (P3Y): Leeds' inspection 08/06/2026 to 19/06/2026 is the newest; 19/06/2026
#   + 1095 days: three years would be 19/06/2029 but 29/02/2028 lies between, so one day
#   earlier: 18/06/2029; + 90: 12 to 30/06, 31 to 31/07 (43), 31 to 31/08 (74), 16 to
#   16/09/2029 (90).
# ofsted-schools (P1M): newest inspection start 20/01/2026 (Seacroft Gate, a day only):
#   + 31 = 20/02/2026; + 90: 8 to 28/02, 31 to 31/03 (39), 30 to 30/04 (69), 21 to 21/05/2026.
# cqc (P1M): newest report date 20/11/2024 (cqc_overall_history.csv, row 4; the Leeds health
#   ratings file's dates are all earlier, 14/06/2024 the latest): + 31 = 21/12/2024;
#   + 90: 10 to 31/12, 31 to 31/01 (41), 28 to 28/02/2025 (69), 21 to 21/03/2025 (90).
# family-feedback (P3M = 93 days): newest quarter 2025-Q1, 01/01/2025 to 31/03/2025;
#   + 93: 30 to 30/04, 31 to 31/05 (61), 30 to 30/06 (91), 2 to 02/07/2025;
#   + 90: 29 to 31/07, 31 to 31/08 (60), 30 to 30/09/2025 (90).
ANNUAL = (date(2024, 4, 1), date(2025, 3, 31), date(2026, 3, 31), date(2026, 6, 29))
FRESHNESS: dict[str, tuple[str, date, date, date, date]] = {
    # source: (cadence, newest_period_start, newest_period_end, next_expected, last fresh day)
    **{
        s: ("P1Y", *ANNUAL)
        for s in (
            "csws",
            "iro",
            "lado",
            "malap",
            "mappa",
            "private-fostering",
            "secure-settings",
            "cp-conference",
            "trust-board",
            "partner-safeguarding-reports",
        )
    },
    "section-11": (
        "P2Y",
        date(2024, 4, 1),
        date(2025, 3, 31),
        date(2027, 3, 31),
        date(2027, 6, 29),
    ),
    "ofsted-social-care": (
        "P1Y",
        date(2025, 3, 31),
        date(2025, 3, 31),
        date(2026, 3, 31),
        date(2026, 6, 29),
    ),
    "ofsted-ilacs": (
        "P3Y",
        date(2026, 6, 8),
        date(2026, 6, 19),
        date(2029, 6, 18),
        date(2029, 9, 16),
    ),
    "ofsted-schools": (
        "P1M",
        date(2026, 1, 20),
        date(2026, 1, 20),
        date(2026, 2, 20),
        date(2026, 5, 21),
    ),
    "cqc": ("P1M", date(2024, 11, 20), date(2024, 11, 20), date(2024, 12, 21), date(2025, 3, 21)),
    "family-feedback": (
        "P3M",
        date(2025, 1, 1),
        date(2025, 3, 31),
        date(2025, 7, 2),
        date(2025, 9, 30),
    ),
}


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _assert_freshness(catalogue: dict[str, dict[str, Any]], worked: dict[str, Any]) -> None:
    """Each source's catalogue row holds the hand-worked (cadence, newest period, next expected,
    last fresh day): fresh on its reference date up to that day, stale after."""
    for source, (cadence, start, end, expected, last_fresh) in worked.items():
        row = catalogue[source]
        assert row["last_ingested"] is not None, source  # ingested, so not 'never ingested'
        assert (
            row["cadence"],
            _day(row["newest_period_start"]),
            _day(row["newest_period_end"]),
            _day(row["next_expected"]),
        ) == (cadence, start, end, expected), source
        on = _day(row["reference_date"])
        assert row["freshness"] == ("fresh" if on <= last_fresh else "stale"), (source, on)


def test_catalogue_freshness_of_the_demo_sources_worked_by_hand(store: Store) -> None:
    _assert_freshness(_catalogue(store), FRESHNESS)


# ---------------------------------------------------------------------------------------------
# 4. learning_candidates for the demo.
#
# ofsted-provider-concern (ofsted-social-care): an inspection graded requires improvement or
# inadequate, for a provider whose (current, not withdrawn) provider record is in Leeds.
# Grades across the four snapshots: 318001 Adequate, 318002 Good, 211003 Satisfactory (old
# scale words: no concern), 10090001 "Requires improvement to be good" (SC900101, 15/01/2019),
# 10040002 Outstanding, 10080003 Good, 10300001 Good, 10230001 "Requires improvement to be
# good" (SC900101's previous inspection, 14/02/2023), 10300004 Outstanding, 10350005 no overall
# grade (supported accommodation). SC900101 is a Leeds children's home held in 2025 -> 2.
PROVIDER_CONCERNS = {
    ("2019-01-15", "Children's home SC900101 judged requires-improvement on 2019-01-15"),
    ("2023-02-14", "Children's home SC900101 judged requires-improvement on 2023-02-14"),
}
# national-recommendation (national-learning/recommendations.csv): every recommendation is a
# candidate, dated its 'Date published': NL-2024-02 nos 1-3 17/09/2024, NL-2024-03 no 1
# 10/12/2024, NL-2025-01 nos 1-2 06/03/2025 -> 6.
NATIONAL = ["2024-09-17"] * 3 + ["2024-12-10"] + ["2025-03-06"] * 2
# jtai-area-for-improvement (jtai/leeds-jtai-tracker-2025-06.csv): the rows of entry type
# 'Area for improvement' in Leeds: AFI-1, AFI-2, AFI-3, dated the letter, 26/03/2025 -> 3.
# (The December tracker restates only the four actions, so each AFI stays at version 1.)
JTAI_AFI = {
    "Information about children at risk of criminal exploitation is not consistently shared",
    "Health practitioners in community and mental health services do not always recognise",
    "The partnership does not yet know well enough whether its interventions are making",
}


def _candidates(store: Store) -> list[dict[str, Any]]:
    return rows_written(
        store,
        "learning_candidates",
        "SELECT candidate_id, rule, source, summary, evidence_date, evidence_record, "
        "evidence_version, local_authority, severity, themes, responds FROM learning_candidates",
    )


def test_learning_candidates_of_ofsted_social_care_national_learning_and_jtai(
    store: Store,
) -> None:
    rows = _candidates(store)
    for r in rows:
        assert r["candidate_id"] == f"{r['rule']}:{r['evidence_record']}"
        assert r["local_authority"] == "Leeds"

    concern = [r for r in rows if r["rule"] == "ofsted-provider-concern"]
    assert {r["source"] for r in concern} == {"ofsted-social-care"}
    assert {(str(r["evidence_date"]), r["summary"]) for r in concern} == PROVIDER_CONCERNS

    national = [r for r in rows if r["rule"] == "national-recommendation"]
    assert {r["source"] for r in national} == {"national-learning"}
    assert sorted(str(r["evidence_date"]) for r in national) == NATIONAL

    afi = [r for r in rows if r["rule"] == "jtai-area-for-improvement"]
    assert {r["source"] for r in afi} == {"jtai"}
    assert {str(r["evidence_date"]) for r in afi} == {"2025-03-26"}
    assert {r["evidence_version"] for r in afi} == {1}
    said = sorted(r["summary"].removeprefix("JTAI Serious youth violence: ") for r in afi)
    assert [next(s for s in sorted(JTAI_AFI) if text.startswith(s)) for text in said] == sorted(
        JTAI_AFI
    )


# audit-concern (multi-agency-audits-2024-25.csv and single-agency-audits-2024-25.csv): every
# area row graded Requires improvement or Inadequate, dated its 'Audit date':
#   multi:  MACA-2024-01 19/06/2024 Quality of assessment RI, Management oversight RI,
#           Overall RI (3); MACA-2024-02 25/09/2024 Voice of the child RI (1);
#           MACA-2024-03 and MACA-2025-01 all Good / Outstanding                         -> 4
#   single: LTHT-SG-2024-04 30/07/2024 Referral to children's social care RI (1);
#           WYP-LDS-2024-07 08/10/2024 Voice of the child RI, Overall RI (2);
#           LCH-SG-24-09 14/11/2024 Follow-up of missed contacts Inadequate, Escalation RI,
#           Overall RI (3); LYPFT-SA-2025-02 and NPS-YH-2025-01 Good / Outstanding       -> 6
AUDIT_CONCERNS = sorted(
    [
        ("multi-agency-audits", "2024-06-19", "MACA-2024-01", "requires-improvement"),
        ("multi-agency-audits", "2024-06-19", "MACA-2024-01", "requires-improvement"),
        ("multi-agency-audits", "2024-06-19", "MACA-2024-01", "requires-improvement"),
        ("multi-agency-audits", "2024-09-25", "MACA-2024-02", "requires-improvement"),
        ("single-agency-audits", "2024-07-30", "LTHT-SG-2024-04", "requires-improvement"),
        ("single-agency-audits", "2024-10-08", "WYP-LDS-2024-07", "requires-improvement"),
        ("single-agency-audits", "2024-10-08", "WYP-LDS-2024-07", "requires-improvement"),
        ("single-agency-audits", "2024-11-14", "LCH-SG-24-09", "inadequate"),
        ("single-agency-audits", "2024-11-14", "LCH-SG-24-09", "requires-improvement"),
        ("single-agency-audits", "2024-11-14", "LCH-SG-24-09", "requires-improvement"),
    ]
)
# cdop-theme (cdop-annual-figures-2023-24.csv / -2024-25.csv): every row of table 'Theme',
# dated the start of its reporting year: 2023-24 Safer sleeping, Smoking in pregnancy,
# Domestic abuse in the household (3, 01/04/2023); 2024-25 Safer sleeping, Smoking in
# pregnancy, Access to means in self-harm, Missed health appointments (4, 01/04/2024) -> 7.
# (A theme is a candidate whatever its count: the suppressed '*' ones too.)
CDOP_THEMES = ["2023-04-01"] * 3 + ["2024-04-01"] * 4
# family-feedback-worry (family-feedback-2024-Q4.csv / -2025-Q1.csv): every row whose
# Sentiment is Negative, dated the start of its quarter, the service to respond:
#   2024-Q4: Changes of social worker (LCC C&F), Reports shared late (LCC C&F),
#            Waiting times for specialist services (LCH)                          -> 3
#   2025-Q1: Changes of social worker (LCC C&F), Reports shared late (LCC C&F)   -> 2
#   (Positive and Mixed rows are not worries)                                     -> 5
LCC = "Leeds City Council Children and Families"
FAMILY_WORRIES = sorted(
    [
        ("2024-10-01", "Changes of social worker", LCC),
        ("2024-10-01", "Reports shared late", LCC),
        ("2024-10-01", "Waiting times for specialist services", "LCH"),
        ("2025-01-01", "Changes of social worker", LCC),
        ("2025-01-01", "Reports shared late", LCC),
    ]
)
# hmicfrs-finding (west-yorkshire-hmicfrs-tracker-2025-03.csv): every 'Area for improvement'
# and 'Cause of concern' row (grades are not findings), dated its publication date:
#   West Yorkshire Police 14/03/2024: AFI-1, AFI-2, AFI-3, CoC-1                  -> 4
#   West Yorkshire Fire and Rescue Service 22/01/2025: AFI-1, AFI-2               -> 2
# The September tracker restates police AFI-1 and AFI-3 and fire AFI-1 (their
# recommendation status): those three rest on version 2 of their record, the rest on 1.
HMICFRS = sorted(
    [
        ("2024-03-14", "West Yorkshire Police", 2),  # AFI-1
        ("2024-03-14", "West Yorkshire Police", 1),  # AFI-2
        ("2024-03-14", "West Yorkshire Police", 2),  # AFI-3
        ("2024-03-14", "West Yorkshire Police", 1),  # CoC-1
        ("2025-01-22", "West Yorkshire Fire and Rescue Service", 2),  # AFI-1
        ("2025-01-22", "West Yorkshire Fire and Rescue Service", 1),  # AFI-2
    ]
)


def test_learning_candidates_of_audits_cdop_family_feedback_and_hmicfrs(store: Store) -> None:
    rows = _candidates(store)

    audits = [r for r in rows if r["rule"] == "audit-concern"]
    assert (
        sorted(
            (r["source"], str(r["evidence_date"]), r["summary"].split(" ", 1)[0], r["severity"])
            for r in audits
        )
        == AUDIT_CONCERNS
    )

    cdop = [r for r in rows if r["rule"] == "cdop-theme"]
    assert {r["source"] for r in cdop} == {"cdop"}
    assert sorted(str(r["evidence_date"]) for r in cdop) == CDOP_THEMES

    worries = [r for r in rows if r["rule"] == "family-feedback-worry"]
    assert {r["source"] for r in worries} == {"family-feedback"}
    assert sorted((str(r["evidence_date"]), r["themes"], r["responds"]) for r in worries) == (
        FAMILY_WORRIES
    )

    hmicfrs = [r for r in rows if r["rule"] == "hmicfrs-finding"]
    assert {r["source"] for r in hmicfrs} == {"hmicfrs"}
    assert (
        sorted((str(r["evidence_date"]), r["responds"], r["evidence_version"]) for r in hmicfrs)
        == HMICFRS
    )


def test_learning_candidates_lists_39_for_the_demo_and_no_other_rule(store: Store) -> None:
    # The rules worked out above, and no other source's rows are candidates in the demo:
    #   ofsted-provider-concern 2 + national-recommendation 6 + jtai-area-for-improvement 3
    #   + audit-concern 4 + 6 + cdop-theme 7 + family-feedback-worry 5 + hmicfrs-finding 6
    #   = 2 + 6 + 3 + 10 + 7 + 5 + 6 = 39
    counts: dict[str, int] = {}
    for r in _candidates(store):
        counts[r["rule"]] = counts.get(r["rule"], 0) + 1
    assert counts == {
        "ofsted-provider-concern": 2,
        "national-recommendation": 6,
        "jtai-area-for-improvement": 3,
        "audit-concern": 10,
        "cdop-theme": 7,
        "family-feedback-worry": 5,
        "hmicfrs-finding": 6,
    }
    assert sum(counts.values()) == 39


# The demo's printed "Per-source summary" (files, recorded, revised, withdrawn, rejected) for
# every source whose later files only add records, and ofsted-social-care. The companion file
# works the sources that revise, withdraw or reject. Data rows counted in each sample file
# after its title / blank / header lines, one record per row unless said:
ADD_ONLY_PRINTED = {
    # the sources worked in ONCE and ADD_ONLY above: (files, rows, 0, 0, 0)
    **{s: (1, rows, 0, 0, 0) for s, (_, rows) in ONCE.items()},
    **{s: (len(files), sum(files.values()), 0, 0, 0) for s, files in ADD_ONLY.items()},
    # worked in the ofsted-social-care section above: 4 files, 16 recorded, 3 revised,
    # 3 withdrawn
    "ofsted-social-care": (4, 16, 3, 3, 0),
    # inquiries.csv: 3 inquiries, plus one participation record per agency named in
    # 'Participants' (AI-2024-02 five agencies, AI-2025-01 four, AI-2025-02 none) = 3 + 9
    # = 12; findings.csv 7 findings; 12 + 7 = 19
    "appreciative-inquiry": (2, 19, 0, 0, 0),
    # cdop-annual-figures-2023-24.csv 20 lines = title + header + 18; -2024-25.csv 52 lines
    # = title + header + 50; 18 + 50 = 68 (the demo's own output: the rejected-rows file the
    # web fixture adds afterwards is not in it)
    "cdop": (2, 68, 0, 0, 0),
    # cqc_overall_history.csv 4 report rows; cqc_ratings_leeds_health.csv 12 ratings = 16
    "cqc": (2, 16, 0, 0, 0),
    # deep-dives.csv 3 + actions.csv 5 + findings.csv 6 = 14
    "deep-dive": (3, 14, 0, 0, 0),
    # learning-development-2024-25.xlsx: 12 sheet rows = title + blank + header + 9 courses
    "learning-development": (1, 9, 0, 0, 0),
    # learning-log-exported-2025-09-30.xlsx: 13 sheet rows = title + 'Exported' line + blank
    # + header + 9 items (LRN-2024-031, -032, LRN-2025-014 to -020)
    "learning-log": (1, 9, 0, 0, 0),
    # multi-agency-audits-2024-25.csv: 15 area rows (MACA-2024-01 5, -02 4, -03 3, 2025-01 3)
    "multi-agency-audits": (1, 15, 0, 0, 0),
    # single-agency-audits-2024-25.csv: 13 area rows (LTHT 3, WYP 3, LCH 3, LYPFT 2, NPS 2)
    "single-agency-audits": (1, 13, 0, 0, 0),
    # publications.csv 3 (NL-2024-02, -03, NL-2025-01) + recommendations.csv 6 = 9
    "national-learning": (2, 9, 0, 0, 0),
    # ilacs-history-west-yorkshire.csv: 6 inspections (Leeds 3, Bradford, Wakefield,
    # Calderdale)
    "ofsted-ilacs": (1, 6, 0, 0, 0),
    # pmf-indicators-2025-06.csv: 40 lines = title + header + 38
    "performance": (1, 38, 0, 0, 0),
    # reviews.csv 5 reviews + learning-points.csv 7 points = 12
    "practice-reviews": (2, 12, 0, 0, 0),
    # section-175-2024-25.csv: 34 lines = header + 33
    "section-175": (1, 33, 0, 0, 0),
    # page-views-2025-03-03-to-2025-03-16.csv: 104 lines = header + 103 (page, day) rows
    "website-stats": (1, 103, 0, 0, 0),
}


def test_printed_per_source_summary_of_add_only_sources_and_ofsted_social_care(
    demo_store,
) -> None:
    printed = {
        c[0]: tuple(int(n) for n in c[1:])
        for c in printed_cells(demo_store.demo_output, "Per-source summary")
    }
    assert {k: printed[k] for k in ADD_ONLY_PRINTED} == ADD_ONLY_PRINTED
    # with the companion file's HAND_TOTALS (action-plans, hmicfrs, jtai, other-inspections,
    # ofsted-early-years, section-11) this is every one of the 36 built-in sources
    assert len(ADD_ONLY_PRINTED) == 30
    assert len(printed) == 36


# Freshness of more of the demo's sources (the rules as in section 3; P3M = 93 days):
#   action-plans: the 30/09/2025 export is the newest statement; + 93: 31 to 31/10, 30 to
#     30/11 (61), 31 to 31/12 (92), 1 to 01/01/2026; + 90: 30 to 31/01, 28 to 28/02 (58),
#     31 to 31/03 (89), 1 to 01/04/2026.
#   hmicfrs: 'Status as at' 30/09/2025 in the September tracker: the same two dates.
#   jtai: 'Status as at' 15/12/2025; + 93: 16 to 31/12, 31 to 31/01 (47), 28 to 28/02 (75),
#     18 to 18/03/2026; + 90: 13 to 31/03, 30 to 30/04 (43), 31 to 31/05 (74), 16 to 16/06/2026.
#   other-inspections: 'Status as at' 15/01/2026; + 93: 16 to 31/01, 28 to 28/02 (44), 31 to
#     31/03 (75), 18 to 18/04/2026; + 90: 12 to 30/04, 31 to 31/05 (43), 30 to 30/06 (73),
#     17 to 17/07/2026.
#   ofsted-early-years: providers as at 30/11/2025; + 93: 31 to 31/12, 31 to 31/01 (62), 28 to
#     28/02 (90), 3 to 03/03/2026; + 90: 28 to 31/03, 30 to 30/04 (58), 31 to 31/05 (89),
#     1 to 01/06/2026.
#   complaints: quarter 2024-Q4, 01/10/2024 to 31/12/2024; + 93: 31 to 31/01, 28 to 28/02
#     (59), 31 to 31/03 (90), 3 to 03/04/2025; + 90: 27 to 30/04, 31 to 31/05 (58), 30 to
#     30/06 (88), 2 to 02/07/2025.
#   performance: the newest period is the month 2025-06, 01/06 to 30/06/2025; + 93: 31 to
#     31/07, 31 to 31/08 (62), 30 to 30/09 (92), 1 to 01/10/2025; + 90: 30 to 31/10, 30 to
#     30/11 (60), 30 to 30/12/2025.
#   website-stats (P1M): last day 16/03/2025; + 31: 15 to 31/03, 16 to 16/04/2025; + 90: 14 to
#     30/04, 31 to 31/05 (45), 30 to 30/06 (75), 15 to 15/07/2025.
#   school-health-survey and section-175 (P1Y): academic year 2024-25, 01/09/2024 to
#     31/08/2025; + 365 = 31/08/2026 (no 29 February between); + 90: 30 to 30/09, 31 to
#     31/10 (61), 29 to 29/11/2026.
#   cdop (P1Y): reporting year 2024-25: as the annual reports in section 3.
#   multi-agency-audits: newest audit MACA-2025-01 on 19/03/2025; + 93: 12 to 31/03, 30 to
#     30/04 (42), 31 to 31/05 (73), 20 to 20/06/2025; + 90: 10 to 30/06, 31 to 31/07 (41),
#     31 to 31/08 (72), 18 to 18/09/2025.
#   single-agency-audits: newest audit NPS-YH-2025-01 on 05/03/2025; + 93: 26 to 31/03, 30 to
#     30/04 (56), 31 to 31/05 (87), 6 to 06/06/2025; + 90: 24 to 30/06, 31 to 31/07 (55), 31 to
#     31/08 (86), 4 to 04/09/2025.
#   deep-dive: DD-2025-02, commissioned 14/07/2025, is the newest; + 93: 17 to 31/07, 31 to
#     31/08 (48), 30 to 30/09 (78), 15 to 15/10/2025; + 90: 16 to 31/10, 30 to 30/11 (46),
#     31 to 31/12 (77), 13 to 13/01/2026.
#   appreciative-inquiry: an inquiry is dated its commissioning; the newest, AI-2025-02, on
#     02/06/2025; + 93: 28 to 30/06, 31 to 31/07 (59), 31 to 31/08 (90), 3 to 03/09/2025;
#     + 90: 27 to 30/09, 31 to 31/10 (58), 30 to 30/11 (88), 2 to 02/12/2025.
#   learning-development: newest quarter 2025-Q1 (three courses), 01/01 to 31/03/2025: as
#     family-feedback in section 3, 02/07/2025 and 30/09/2025.
#   learning-log (P1M): an item is dated its 'Date identified'; the latest, LRN-2025-019, on
#     22/07/2025; + 31 = 22/08/2025; + 90: 9 to 31/08, 30 to 30/09 (39), 31 to 31/10 (70),
#     20 to 20/11/2025.
#   national-learning: newest publication NL-2025-01, 06/03/2025; + 93: 25 to 31/03, 30 to
#     30/04 (55), 31 to 31/05 (86), 7 to 07/06/2025; + 90: 23 to 30/06, 31 to 31/07 (54), 31
#     to 31/08 (85), 5 to 05/09/2025.
#   practice-reviews (P1M): a review is dated its commissioning (not its publication), the
#     newest CSPR-2025-01 commissioned 10/02/2025; + 31: 18 to 28/02, 13 to 13/03/2025; + 90:
#     18 to 31/03, 30 to 30/04 (48), 31 to 31/05 (79), 11 to 11/06/2025.
#   practitioner-survey (P1Y): PS-2025-01 closed 14/03/2025, in the year 01/04/2024 to
#     31/03/2025: as the annual reports.
ACADEMIC = (date(2024, 9, 1), date(2025, 8, 31), date(2026, 8, 31), date(2026, 11, 29))
ASAT_0930 = (date(2025, 9, 30), date(2025, 9, 30), date(2026, 1, 1), date(2026, 4, 1))
FRESHNESS_MORE: dict[str, tuple[str, date, date, date, date]] = {
    "action-plans": ("P3M", *ASAT_0930),
    "hmicfrs": ("P3M", *ASAT_0930),
    "jtai": ("P3M", date(2025, 12, 15), date(2025, 12, 15), date(2026, 3, 18), date(2026, 6, 16)),
    "other-inspections": (
        "P3M",
        date(2026, 1, 15),
        date(2026, 1, 15),
        date(2026, 4, 18),
        date(2026, 7, 17),
    ),
    "ofsted-early-years": (
        "P3M",
        date(2025, 11, 30),
        date(2025, 11, 30),
        date(2026, 3, 3),
        date(2026, 6, 1),
    ),
    "complaints": (
        "P3M",
        date(2024, 10, 1),
        date(2024, 12, 31),
        date(2025, 4, 3),
        date(2025, 7, 2),
    ),
    "performance": (
        "P3M",
        date(2025, 6, 1),
        date(2025, 6, 30),
        date(2025, 10, 1),
        date(2025, 12, 30),
    ),
    "website-stats": (
        "P1M",
        date(2025, 3, 16),
        date(2025, 3, 16),
        date(2025, 4, 16),
        date(2025, 7, 15),
    ),
    "school-health-survey": ("P1Y", *ACADEMIC),
    "section-175": ("P1Y", *ACADEMIC),
    "cdop": ("P1Y", *ANNUAL),
    "multi-agency-audits": (
        "P3M",
        date(2025, 3, 19),
        date(2025, 3, 19),
        date(2025, 6, 20),
        date(2025, 9, 18),
    ),
    "single-agency-audits": (
        "P3M",
        date(2025, 3, 5),
        date(2025, 3, 5),
        date(2025, 6, 6),
        date(2025, 9, 4),
    ),
    "appreciative-inquiry": (
        "P3M",
        date(2025, 6, 2),
        date(2025, 6, 2),
        date(2025, 9, 3),
        date(2025, 12, 2),
    ),
    "learning-development": (
        "P3M",
        date(2025, 1, 1),
        date(2025, 3, 31),
        date(2025, 7, 2),
        date(2025, 9, 30),
    ),
    "learning-log": (
        "P1M",
        date(2025, 7, 22),
        date(2025, 7, 22),
        date(2025, 8, 22),
        date(2025, 11, 20),
    ),
    "national-learning": (
        "P3M",
        date(2025, 3, 6),
        date(2025, 3, 6),
        date(2025, 6, 7),
        date(2025, 9, 5),
    ),
    "practice-reviews": (
        "P1M",
        date(2025, 2, 10),
        date(2025, 2, 10),
        date(2025, 3, 13),
        date(2025, 6, 11),
    ),
    "practitioner-survey": ("P1Y", *ANNUAL),
    "deep-dive": (
        "P3M",
        date(2025, 7, 14),
        date(2025, 7, 14),
        date(2025, 10, 15),
        date(2026, 1, 13),
    ),
}


def test_catalogue_freshness_of_trackers_snapshots_and_periodic_sources(store: Store) -> None:
    catalogue = _catalogue(store)
    assert not FRESHNESS_MORE.keys() & FRESHNESS.keys()
    # with section 3, every source in the catalogue: 16 + 20 = 36
    assert (len(FRESHNESS), len(FRESHNESS_MORE)) == (16, 20)
    assert FRESHNESS.keys() | FRESHNESS_MORE.keys() == catalogue.keys()
    _assert_freshness(catalogue, FRESHNESS_MORE)


# The catalogue's records / withdrawn / events for every source follow from the hand-worked
# (recorded, revised, withdrawn) of the printed summary: records held = recorded - withdrawn,
# events = recorded + revised + withdrawn (one event each). For the 30 sources above that is
# (recorded, 0, recorded) but ofsted-social-care (13, 3, 22, as worked). The companion file's
# six (HAND_TOTALS there):
#   action-plans (6 recorded, 11 revised, 1 withdrawn)  -> 6 - 1 = 5, 1, 6 + 11 + 1 = 18
#   hmicfrs (22, 3, 0)                                  -> 22, 0, 25
#   jtai (10, 4, 0)                                     -> 10, 0, 14
#   other-inspections (29, 3, 0)                        -> 29, 0, 32
#   ofsted-early-years (18, 1, 1)                       -> 17, 1, 20
#   section-11 (32, 0, 0; the 2 rejected rows are no records) -> 32, 0, 32
# The web fixture's cdop/bad/cdop-errors.csv adds nothing held: of its 14 rows 13 are
# rejected (lines 3-15, listed in bad/expected-rejections.jsonl) and the good one, line 2
# '2024-25, Deaths by category, Perinatal/neonatal event, 24', restates category 8 of
# cdop-annual-figures-2024-25.csv (line 10: 24) unchanged (its run: read 14, unchanged 1,
# rejected 13), so cdop stays 68, 0, 68.
CATALOGUE_COUNTS = {
    **{s: (t[1], 0, t[1]) for s, t in ADD_ONLY_PRINTED.items()},
    "ofsted-social-care": (13, 3, 22),
    "action-plans": (5, 1, 18),
    "hmicfrs": (22, 0, 25),
    "jtai": (10, 0, 14),
    "other-inspections": (29, 0, 32),
    "ofsted-early-years": (17, 1, 20),
    "section-11": (32, 0, 32),
}


def test_catalogue_records_withdrawn_and_events_of_every_source(store: Store) -> None:
    catalogue = _catalogue(store)
    assert len(CATALOGUE_COUNTS) == 36
    assert {
        s: (r["records"], r["withdrawn"], r["events"]) for s, r in catalogue.items()
    } == CATALOGUE_COUNTS
    [errors] = [
        r for r in _runs(store) if r["source"] == "cdop" and _file(r["origin"]) == "cdop-errors.csv"
    ]
    assert (errors["rows_read"], errors["recorded"], errors["revised"]) == (14, 0, 0)
    assert (errors["unchanged"], errors["withdrawn"], errors["rejected"]) == (1, 0, 13)
