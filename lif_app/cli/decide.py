"""``lif learning|action|measure …``: the decision commands, each recording who, why and on what evidence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID, uuid4

import typer
from rich.markup import escape

from lif_app.cli._common import (
    ActorOpt,
    JsonOpt,
    actor,
    console,
    handle_errors,
    open_store,
    print_json,
)
from lif_app.cli.app import app
from lif_core.decisions import check_evidence, event_summary, find_reference, next_reference
from lif_core.domain import Action, Learning, Measure
from lif_core.domain.base import LifAggregate
from lif_core.errors import ConfigError, RefusedError
from lif_core.eventlog.store import Store

__all__ = ["action_app", "learning_app", "measure_app"]

learning_app = typer.Typer(
    help="Record decisions about learning items (LRN-…).", no_args_is_help=True
)
action_app = typer.Typer(help="Record actions and their progress (ACT-…).", no_args_is_help=True)
measure_app = typer.Typer(help="Define OBA measures (MEA-…).", no_args_is_help=True)
app.add_typer(learning_app, name="learning")
app.add_typer(action_app, name="action")
app.add_typer(measure_app, name="measure")

RationaleOpt = typer.Option(None, "--rationale", help="Why: required for every decision.")
EvidenceOpt = typer.Option(
    None, "--evidence", help="A source record id cited as evidence (repeatable)."
)


def _day(value: str | None, option: str) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} {value!r} is not a date like 2025-03-31") from None


def _decimal(value: str, option: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ConfigError(f"{option} {value!r} is not a number") from None


def _show(events: list[Any], json_out: bool, reference: str = "") -> None:
    summaries = [event_summary(e) for e in events]
    if json_out:
        print_json(summaries[0] if len(summaries) == 1 else summaries)
        return
    for s in summaries:
        ref = s.get("reference") or reference
        console.print(
            "[green]recorded[/] "
            + escape(f"{s['type']} {ref} v{s['version']} by {s['actor']} at {s['recorded_at']}"),
            highlight=False,
        )


def _cite(store: Store, evidence: list[str] | None) -> list[str]:
    """Evidence ids -> the event ids of the cited source records' current versions (causation)."""
    causation = []
    for stream_id in check_evidence(store, evidence or []):
        last = store.recorder.select_events(UUID(stream_id), desc=True, limit=1)[0]
        causation.append(str(store.decode(last).event_id))
    return causation


def _correct(
    cls: type[LifAggregate],
    reference: str,
    event_id: str,
    reason: str | None,
    actor_name: str | None,
    json_out: bool,
) -> None:
    """Record a correction of one earlier event (nothing is edited or deleted)."""
    from lif_core.audit.corrections import plan_correction

    with open_store() as store:
        agg, restores = plan_correction(store, cls, reference, event_id)
        event = agg.correct(
            str(UUID(event_id)), reason or "", restores, actor(actor_name), str(uuid4())
        )
        store.save(agg)
    _show([event], json_out, reference)


CorrectEventOpt = typer.Option(
    ..., "--event", help="The id of the event that was wrong (`lif audit trail` shows them)."
)
ReasonOpt = typer.Option(None, "--reason", help="Why the event was wrong: required.")


def _decide(
    cls: type[LifAggregate],
    reference: str,
    json_out: bool,
    command: Callable[[Any, dict[str, Any]], Any],
    evidence: list[str] | None = None,
) -> None:
    with open_store() as store:
        agg = find_reference(store, cls, reference)
        meta = {"causation": _cite(store, evidence), "correlation": str(uuid4())}
        event = command(agg, meta)
        store.save(agg)
    _show([event], json_out, reference)


# --- learning ---------------------------------------------------------------------------------


