"""Learning candidates: evidence in the sources that someone should look at, each citing its evidence.

Rules (each documented in docs/projections.md):
- a local children's social care provider judged inadequate or requires improvement (Ofsted);
- the local authority's children's services judged inadequate or requires improvement (ILACS);
- a local health location rated inadequate or requires improvement (CQC, where the location's
  local authority is known);
- a Child Death Overview Panel theme (modifiable factors the panel named);
- a jump of 25% or more in substantiated LADO allegations from one year to the next.
"Local" is ``LIF_LOCAL_AUTHORITY`` (Leeds by default).
"""

from __future__ import annotations

import itertools
from typing import Any

from lif_core.plugins import grade_slug
from projections.engine import Column, Context, EventView, Table

NAME = "candidates"
TOPICS = {"SourceRecord.Recorded", "SourceRecord.Revised", "SourceRecord.Withdrawn"}
CONCERN = {"inadequate", "requires-improvement"}
JUMP = 1.25
_ILACS_JUDGEMENTS = (
    "overall_effectiveness",
    "impact_of_leaders",
    "help_and_protection",
    "children_in_care",
    "care_leavers",
)


def apply(state: dict[str, Any], event: EventView) -> set[str]:
    d = event.data
    source = d["source"]
    key = f"{source}|{event.stream_id}"
    if event.type == "SourceRecord.Withdrawn":
        if key in state:
            state[key]["withdrawn"] = True
            return {key}
        return set()
    a = d["attributes"]
    kind = d["record_kind"]
    keep: dict[str, Any] | None = None
    if source == "ofsted-social-care" and kind == "provider":
        keep = {
            "urn": a.get("urn"),
            "la": a.get("local_authority"),
            "type": a.get("provision_type"),
        }
    elif source == "ofsted-social-care" and kind == "inspection" and _concern(a.get("overall")):
        keep = {
            "urn": a.get("urn"),
            "grade": grade_slug(a["overall"]),
            "date": a.get("inspection_date"),
        }
    elif source == "ofsted-ilacs" and any(_concern(a.get(j)) for j in _ILACS_JUDGEMENTS):
        keep = {
            "la": a.get("local_authority"),
            "date": a.get("inspection_end_date"),
            "grades": {j: grade_slug(a.get(j)) for j in _ILACS_JUDGEMENTS if _concern(a.get(j))},
        }
    elif (
        source == "cqc"
        and a.get("domain") == "Overall"
        and _concern(a.get("rating"))
        and a.get("local_authority")
    ):
        keep = {
            "la": a.get("local_authority"),
            "location": a.get("location_name") or a.get("location_id"),
            "grade": grade_slug(a["rating"]),
            "date": a.get("publication_date"),
        }
    elif source == "cdop" and kind == "theme":
        keep = {
            "theme": a.get("theme"),
            "year": a.get("reporting_year"),
            "n": a.get("deaths_reviewed"),
            "text": a.get("description"),
        }
    elif (
        source == "lado"
        and a.get("metric_code") == "LADO-OUTCOME"
        and str(a.get("outcome") or "").lower() == "substantiated"
        and not a.get("employment_sector")
    ):
        keep = {"year": a.get("reporting_year"), "value": a.get("value")}
    if keep is None:
        if key in state:  # a revision took it out of scope (e.g. a regraded inspection)
            del state[key]
            return {key}
        return set()
    state[key] = {
        "source": source,
        "kind": kind,
        "stream_id": event.stream_id,
        "version": event.version,
        "event_id": event.event_id,
        "valid_from": d["valid_from"],
        "withdrawn": False,
        **keep,
    }
    return {key}


def _concern(grade: Any) -> bool:
    """A concerning grade in either spelling (older stores hold ``requires_improvement``:
    docs/design.md, "Grade words")."""
    return grade_slug(grade) in CONCERN


def _local(value: Any, context: Context) -> bool:
    return str(value or "").strip().casefold() == context.local_authority.casefold()


def _render(states: dict[str, dict[str, Any]], context: Context) -> list[dict[str, Any]]:
    state = {k: v for k, v in states.get(NAME, {}).items() if not v.get("withdrawn")}
    la_of = {
        v["urn"]: v
        for v in state.values()
        if v["source"] == "ofsted-social-care" and v["kind"] == "provider"
    }
    out: list[dict[str, Any]] = []

    def add(v: dict[str, Any], rule: str, summary: str, on: Any) -> None:
        out.append(
            {
                "candidate_id": f"{rule}:{v['stream_id']}",
                "rule": rule,
                "source": v["source"],
                "summary": summary,
                "evidence_date": on,
                "evidence_record": v["stream_id"],
                "evidence_version": v["version"],
                "evidence_event_id": v["event_id"],
                "local_authority": context.local_authority,
                "reference_date": context.reference_date,
            }
        )

    for v in state.values():
        if v["source"] == "ofsted-social-care" and v["kind"] == "inspection":
            provider = la_of.get(v["urn"])
            if provider and _local(provider["la"], context):
                add(
                    v,
                    "ofsted-provider-concern",
                    f"{provider.get('type') or 'Provider'} {v['urn']} judged {v['grade']} on {v['date']}",
                    v["date"],
                )
        elif v["source"] == "ofsted-ilacs" and _local(v["la"], context):
            grades = ", ".join(f"{k.replace('_', ' ')}: {g}" for k, g in v["grades"].items())
            add(
                v,
                "ilacs-concern",
                f"Children's services inspection ending {v['date']}: {grades}",
                v["date"],
            )
        elif v["source"] == "cqc" and _local(v["la"], context):
            add(
                v,
                "cqc-concern",
                f"{v['location']} rated {v['grade']} overall ({v['date']})",
                v["date"],
            )
        elif v["source"] == "cdop":
            add(
                v,
                "cdop-theme",
                f"CDOP {v['year']}: {v['theme']}"
                + (f" ({v['n']} deaths reviewed)" if v["n"] is not None else ""),
                v["valid_from"],
            )
    lado = sorted(
        (v for v in state.values() if v["source"] == "lado"), key=lambda v: v["valid_from"]
    )
    for before, after in itertools.pairwise(lado):
        if before["value"] and after["value"] and after["value"] >= before["value"] * JUMP:
            add(
                after,
                "lado-substantiated-jump",
                f"Substantiated LADO allegations rose from {before['value']} ({before['year']}) to {after['value']} ({after['year']})",
                after["valid_from"],
            )
    return out


TABLES = [
    Table(
        name="learning_candidates",
        description="Evidence that should be looked at for learning, each row citing the source record version it rests on.",
        key=("candidate_id",),
        render=_render,
        columns=(
            Column(
                "candidate_id",
                "TEXT",
                "Rule and evidence record, e.g. ofsted-provider-concern:<record id>.",
            ),
            Column(
                "rule",
                "TEXT",
                "ofsted-provider-concern, ilacs-concern, cqc-concern, cdop-theme or lado-substantiated-jump.",
            ),
            Column("source", "TEXT", "The source of the evidence."),
            Column("summary", "TEXT", "What was found, in words."),
            Column(
                "evidence_date",
                "DATE",
                "The date the evidence is about (inspection, publication, reporting year).",
            ),
            Column("evidence_record", "TEXT", "The source record id (cite it with --evidence)."),
            Column(
                "evidence_version",
                "INTEGER",
                "The version of the source record the candidate rests on.",
            ),
            Column("evidence_event_id", "TEXT", "The event id of that version."),
            Column("local_authority", "TEXT", "The local authority the rules treat as local."),
            Column("reference_date", "DATE", "The reference date of the build."),
        ),
    )
]
