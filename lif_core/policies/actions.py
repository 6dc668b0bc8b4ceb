"""The actions policy: records whose kind declares actions become Action events."""

from __future__ import annotations

from typing import Any

from lif_core.domain import Action, SourceRecord
from lif_core.plugins.declared import Declared
from lif_core.plugins.loop import (
    ActionDeclaration,
    as_date,
    as_list,
    pick,
)
from lif_core.policies.batch import Batch, attempt, before, find_learning, meta, stated_on, text

__all__ = ["run_actions"]


# --- actions ----------------------------------------------------------------------------------


def _state(declared: ActionDeclaration, attributes: dict[str, Any]) -> str | None:
    word = pick(declared.status, attributes)
    if word is None or str(word).strip() == "":
        return None
    return declared.status_words.get(str(word).strip().casefold(), f"?{word}")


def run_actions(batch: Batch, event: Any, declared: Declared) -> None:
    how = declared.actions(event.source, event.record_kind)
    if how is None:
        return
    evidence = str(event.event_id)
    if isinstance(event, SourceRecord.Withdrawn):
        batch.conflict(
            evidence,
            event.record_key,
            f"the record was removed from {event.source} ({event.reason}); the action is unchanged: cancel or keep it by a decision",
        )
        return
    a = event.attributes
    if how.applies is not None and not how.applies(a):
        return
    reference = text(pick(how.reference, a))
    if reference is None:
        return
    cause = meta(event)
    stated = stated_on(how.stated_on, a, event.valid_from)
    due = as_date(pick(how.due, a))
    action = batch.load(Action, reference)
    old = before(event)
    learning = as_list(pick(how.learning, a))
    if action is None:
        owner = text(pick(how.owner, a)) or "not named by the source"
        action = Action.raise_action(
            reference=reference,
            description=batch.sealed(text(pick(how.description, a)) or reference),
            owner_agency=owner,
            due=due,
            raised_on=stated,
            learning_reference=learning[0] if learning else None,
            actor=batch.actor,
            **cause,
        )
        batch.keep(action)
        old = {}
    elif due is not None and due != action.due:
        old_due = as_date(pick(how.due, old)) if old else None
        if old and old_due != action.due:
            batch.conflict(
                evidence,
                reference,
                f"the source moved the due date from {old_due} to {due}, but it is {action.due} by a recorded decision: not applied",
            )
        elif action.status in ("open", "in-progress"):
            attempt(
                batch,
                evidence,
                reference,
                lambda: action.reschedule(
                    due,
                    f"due date changed in the source's statement of {stated}",
                    batch.actor,
                    **cause,
                ),
            )
    _answer(batch, event, action, learning, as_list(pick(how.learning, old)) if old else [])
    attempt(
        batch,
        evidence,
        reference,
        lambda: action.cite(
            str(event.originator_id),
            event.source,
            event.record_kind,
            event.record_key,
            event.originator_version,
            batch.actor,
            **cause,
        ),
    )
    state = _state(how, a)
    if state is not None and state.startswith("?"):
        batch.conflict(
            evidence,
            reference,
            f"the status {state[1:]!r} means nothing declared (the plugin knows: {', '.join(sorted(how.status_words))}): not applied",
        )
        state = None
    note = text(pick(how.progress, a))
    note_changed = not old or pick(how.progress, old) != pick(how.progress, a)
    rag = (text(pick(how.rag, a)) or "").lower() or None
    # A source that states "in progress" without a progress note still states the status: it is
    # recorded as a progress report whose note says what was stated and when (no progress text
    # is made up). Once in progress, the same statement read again writes nothing.
    new_note = bool(note) and note_changed
    stated_in_progress = state == "in-progress" and action.status == "open"
    if action.status in ("open", "in-progress") and (new_note or stated_in_progress):
        told = (
            batch.sealed(note)
            if note
            else f"in progress in the source's statement of {stated}, with no progress note"
        )
        attempt(
            batch,
            evidence,
            reference,
            lambda: action.progress(
                told,
                rag if rag in ("red", "amber", "green", "blue") else None,
                batch.actor,
                **cause,
            ),
        )
    if state == "complete" and action.status not in ("completed", "impact-verified"):
        done_on = as_date(pick(how.completed_on, a))
        done_text = text(pick(how.evidence, a))
        done_note = None if done_text is None else batch.sealed(done_text)
        if done_on is not None:
            attempt(
                batch,
                evidence,
                reference,
                lambda: action.complete(done_on, done_note, batch.actor, **cause),
            )
        else:
            was_open = bool(old) and _state(how, old) in ("open", "in-progress", None)
            after = stated_on(how.stated_on, old, event.valid_from) if was_open else None
            if after is not None and after >= stated:
                after = None
            attempt(
                batch,
                evidence,
                reference,
                lambda: action.complete_by(after, stated, done_note, batch.actor, **cause),
            )
    elif state == "cancelled" and action.status != "cancelled":
        attempt(
            batch,
            evidence,
            reference,
            lambda: action.cancel(
                f"cancelled in the source's statement of {stated}", batch.actor, **cause
            ),
        )
    elif state in ("open", "in-progress") and action.status in (
        "completed",
        "cancelled",
        "impact-verified",
    ):
        batch.conflict(
            evidence,
            reference,
            f"the source says {state} but the action is {action.status}: not applied",
        )
    if how.impact is not None and how.impact(a) and action.status == "completed":
        shows = text(pick(how.evidence, a)) or "the source reports impact"
        attempt(
            batch,
            evidence,
            reference,
            lambda: action.verify_impact(
                batch.sealed(f"evidence of impact in the source's statement of {stated}: {shows}"),
                [str(event.originator_id)],
                batch.actor,
                **cause,
            ),
        )
        for learning_reference in as_list(pick(how.learning, a)):
            _impact_on_learning(batch, event, learning_reference, shows)


def _answer(batch: Batch, event: Any, action: Action, named: list[str], before: list[str]) -> None:
    """Record every learning item the statement names that the action does not answer yet (at
    raise: all but the first). An item a later statement drops stays answered: the action
    answered it once, so only a decision takes it away; the policy records a conflict for one."""
    for learning_reference in named:
        if learning_reference not in action.learning_references:
            action.answer(learning_reference, batch.actor, **meta(event))
    dropped = [r for r in before if r not in named and r in action.learning_references]
    if dropped:
        batch.conflict(
            str(event.event_id),
            action.reference,
            f"{event.source} no longer names {', '.join(dropped)} for {action.reference}; "
            "it still answers them: not applied (decide whether it still does)",
        )


def _impact_on_learning(batch: Batch, event: Any, reference: str, shows: str) -> None:
    item = find_learning(batch, [reference])
    record = str(event.originator_id)
    if item is None or record in item.evidence:
        return
    if item.status in ("declined", "closed"):
        batch.conflict(
            str(event.event_id),
            item.reference,
            f"{event.source} reports impact on an action for {item.reference}, which is "
            f"{item.status}: not linked (link it by a decision if it belongs there)",
        )
        return
    attempt(
        batch,
        str(event.event_id),
        item.reference,
        lambda: item.link_evidence(
            record, batch.sealed(f"evidence of impact: {shows}"), batch.actor, **meta(event)
        ),
    )
