"""What each event says, in words an auditor reads: one sentence, its valid time, its rationale."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lif_core.privacy.vault import is_sealed, sealed_key

__all__ = ["describe", "rationale", "valid_time"]

Words = Callable[[dict[str, Any]], str]


def _quoted(value: Any) -> str:
    return f"“{value}”"


def _restored(d: dict[str, Any]) -> str:
    restores = d.get("restores") or {}
    parts = [f"{name} back to {_value(value)}" for name, value in sorted(restores.items())]
    return ", ".join(parts) or "nothing"


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return f"{len(value)} item(s)"
    return str(value)


def _changed(d: dict[str, Any]) -> str:
    changes = d.get("changes") or {}
    parts = [
        f"{name} {_value(change.get('from'))} → {_value(change.get('to'))}"
        if isinstance(change, dict)
        else name
        for name, change in sorted(changes.items())
    ]
    return "; ".join(parts) or "no attribute changed"


_WORDS: dict[str, Words] = {
    "Learning.Identified": lambda d: (
        f"identified {_quoted(d.get('title'))} from a {d.get('source_kind')}"
        + (f" (themes: {', '.join(d.get('themes') or [])})" if d.get("themes") else "")
    ),
    "Learning.Prioritised": lambda d: f"prioritised as {d.get('priority')}",
    "Learning.Accepted": lambda d: "accepted for action",
    "Learning.Declined": lambda d: "declined",
    "Learning.Disseminated": lambda d: (
        f"shared by {d.get('channel')} on {d.get('disseminated_on')}"
        + (f" with {d.get('audience')}" if d.get("audience") else "")
    ),
    "Learning.EvidenceLinked": lambda d: (
        f"source record {d.get('evidence_id')} linked as evidence"
        + (f": {_quoted(d.get('note'))}" if d.get("note") else "")
    ),
    "Learning.EmbeddingAssessed": lambda d: f"embedding assessed as {d.get('assessment')}",
    "Learning.Closed": lambda d: "closed",
    "Learning.Reopened": lambda d: "reopened",
    "Action.Raised": lambda d: (
        f"raised for {d.get('owner_agency')}: {_quoted(d.get('description'))}, due {d.get('due')}"
        + (f", against {d.get('learning_reference')}" if d.get("learning_reference") else "")
    ),
    "Action.LearningAdded": lambda d: f"answers {d.get('learning_reference')} as well",
    "Action.ProgressReported": lambda d: (
        "progress reported"
        + (f" (RAG {d.get('rag')})" if d.get("rag") else "")
        + f": {_quoted(d.get('note'))}"
    ),
    "Action.Rescheduled": lambda d: f"due date moved to {d.get('due')}",
    "Action.Completed": lambda d: (
        f"completed on {d.get('completed_on')}"
        + (f": {_quoted(d.get('note'))}" if d.get("note") else "")
    ),
    "Action.CompletedBy": lambda d: (
        f"completed by {d.get('by')} at the latest"
        + (f" (after {d.get('after')})" if d.get("after") else "")
        + " (the source states no completion day)"
        + (f": {_quoted(d.get('note'))}" if d.get("note") else "")
    ),
    "Action.Cited": lambda d: (
        f"rests on {d.get('source')} {d.get('record_kind')} {d.get('record_key')} v{d.get('record_version')}"
    ),
    "Learning.Cited": lambda d: (
        f"rests on {d.get('source')} {d.get('record_kind')} {d.get('record_key')} v{d.get('record_version')}"
        + (f" (from {d.get('source_reference')})" if d.get("source_reference") else "")
    ),
    "Learning.ClosedOverride": lambda d: (
        f"closed without an embedding assessment: {d.get('override')}"
    ),
    "Action.ImpactVerified": lambda d: "impact verified",
    "Action.Cancelled": lambda d: "cancelled",
    "Measure.Defined": lambda d: (
        f"defined {_quoted(d.get('name'))} ({d.get('category')}, {d.get('unit')}, {d.get('polarity')})"
    ),
    "Measure.TargetSet": lambda d: f"target set to {d.get('target')}",
    "Measure.Retired": lambda d: "retired",
    "SourceRecord.Recorded": lambda d: f"recorded from {d.get('source')}",
    "SourceRecord.Revised": lambda d: f"revised at the source: {_changed(d)}",
    "SourceRecord.Withdrawn": lambda d: f"withdrawn: {d.get('reason')}",
    "IngestionRun.Started": lambda d: f"ingestion of {d.get('origin')} started",
    "IngestionRun.Completed": lambda d: "ingestion completed",
    "IngestionRun.Failed": lambda d: f"ingestion failed: {d.get('reason')}",
    "IngestionRun.RecordRejected": lambda d: (
        "record rejected (why and the row are sealed: `lif rejects show`)"
        if is_sealed(d.get("reasons"))
        else f"record rejected: {'; '.join(d.get('reasons') or [])}"
    ),
    "Erasure.Erased": lambda d: (
        f"erased {d.get('what')}: {len(d.get('keys') or [])} data key(s) destroyed"
    ),
}
_CORRECTED = ("Learning.Corrected", "Action.Corrected", "Measure.Corrected")


def _sealed_words(value: Any, erased: Mapping[str, str]) -> Any:
    """A sealed value (a record's text, carried over by a policy) as words: the trail and the
    pack show the stored form, never the text, so no erasure can leave the text in them; once
    its key is destroyed, they say so and when (``erased``: key name to the erasure's time)."""
    if is_sealed(value):
        key = str(sealed_key(value))
        if key in erased:
            return f"[erased on {erased[key][:10]}: {key}]"
        return f"[sealed under {key}]"
    if isinstance(value, dict):
        return {k: _sealed_words(v, erased) for k, v in value.items()}
    return value


def describe(
    event_type: str,
    data: dict[str, Any],
    corrected: str = "",
    erased: Mapping[str, str] | None = None,
) -> str:
    """One sentence for one event. ``corrected`` names the event a correction corrects;
    ``erased`` the destroyed data keys (name to when), so a sealed value reads as erased."""
    if not event_type.startswith("IngestionRun."):
        data = {k: _sealed_words(v, erased or {}) for k, v in data.items()}
    if "_unreadable" in data:
        return f"unreadable: {data['_unreadable']}"
    if event_type in _CORRECTED:
        return f"corrected {corrected or _text(data, 'corrects')}: {_restored(data)}"
    words = _WORDS.get(event_type)
    if words is None:
        return event_type.split(".")[-1].lower()
    try:
        return words(data)
    except (AttributeError, TypeError):  # a tampered or foreign event of an unexpected shape
        return event_type.split(".")[-1].lower()


def _text(data: dict[str, Any], name: str) -> str:
    return str(data.get(name) or "")


def valid_time(event_type: str, data: dict[str, Any]) -> str | None:
    """The date (or period) the event is about, when it says one: the other clock."""
    if event_type.startswith("SourceRecord."):
        start, end = data.get("valid_from"), data.get("valid_to")
        return f"{start} to {end}" if start and end else (str(start) if start else None)
    for name in ("identified_on", "disseminated_on", "raised_on", "completed_on", "by"):
        if data.get(name):
            return str(data[name])
    if event_type == "Action.Rescheduled" and data.get("due"):
        return f"due {data['due']}"
    return None


def rationale(data: dict[str, Any], erased: Mapping[str, str] | None = None) -> str | None:
    """Why, as recorded with the event (a correction's reason counts)."""
    for name in ("rationale", "reason"):
        value = data.get(name)
        if is_sealed(value):
            return str(_sealed_words(value, erased or {}))
        if isinstance(value, str) and value.strip():
            return value
    return None
