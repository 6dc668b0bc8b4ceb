"""The demo partnership's own model: its partners, priorities, cascades, good practice, a narrative.

Recorded through the decision table (as ``lif partner add`` … would), each only when it is not
recorded yet, so re-running the demo adds nothing. The partners cover every agency name the
demo's samples use, under the spellings the samples use.
"""

from __future__ import annotations

from typing import Any

from lif_core.decisions import Creation, Decision, create, decide, declaration
from lif_core.domain import Learning, Measure, Partner, Priority
from lif_core.errors import NotFoundError, RefusedError
from lif_core.eventlog.store import Store

__all__ = ["PARTNERS", "record_partners", "record_partnership"]

PARTNERS: list[dict[str, Any]] = [
    {
        "ref": "LCC",
        "name": "Leeds City Council",
        "sector": "local-authority",
        "statutory": "yes",
        "learning_link_role": "Children and Families workforce development lead",
        # Housing Leeds is the council's housing service: its staff count under the council.
        "alias": [
            "Leeds City Council Children and Families",
            "Children and Families",
            "LCC",
            "Housing Leeds",
        ],
    },
    {
        "ref": "WYP",
        "name": "West Yorkshire Police",
        "sector": "police",
        "statutory": "yes",
        "learning_link_role": "Safeguarding central governance unit training officer",
        "alias": ["WYP", "Police"],
    },
    {
        "ref": "WY-ICB",
        "name": "NHS West Yorkshire Integrated Care Board",
        "sector": "health",
        "statutory": "yes",
        "learning_link_role": "Designated nurse for safeguarding children",
        "alias": ["West Yorkshire ICB", "WY ICB", "Leeds ICB"],
    },
    {
        "ref": "LCH",
        "name": "Leeds Community Healthcare NHS Trust",
        "sector": "health",
        "learning_link_role": "Named nurse for safeguarding children",
        "alias": ["LCH", "Leeds Community Healthcare"],
    },
    {
        "ref": "LTHT",
        "name": "Leeds Teaching Hospitals NHS Trust",
        "sector": "health",
        "learning_link_role": "Named nurse for safeguarding children",
        "alias": ["LTHT", "Leeds Teaching Hospitals"],
    },
    {
        "ref": "LYPFT",
        "name": "Leeds and York Partnership NHS Foundation Trust",
        "sector": "health",
        "learning_link_role": "Named professional for safeguarding children",
    },
    {
        "ref": "SCHOOLS",
        "name": "Leeds schools",
        "sector": "education",
        "learning_link_role": "Designated safeguarding lead network chair",
        # The demo's Section 175 returns name single schools: each counts under the schools.
        "alias": [
            "Schools",
            "Leeds primary schools",
            "Leeds secondary schools",
            "Harewood Lane Academy",
            "Beckside Primary School",
            "Aire Valley Special School",
        ],
    },
    {
        "ref": "EARLY-YEARS",
        "name": "Leeds early years settings",
        "sector": "education",
        "learning_link_role": "Early years safeguarding development officer",
        "alias": ["Early years settings", "Early years"],
    },
    {
        "ref": "PROBATION",
        "name": "Probation Service, West Yorkshire",
        "sector": "probation",
        "learning_link_role": "Head of public protection",
        "alias": ["Probation", "National Probation Service", "Leeds Probation Delivery Unit"],
    },
    {
        "ref": "LYJS",
        "name": "Leeds Youth Justice Service",
        "sector": "youth-justice",
        "learning_link_role": "Youth justice practice development lead",
    },
    {
        "ref": "WETHERBY",
        "name": "HMP/YOI Wetherby",
        "sector": "youth-justice",
        "learning_link_role": "Head of safeguarding",
        "alias": ["HMYOI Wetherby", "Wetherby YOI"],
    },
    {
        "ref": "WYFRS",
        "name": "West Yorkshire Fire and Rescue Service",
        "sector": "other",
        "learning_link_role": "Safeguarding lead",
    },
    {
        "ref": "LSCP",
        "name": "Leeds Safeguarding Children Partnership business unit",
        "sector": "other",
        "learning_link_role": "Learning and development officer",
        "alias": ["LSCP business unit", "LSCP"],
    },
]

PRIORITIES: list[dict[str, Any]] = [
    {
        "ref": "PRI-2025-01",
        "title": "Neglect, and children not brought to appointments",
        "description": "Recognising and responding to neglect early, across agencies.",
        "set_in": "Annual report 2024-25",
        "learning": ["LRN-2025-014", "LRN-2025-019"],
        "measure": ["MEA-ICPC-15WD", "MEA-CPP-REPEAT"],
    },
    {
        "ref": "PRI-2025-02",
        "title": "Hearing the voice of the child",
        "description": "Children's experience recorded and acted on in every agency.",
        "set_in": "Annual report 2024-25",
        "learning": ["LRN-2024-031", "LRN-2024-032"],
        "measure": ["MEA-SAFE-AT-SCHOOL"],
    },
]

