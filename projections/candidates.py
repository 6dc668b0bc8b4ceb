"""Learning candidates: findings the plugins declare, each citing the source record version it rests on.

A record kind declares its findings (:class:`~lif_core.plugins.Finding`): which records are
findings, their text, severity, themes, who must respond, the area they are about, and the rule
name they appear under. This module names no source: a third-party plugin's findings become
candidates exactly as a built-in's do. "Local" is ``LIF_LOCAL_AUTHORITY`` (Leeds by default): a
finding whose declared area is elsewhere is no candidate. docs/plugins.md lists the rules
the built-in plugins declare.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from lif_core.plugins.loop import Finding, as_date, as_list, pick
from projections.engine import Column, Context, EventView, Table, kept_attributes

NAME = "candidates"
USES_CONTEXT = True
TOPICS = {"SourceRecord.Recorded", "SourceRecord.Revised", "SourceRecord.Withdrawn"}


def apply(state: dict[str, Any], event: EventView, *, context: Context) -> set[str]:
    d = event.data
    source, kind = d["source"], d["record_kind"]
    key = f"{source}|{event.stream_id}"
    if event.type == "SourceRecord.Withdrawn":
        if key in state:
            state[key]["withdrawn"] = True
            return {key}
        return set()
    a = d["attributes"]
    findings = context.declared.findings(source, kind)
    rules = [f.rule for f in findings if f.applies is None or f.applies(a)]
    joined = context.declared.joined(source, kind)
    if not rules and not joined:
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
        "rules": rules,
        "attributes": kept_attributes(a),
    }
    return {key}


def _number(value: Any) -> Decimal | None:
    try:
        return None if value is None or isinstance(value, bool) else Decimal(str(value))
    except InvalidOperation:
        return None


def _local(value: Any, context: Context) -> bool:
    return str(value or "").strip().casefold() == context.local_authority.casefold()


def _declared(context: Context, v: dict[str, Any], rule: str) -> Finding | None:
    return next(
        (f for f in context.declared.findings(v["source"], v["kind"]) if f.rule == rule), None
    )


def _render(states: dict[str, dict[str, Any]], context: Context) -> list[dict[str, Any]]:
    state = {k: v for k, v in states.get(NAME, {}).items() if not v.get("withdrawn")}
    joins = {
        (source, f.area_from[0], f.area_from[1])
        for (source, _), declared_kind in context.declared.kinds.items()
        for f in declared_kind.findings
        if f.area_from is not None
    }
    lookup: dict[tuple[str, str, str, str], Mapping[str, Any]] = {}
    for v in state.values():
        for source, kind, on in joins:
            if (source, kind) == (v["source"], v["kind"]):
                lookup[(source, kind, on, str(v["attributes"].get(on)))] = v["attributes"]
    out: list[dict[str, Any]] = []
    series: dict[tuple[str, str, str], list[tuple[dict[str, Any], Finding]]] = {}

    def add(v: dict[str, Any], f: Finding, attributes: Mapping[str, Any]) -> None:
        on = as_date(pick(f.dated, attributes)) or v["valid_from"]
        out.append(
            {
                "candidate_id": f"{f.rule}:{v['stream_id']}",
                "rule": f.rule,
                "source": v["source"],
                "summary": str(pick(f.text, attributes)),
                "severity": _text(pick(f.severity, attributes)),
                "themes": "; ".join(as_list(pick(f.themes, attributes))),
                "responds": _text(pick(f.responds, attributes)),
                "evidence_date": on,
                "evidence_record": v["stream_id"],
                "evidence_version": v["version"],
                "evidence_event_id": v["event_id"],
                "local_authority": context.local_authority,
                "reference_date": context.reference_date,
            }
        )

    for v in state.values():
        for rule in v["rules"]:
            f = _declared(context, v, rule)
            if f is None:
                continue
            attributes: Mapping[str, Any] = v["attributes"]
            if f.area_from is not None:
                other = lookup.get(
                    (
                        v["source"],
                        f.area_from[0],
                        f.area_from[1],
                        str(attributes.get(f.area_from[1])),
                    )
                )
                if other is None:
                    continue  # the area is not known: no candidate
                attributes = {**other, **attributes}
            if (f.area is not None or f.area_from is not None) and not _local(
                pick(f.area, attributes), context
            ):
                continue
            if f.rise is not None:
                name = str(pick(f.series, attributes))
                series.setdefault((v["source"], rule, name), []).append((v, f))
                continue
            add(v, f, attributes)
    for entries in series.values():
        entries.sort(key=lambda e: e[0]["valid_from"])
        for (before, _), (after, f) in itertools.pairwise(entries):
            was = _number(pick(f.value, before["attributes"]))
            now = _number(pick(f.value, after["attributes"]))
            if was and now is not None and now >= was * Decimal(str(f.rise)):
                add(after, f, {**after["attributes"], "previous": before["attributes"]})
    return out


def _text(value: Any) -> str | None:
    return None if value is None or str(value).strip() == "" else str(value)


TABLES = [
    Table(
        name="learning_candidates",
        description="Findings that should be looked at for learning, each row citing the source record version it rests on.",
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
                "The finding rule its source plugin declares (docs/plugins.md lists the built-in ones).",
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
            Column(
                "severity",
                "TEXT",
                "The grade or severity the source gives; empty when it gives none.",
                since=2,
            ),
            Column("themes", "TEXT", "Practice themes, separated by '; '.", since=2),
            Column(
                "responds",
                "TEXT",
                "The body that must respond; empty when the source names none.",
                since=2,
            ),
        ),
    )
]
