"""The decision commands are made from the decision table: each row a command, each argument an option."""

from __future__ import annotations

import click
import pytest
import typer

from lif_app.cli.app import app
from lif_core.decisions import DECISIONS, Creation


def _command(group: str, name: str) -> click.Command:
    root = typer.main.get_command(app)
    assert isinstance(root, click.Group)
    sub = root.commands[group]
    assert isinstance(sub, click.Group)
    return sub.commands[name]


@pytest.mark.parametrize("decision", DECISIONS, ids=lambda d: d.key)
def test_each_declared_decision_is_a_command_with_its_options_and_help(decision):
    command = _command(decision.group, decision.name)
    by_option = {opt: p for p in command.params for opt in p.opts}

    assert command.help == decision.help
    for argument in decision.arguments:
        param = by_option[argument.option]
        assert param.required == argument.required, argument.option
        assert param.multiple == argument.repeatable, argument.option
        assert getattr(param, "help", None) == argument.help, argument.option
    assert {"--actor", "--json"} <= set(by_option)
    positional = [p.name for p in command.params if isinstance(p, click.Argument)]
    assert positional == ([] if isinstance(decision, Creation) else ["reference"])


def test_measure_define_is_its_own_command_listed_first():
    root = typer.main.get_command(app)
    measure = root.commands["measure"]  # type: ignore[attr-defined]

    assert next(iter(measure.commands)) == "define"
