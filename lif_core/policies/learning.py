"""The learning policy: records whose kind declares learning become Learning events."""

from __future__ import annotations

from typing import Any

from lif_core.domain import Learning, SourceRecord
from lif_core.plugins.declared import Declared
from lif_core.plugins.loop import (
    LearningDeclaration,
    as_date,
    as_list,
    pick,
)
from lif_core.policies.batch import Batch, attempt, before, find_learning, meta, text

__all__ = ["run_learning"]


# --- learning ---------------------------------------------------------------------------------


def _title(statement: str) -> str:
    first = statement.split(". ")[0].strip().rstrip(".")
    return first if len(first) <= 90 else first[:87].rstrip() + "…"


def _origin(how: LearningDeclaration, a: dict[str, Any], fallback: str) -> str:
    if how.origin is None:
        return fallback
    value = pick(how.origin, a)
    return text(value) or fallback


def run_learning(batch: Batch, event: Any, declared: Declared) -> None:
    how = declared.learning(event.source, event.record_kind)
    if how is None:
        return
    evidence = str(event.event_id)
    if isinstance(event, SourceRecord.Withdrawn):
        batch.conflict(
            evidence,
            event.record_key,
            f"the item was removed from {event.source} ({event.reason}); the register is unchanged",
        )
        return
    a = event.attributes
    if how.applies is not None and not how.applies(a):
        return
    reference = text(pick(how.reference, a))
    statement = text(pick(how.statement, a))
    if reference is None or statement is None:
        return
    same = [r for r in as_list(pick(how.same_as, a)) if r != reference]
    cause = meta(event)
    item = find_learning(batch, [reference, *same])
    if item is None:
        item = Learning.identify(
            reference=reference,
            title=batch.sealed(_title(statement)),
            statement=batch.sealed(statement),
            themes=as_list(pick(how.themes, a)),
            source_kind=_origin(how, a, event.source),
            identified_on=as_date(pick(how.identified_on, a)) or event.valid_from,
            actor=batch.actor,
            **cause,
        )
        batch.keep(item)
    elif isinstance(event, SourceRecord.Revised) and any(
        pick(h, before(event)) != pick(h, a) for h in (how.statement, how.themes) if h is not None
    ):
        batch.conflict(
            evidence,
            item.reference,
            "the source changed the learning statement or themes; the register keeps the recorded wording until someone decides",
        )
    for name in (reference, *same):
        if name != item.reference:
            batch.aliases[name] = item.reference
    record = str(event.originator_id)
    agencies = as_list(pick(how.agencies, a))
    audience = text(pick(how.audience, a))
    source_reference = text(pick(how.source_reference, a))
    item.cite(
        record_id=record,
        source=event.source,
        kind=event.record_kind,
        key=event.record_key,
        version=event.originator_version,
        reference_there=reference,
        source_reference=source_reference,
        agencies=agencies,
        audience=audience,
        actor=batch.actor,
        **cause,
    )
    when = as_date(pick(how.shared_on, a))
    if when is not None:
        done = {(d["channel"], d["on"].isoformat()) for d in item.disseminations}
        for channel in as_list(pick(how.channels, a)):
            if (channel, when.isoformat()) not in done:
                attempt(
                    batch,
                    evidence,
                    item.reference,
                    lambda channel=channel: item.disseminate(  # type: ignore[misc]
                        channel, when, audience, batch.actor, **cause
                    ),
                )
    impact = text(pick(how.impact, a))
    if impact and record not in item.evidence:
        attempt(
            batch,
            evidence,
            item.reference,
            lambda: item.link_evidence(
                record, batch.sealed(f"evidence of impact: {impact}"), batch.actor, **cause
            ),
        )