@learning_app.command("identify")
@handle_errors
def learning_identify(
    title: str = typer.Option(..., "--title"),
    statement: str = typer.Option(..., "--statement", help="The learning statement."),
    theme: list[str] = typer.Option(None, "--theme", help="A theme (repeatable)."),
    source_kind: str = typer.Option(
        ..., "--source-kind", help="review, audit, inspection, cdop, survey, …"
    ),
    ref: str = typer.Option(None, "--ref", help="Reference (default: the next LRN-YYYY-NNN)."),
    identified_on: str = typer.Option(
        None, "--identified-on", help="Date identified (default today)."
    ),
    evidence: list[str] = EvidenceOpt,
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Identify a new learning item."""
    on = _day(identified_on, "--identified-on")
    with open_store() as store:
        reference = ref or next_reference(store, Learning, on.year)
        if store.exists(Learning.stream_id(reference)):
            raise RefusedError(f"{reference} already exists")
        item = Learning.identify(
            reference=reference,
            title=title,
            statement=statement,
            themes=list(theme or []),
            source_kind=source_kind,
            identified_on=on,
            actor=actor(actor_name),
            causation=_cite(store, evidence),
            correlation=str(uuid4()),
        )
        events = list(item.pending_events)
        store.save(item)
    _show(events, json_out)


@learning_app.command("prioritise")
@handle_errors
def learning_prioritise(
    reference: str,
    priority: str = typer.Option(..., "--priority", help="high, medium or low"),
    rationale: str = RationaleOpt,
    evidence: list[str] = EvidenceOpt,
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Set a learning item's priority."""
    _decide(
        Learning,
        reference,
        json_out,
        lambda a, m: a.prioritise(priority, rationale or "", actor(actor_name), **m),
        evidence,
    )


@learning_app.command("accept")
@handle_errors
def learning_accept(
    reference: str,
    rationale: str = RationaleOpt,
    evidence: list[str] = EvidenceOpt,
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Accept a learning item for action."""
    _decide(
        Learning,
        reference,
        json_out,
        lambda a, m: a.accept(rationale or "", actor(actor_name), **m),
        evidence,
    )


@learning_app.command("decline")
@handle_errors
def learning_decline(
    reference: str,
    rationale: str = RationaleOpt,
    evidence: list[str] = EvidenceOpt,
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Decline a learning item (it will not be disseminated)."""
    _decide(
        Learning,
        reference,
        json_out,
        lambda a, m: a.decline(rationale or "", actor(actor_name), **m),
        evidence,
    )


@learning_app.command("disseminate")
@handle_errors
def learning_disseminate(
    reference: str,
    channel: str = typer.Option(
        ..., "--channel", help="newsletter, 7-minute briefing, training, procedure, …"
    ),
    on: str = typer.Option(None, "--on", help="Date shared (default today)."),
    audience: str = typer.Option(None, "--audience"),
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Record that a learning item was shared."""
    day = _day(on, "--on")
    _decide(
        Learning,
        reference,
        json_out,
        lambda a, m: a.disseminate(channel, day, audience, actor(actor_name), **m),
    )


@learning_app.command("link-evidence")
@handle_errors
def learning_link_evidence(
    reference: str,
    evidence: str = typer.Option(..., "--evidence", help="Source record id."),
    note: str = typer.Option(None, "--note"),
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Link a source record to a learning item as evidence."""
    _decide(
        Learning,
        reference,
        json_out,
        lambda a, m: a.link_evidence(evidence, note, actor(actor_name), **m),
        [evidence],
    )


@learning_app.command("assess-embedding")
@handle_errors
def learning_assess_embedding(
    reference: str,
    assessment: str = typer.Option(
        ..., "--assessment", help="embedded, partly-embedded or not-embedded"
    ),
    rationale: str = RationaleOpt,
    evidence: list[str] = EvidenceOpt,
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Record how far a learning item is embedded in practice."""
    _decide(
        Learning,
        reference,
        json_out,
        lambda a, m: a.assess_embedding(assessment, rationale or "", actor(actor_name), **m),
        evidence,
    )


@learning_app.command("close")
@handle_errors
def learning_close(
    reference: str,
    rationale: str = RationaleOpt,
    evidence: list[str] = EvidenceOpt,
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Close a learning item."""
    _decide(
        Learning,
        reference,
        json_out,
        lambda a, m: a.close(rationale or "", actor(actor_name), **m),
        evidence,
    )


@learning_app.command("reopen")
@handle_errors
def learning_reopen(
    reference: str,
    rationale: str = RationaleOpt,
    evidence: list[str] = EvidenceOpt,
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Reopen a closed learning item."""
    _decide(
        Learning,
        reference,
        json_out,
        lambda a, m: a.reopen(rationale or "", actor(actor_name), **m),
        evidence,
    )


@learning_app.command("correct")
@handle_errors
def learning_correct(
    reference: str,
    event_id: str = CorrectEventOpt,
    reason: str = ReasonOpt,
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Correct a wrong decision: put back what it changed (it stays in the history, linked)."""
    _correct(Learning, reference, event_id, reason, actor_name, json_out)


# --- actions -----------------------------------------------------------------------------------


@action_app.command("raise")
@handle_errors
def action_raise(
    description: str = typer.Option(..., "--description"),
    owner_agency: str = typer.Option(..., "--owner-agency"),
    due: str = typer.Option(..., "--due", help="Due date, e.g. 2025-09-30."),
    learning: str = typer.Option(None, "--learning", help="The learning item it answers (LRN-…)."),
    ref: str = typer.Option(None, "--ref", help="Reference (default: the next ACT-YYYY-NNN)."),
    raised_on: str = typer.Option(None, "--raised-on"),
    evidence: list[str] = EvidenceOpt,
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Raise an action."""
    on = _day(raised_on, "--raised-on")
    due_day = _day(due, "--due")
    with open_store() as store:
        if learning:
            find_reference(store, Learning, learning)
        reference = ref or next_reference(store, Action, on.year)
        if store.exists(Action.stream_id(reference)):
            raise RefusedError(f"{reference} already exists")
        item = Action.raise_action(
            reference=reference,
            description=description,
            owner_agency=owner_agency,
            due=due_day,
            raised_on=on,
            learning_reference=learning,
            actor=actor(actor_name),
            causation=_cite(store, evidence),
            correlation=str(uuid4()),
        )
        events = list(item.pending_events)
        store.save(item)
    _show(events, json_out)


@action_app.command("progress")
@handle_errors
def action_progress(
    reference: str,
    note: str = typer.Option(..., "--note"),
    rag: str = typer.Option(None, "--rag", help="red, amber, green or blue"),
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Report progress on an action."""
    _decide(
        Action,
        reference,
        json_out,
        lambda a, m: a.progress(note, rag.lower() if rag else None, actor(actor_name), **m),
    )


@action_app.command("reschedule")
@handle_errors
def action_reschedule(
    reference: str,
    due: str = typer.Option(..., "--due"),
    rationale: str = RationaleOpt,
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Move an action's due date."""
    day = _day(due, "--due")
    _decide(
        Action,
        reference,
        json_out,
        lambda a, m: a.reschedule(day, rationale or "", actor(actor_name), **m),
    )


@action_app.command("complete")
@handle_errors
def action_complete(
    reference: str,
    on: str = typer.Option(None, "--on"),
    note: str = typer.Option(None, "--note"),
    evidence: list[str] = EvidenceOpt,
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Mark an action complete."""
    day = _day(on, "--on")
    _decide(
        Action,
        reference,
        json_out,
        lambda a, m: a.complete(day, note, actor(actor_name), **m),
        evidence,
    )


@action_app.command("verify-impact")
@handle_errors
def action_verify_impact(
    reference: str,
    rationale: str = RationaleOpt,
    evidence: list[str] = EvidenceOpt,
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Record that a completed action's impact was evidenced (re-audit, a change in the data)."""
    _decide(
        Action,
        reference,
        json_out,
        lambda a, m: a.verify_impact(rationale or "", list(evidence or []), actor(actor_name), **m),
        evidence,
    )


@action_app.command("cancel")
@handle_errors
def action_cancel(
    reference: str,
    rationale: str = RationaleOpt,
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Cancel an action."""
    _decide(
        Action, reference, json_out, lambda a, m: a.cancel(rationale or "", actor(actor_name), **m)
    )


@action_app.command("correct")
@handle_errors
def action_correct(
    reference: str,
    event_id: str = CorrectEventOpt,
    reason: str = ReasonOpt,
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Correct a wrong event on an action: put back what it changed (it stays in the history)."""
    _correct(Action, reference, event_id, reason, actor_name, json_out)


# --- measures ----------------------------------------------------------------------------------


@measure_app.command("define")
@handle_errors
def measure_define(
    ref: str = typer.Option(..., "--ref", help="e.g. MEA-ICPC-15WD"),
    name: str = typer.Option(
        None, "--name", help="What it measures, in words (default: the reference)."
    ),
    category: str = typer.Option(..., "--category", help="how-much, how-well or better-off"),
    unit: str = typer.Option("count", "--unit"),
    polarity: str = typer.Option(
        "higher-is-better", "--polarity", help="higher-is-better or lower-is-better"
    ),
    frequency: str = typer.Option("yearly", "--frequency"),
    source: str = typer.Option(None, "--source", help="The source whose records give the values."),
    kind: str = typer.Option(None, "--kind", help="The record kind within the source."),
    match: list[str] = typer.Option(
        None, "--match", help="attribute=value a record must have (repeatable)."
    ),
    value: str = typer.Option("value", "--value", help="The attribute that holds the value."),
    computed: str = typer.Option(
        None, "--computed", help="A measure computed from the log, e.g. actions-on-time."
    ),
    baseline_periods: int = typer.Option(3, "--baseline-periods"),
    target: str = typer.Option(None, "--target"),
    result: str = typer.Option(
        None, "--result", help="The result or programme it belongs to (report card)."
    ),
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Define a measure and bind it to source records (or a computation over the log)."""
    if computed:
        binding: dict[str, Any] = {"computed": computed}
    elif source:
        pairs = {}
        for pair in match or []:
            if "=" not in pair:
                raise ConfigError(f"--match {pair!r}: write attribute=value")
            k, v = pair.split("=", 1)
            pairs[k] = v
        binding = {"source": source, "kind": kind, "match": pairs, "value": value}
    else:
        binding = {}
    with open_store() as store:
        if store.exists(Measure.stream_id(ref)):
            raise RefusedError(f"{ref} already exists")
        item = Measure.define(
            reference=ref,
            name=name or ref,
            category=category,
            unit=unit,
            polarity=polarity,
            frequency=frequency,
            binding=binding,
            baseline_periods=baseline_periods,
            target=_decimal(target, "--target") if target else None,
            result=result,
            actor=actor(actor_name),
            correlation=str(uuid4()),
        )
        events = list(item.pending_events)
        store.save(item)
    _show(events, json_out)


@measure_app.command("set-target")
@handle_errors
def measure_set_target(
    reference: str,
    target: str = typer.Option(..., "--target"),
    rationale: str = RationaleOpt,
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Set a measure's target."""
    value = _decimal(target, "--target")
    _decide(
        Measure,
        reference,
        json_out,
        lambda a, m: a.set_target(value, rationale or "", actor(actor_name), **m),
    )


@measure_app.command("retire")
@handle_errors
def measure_retire(
    reference: str,
    rationale: str = RationaleOpt,
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Retire a measure."""
    _decide(
        Measure, reference, json_out, lambda a, m: a.retire(rationale or "", actor(actor_name), **m)
    )


@measure_app.command("correct")
@handle_errors
def measure_correct(
    reference: str,
    event_id: str = CorrectEventOpt,
    reason: str = ReasonOpt,
    actor_name: str = ActorOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Correct a wrong target or retirement: put back what it changed (it stays in the history)."""
    _correct(Measure, reference, event_id, reason, actor_name, json_out)
