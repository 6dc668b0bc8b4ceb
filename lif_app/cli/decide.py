"""``lif learning|action|measure …``: the decision commands, made from the decision table.

Each row of :data:`lif_core.decisions.DECISIONS` becomes a command with its arguments as options;
the command calls the core's application function (:func:`~lif_core.decisions.decide` or
:func:`~lif_core.decisions.create`), which every app shares. ``lif measure define`` is written out
by hand: its binding options are a small language of their own.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import uuid4

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
from lif_core.decisions import DECISIONS, Argument, Creation, create, decide, event_summary
from lif_core.domain import Measure
from lif_core.errors import ConfigError, NotFoundError, RefusedError
from lif_core.plugins.declared import binding_problems
from lif_core.policies import declared_now

__all__ = ["action_app", "learning_app", "measure_app", "partner_app", "priority_app"]

learning_app = typer.Typer(
    help="Record decisions about learning items (LRN-…).", no_args_is_help=True
)
action_app = typer.Typer(help="Record actions and their progress (ACT-…).", no_args_is_help=True)
measure_app = typer.Typer(help="Define OBA measures (MEA-…).", no_args_is_help=True)
partner_app = typer.Typer(
    help="The partner register: partners, their names and L&D links.", no_args_is_help=True
)
priority_app = typer.Typer(
    help="The partnership's priorities (PRI-…) and what is linked to them.", no_args_is_help=True
)
app.add_typer(learning_app, name="learning")
app.add_typer(action_app, name="action")
app.add_typer(measure_app, name="measure")
app.add_typer(partner_app, name="partner")
app.add_typer(priority_app, name="priority")
_GROUPS = {
    "learning": learning_app,
    "action": action_app,
    "measure": measure_app,
    "partner": partner_app,
    "priority": priority_app,
}


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


# --- the commands of the decision table -------------------------------------------------------


def _option(argument: Argument) -> inspect.Parameter:
    """An argument as a Typer option: given as text, parsed by the declaration's model."""
    annotation: Any = list[str] if argument.repeatable else str
    default = ... if argument.required else None
    return inspect.Parameter(
        argument.name,
        inspect.Parameter.KEYWORD_ONLY,
        default=typer.Option(default, argument.option, help=argument.help or None),
        annotation=annotation,
    )


def _command(declaration: Any) -> Callable[..., None]:
    """The CLI command of one declaration: its options, its help, the application function."""
    creates = isinstance(declaration, Creation)

    def command(**given: Any) -> None:
        json_out = given.pop("json_out")
        who = actor(given.pop("actor_name"))
        reference = given.pop("reference", "")
        arguments = declaration.parse(given)  # a usage error exits 2 before the store is opened
        with open_store() as store:
            if creates:
                recorded = create(store, declaration, arguments, actor=who)
            else:
                recorded = decide(store, declaration, reference, arguments, actor=who)
        _show(list(recorded.events), json_out, reference)

    reference = inspect.Parameter("reference", inspect.Parameter.KEYWORD_ONLY, annotation=str)
    own = ActorOpt, JsonOpt
    parameters = [
        *([] if creates else [reference]),
        *(_option(argument) for argument in declaration.arguments),
        inspect.Parameter(
            "actor_name", inspect.Parameter.KEYWORD_ONLY, default=own[0], annotation=str
        ),
        inspect.Parameter(
            "json_out", inspect.Parameter.KEYWORD_ONLY, default=own[1], annotation=bool
        ),
    ]
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
    command.__name__ = f"{declaration.group}_{declaration.name.replace('-', '_')}"
    command.__qualname__ = command.__name__
    command.__doc__ = declaration.help
    return handle_errors(command)


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
    aggregate: str = typer.Option(
        None,
        "--aggregate",
        help="How several records of one period combine: sum, mean, latest or ratio (default: as the plugin declares the field).",
    ),
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
    """Define a measure and bind it to source records (or a computation over the log).

    A dimension the measure does not name (--match) means the source's total row where it
    states one; records still matching in a period combine as --aggregate says.
    """
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
        if aggregate:
            binding["aggregate"] = aggregate
        problems = binding_problems(declared_now(), binding)
        if problems:
            raise ConfigError("; ".join(problems))
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


@measure_app.command("preview")
@handle_errors
def measure_preview(
    reference: str = typer.Argument(..., help="The measure, e.g. MEA-LADO-SUBSTANTIATED."),
    json_out: bool = JsonOpt,
) -> None:
    """Show, per period, the value and the source records it came from (and those left out, and why)."""
    from projections.impact_monitoring import preview

    with open_store() as store:
        if not store.exists(Measure.stream_id(reference)):
            raise NotFoundError(f"there is no measure {reference}")
        periods = preview(store, reference)
    if json_out:
        print_json(periods)
        return
    if not periods:
        console.print(f"{escape(reference)}: no period has a value yet", highlight=False)
    for period in periods:
        console.print(
            escape(
                f"{period['start']} to {period['end']}: {period['value']} "
                f"({period['aggregate'] or 'computed'} of {len(period['used'])} record(s))"
            ),
            highlight=False,
        )
        for record in period["used"]:
            console.print(
                escape(f"  used      {record['key']}: {record['value']}"), highlight=False
            )
        for record in period["left_out"]:
            console.print(
                escape(f"  left out  {record['key']}: {record['value']}"), highlight=False
            )
        for why in period["why"]:
            console.print(escape(f"  ({why})"), highlight=False)


# After `measure define`, so that it is listed first among the measure commands.
for _declaration in DECISIONS:
    _GROUPS[_declaration.group].command(_declaration.name)(_command(_declaration))