# Which partners confirmed they cascaded which learning item; the rest are awaited.
CASCADES = [
    (
        "LRN-2025-014",
        "LCH",
        "single-agency cascade",
        "2025-04-10",
        "Safeguarding supervision, all health visiting teams.",
    ),
    (
        "LRN-2025-014",
        "LTHT",
        "partner training",
        "2025-05-02",
        "Added to level 3 safeguarding training.",
    ),
    ("LRN-2024-031", "WYP", "single-agency cascade", "2024-12-05", "Briefing to every CAIU team."),
    (
        "LRN-2024-031",
        "Leeds City Council Children and Families",
        "policy or procedure updated",
        "2025-01-20",
        "Recording practice standard revised.",
    ),
]

GOOD_PRACTICE = {
    "LRN-2024-031": "Re-audit in May 2025 found the child's experience recorded in 22 of 30 records, up from 11 of 30: a strength to spread.",
}

NARRATIVE: dict[str, Any] = {
    "measure": "MEA-ICPC-15WD",
    "period": "2024-25",
    "story": (
        "Timeliness fell from 87.3% to 86.5% as initial conferences rose by 43: strategy "
        "discussions held late on Fridays and a shortage of conference chairs in the autumn."
    ),
    "partner": ["LCC", "WYP", "LCH"],
    "what_works": "Daily tracking of strategy discussions awaiting a conference; a pool of cover chairs.",
    "action": ["ACT-2025-101"],
    "rationale": "Agreed at the performance and quality assurance subgroup, July 2025.",
}


def _creation(key: str) -> Creation:
    found = declaration(*key.split())
    assert isinstance(found, Creation)
    return found


def _decision(key: str) -> Decision:
    found = declaration(*key.split())
    assert isinstance(found, Decision)
    return found


def _exists(store: Store, cls: Any, reference: str) -> bool:
    return store.exists(cls.stream_id(reference))


def _quietly(do: Any) -> None:
    """A scripted decision the samples did not make possible (an item missing) is skipped."""
    try:
        do()
    except (NotFoundError, RefusedError):
        return


def record_partners(store: Store, actor: str) -> None:
    """Record the partner register (those not recorded yet): before any sample is ingested,
    so the samples' agency names are checked against it as they arrive."""
    for partner in PARTNERS:
        if not _exists(store, Partner, partner["ref"]):
            create(store, _creation("partner add"), partner, actor=actor)


def record_partnership(store: Store, actor: str) -> None:
    """Record the demo partnership's own decisions that are not recorded yet."""
    record_partners(store, actor)
    for spec in PRIORITIES:
        if not _exists(store, Priority, spec["ref"]):
            given = {k: spec[k] for k in ("ref", "title", "description", "set_in")}
            create(store, _creation("priority set"), given, actor=actor)
        links = store.get(Priority, Priority.stream_id(spec["ref"])).links
        for kind, cls in (("learning", Learning), ("measure", Measure)):
            for reference in spec[kind]:
                if {"kind": kind, "reference": reference} in links or not _exists(
                    store, cls, reference
                ):
                    continue
                decide(
                    store,
                    _decision("priority link"),
                    spec["ref"],
                    {kind: reference, "rationale": f"Set in {spec['set_in']}"},
                    actor=actor,
                )
    for reference, who, channel, on, note in CASCADES:
        if not _exists(store, Learning, reference):
            continue
        cascade: dict[str, Any] = {"partner": who, "channel": channel, "on": on, "note": note}
        _quietly(
            lambda r=reference, g=cascade: decide(
                store, _decision("learning cascade"), r, g, actor=actor
            )
        )
    for reference, why in GOOD_PRACTICE.items():
        if _exists(store, Learning, reference):
            _quietly(
                lambda r=reference, w=why: decide(
                    store,
                    _decision("learning good-practice"),
                    r,
                    {"rationale": w},
                    actor=actor,
                )
            )
    measure = str(NARRATIVE["measure"])
    if _exists(store, Measure, measure):
        narrated = getattr(store.get(Measure, Measure.stream_id(measure)), "narrated", [])
        if NARRATIVE["period"] not in narrated:
            given = {k: v for k, v in NARRATIVE.items() if k != "measure"}
            _quietly(
                lambda: decide(store, _decision("measure narrate"), measure, given, actor=actor)
            )
