"""What a decision declaration says: its arguments, the pydantic model they make, how it is recorded.

A declaration is data: the CLI makes a command of each, the web a form, and the application
functions (:mod:`lif_core.decisions.commands`) record them. Arguments arrive as text (from the
command line or a form) or as values; the declaration's pydantic model parses and checks them, and
a value that does not parse is a :class:`~lif_core.errors.ConfigError` naming the argument by its
option (``--due '30/09' is not a date like 2025-03-31``), as every usage error is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from lif_core.domain.base import LifAggregate
from lif_core.errors import ConfigError
from lif_core.eventlog.store import Store

__all__ = [
    "EVIDENCE",
    "RATIONALE",
    "Argument",
    "Context",
    "Creation",
    "Decision",
    "DomainCommand",
    "calls",
]

# How a value that does not parse is described, by the type it should have been.
_EXPECTED = {date: "a date like 2025-03-31", Decimal: "a number", int: "a whole number"}


@dataclass(frozen=True)
class Argument:
    """One argument of a decision: what the domain command is given, and how a person gives it.

    ``datatype``: what it is parsed as (``str``, ``date``, ``Decimal``). ``required``: must be given. ``repeatable``: a list (``--theme a --theme b``). ``today``: a
    date that defaults to the day it is recorded. ``default``: the value when it is not given
    (else ``None``). ``flag``: its command-line option when not ``--`` + the name with dashes.
    ``refers_to``: a reference to an item of that type, which must exist. ``cited``: source
    record id(s) cited as evidence: each must exist, and the event id of its current version
    becomes the decision's causation. ``partner``: names an agency, which must be a partner in
    the register (:mod:`lif_core.decisions.partners`). ``channel``: names a dissemination
    channel, which must be in the vocabulary (:mod:`lif_core.domain.channels`).
    """

    name: str
    datatype: type = str
    help: str = ""
    required: bool = False
    repeatable: bool = False
    today: bool = False
    default: Any = None
    flag: str = ""
    refers_to: type[LifAggregate] | None = None
    cited: bool = False
    partner: bool = False
    channel: bool = False

    @property
    def option(self) -> str:
        """How a person names it: the command-line option (also used in messages)."""
        return self.flag or "--" + self.name.replace("_", "-")

    def field(self) -> tuple[Any, Any]:
        """Its pydantic field: (annotation, FieldInfo)."""
        about = self.help or None
        if self.repeatable:
            return list[self.datatype], Field(default_factory=list, description=about)  # type: ignore[name-defined]
        if self.required:
            return self.datatype, Field(description=about)
        if self.today:
            return self.datatype, Field(default_factory=date.today, description=about)
        if self.default is not None:
            return self.datatype, Field(default=self.default, description=about)
        return self.datatype | None, Field(default=None, description=about)


RATIONALE = Argument("rationale", help="Why: required for every decision.", default="")
"""Why: a decision that takes it is refused without it (the domain says so)."""

EVIDENCE = Argument(
    "evidence",
    help="A source record id cited as evidence (repeatable).",
    repeatable=True,
    cited=True,
)
"""Source records cited as evidence: the decision's causation."""


@dataclass(frozen=True)
class Context:
    """Who decides, on what, in which run: what a declaration's ``record``/``start`` is given."""

    store: Store
    reference: str
    actor: str
    causation: list[str]
    correlation: str

    @property
    def meta(self) -> dict[str, Any]:
        """The keyword arguments every domain command takes besides its own."""
        return {"causation": list(self.causation), "correlation": self.correlation}


@dataclass(frozen=True)
class DomainCommand:
    """A decision's ``record`` in the shape nearly every decision has: call the item's domain
    command ``method`` with the values of the arguments named in ``passes``, in that order, then
    who decides, the arguments named in ``keywords`` by name, and the run's causation and
    correlation (:attr:`Context.meta`). Made by :func:`calls`; a decision whose command wants a
    value changed first (``--rag`` in lower case) writes its own ``record`` function instead.
    """

    method: str
    passes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def __call__(self, item: Any, arguments: Any, context: Context) -> Any:
        command = getattr(item, self.method)
        named = {name: getattr(arguments, name) for name in self.keywords}
        values = [getattr(arguments, name) for name in self.passes]
        return command(*values, context.actor, **named, **context.meta)

    def check(self, declaration: _Declaration) -> None:
        """Refuse, when the table is made, a command the item lacks or an argument it lacks."""
        where = f"decision {declaration.key!r} calls {self.method}"
        if not callable(getattr(declaration.aggregate, self.method, None)):
            raise ConfigError(f"{where}, which {declaration.aggregate.__name__} does not have")
        declared = {argument.name for argument in declaration.arguments}
        missing = [name for name in (*self.passes, *self.keywords) if name not in declared]
        if missing:
            raise ConfigError(f"{where} with {', '.join(missing)}, which it does not declare")


def calls(method: str, *passes: str, keywords: tuple[str, ...] = ()) -> DomainCommand:
    """``record=calls("reschedule", "due", "rationale")``: see :class:`DomainCommand`."""
    return DomainCommand(method, passes, keywords)


@dataclass(frozen=True, kw_only=True)
class _Declaration:
    """``agency_of``: set on a decision a partner agency records for itself (progress on its own
    actions): the agency the item, or the arguments, belong to — ``(item, arguments)``, either
    possibly ``None`` before they are known (a form not yet filled in). Unset: the decision is
    the partnership business unit's alone. The CLI does not check it (whoever can reach the
    store decides); the web lets a partner record only where it names the partner's agency."""

    aggregate: type[LifAggregate]
    name: str
    help: str
    arguments: tuple[Argument, ...] = ()
    agency_of: Callable[[Any, Any], str | None] | None = None

    @property
    def group(self) -> str:
        """The kind of item it is about: ``learning``, ``action``, ``measure``."""
        return str(self.aggregate.kind)

    @property
    def key(self) -> str:
        """How it is named: ``learning prioritise`` (``lif learning prioritise``)."""
        return f"{self.group} {self.name}"

    @property
    def needs_rationale(self) -> bool:
        return RATIONALE in self.arguments

    @cached_property
    def model(self) -> type[BaseModel]:
        """The pydantic model of its arguments (the CLI and web forms validate with it)."""
        title = "".join(part.title() for part in self.key.replace("-", " ").split())
        fields: Any = {argument.name: argument.field() for argument in self.arguments}
        return create_model(
            title,
            __config__=ConfigDict(extra="forbid", frozen=True),
            __doc__=self.help,
            **fields,
        )

    def parse(self, given: Mapping[str, Any] | BaseModel) -> Any:
        """The arguments as the model, from text or values; ``None`` means not given."""
        if isinstance(given, self.model):
            return given
        if isinstance(given, BaseModel):
            given = given.model_dump()
        by_name = {argument.name: argument for argument in self.arguments}
        unknown = sorted(set(given) - set(by_name))
        if unknown:
            raise ConfigError(f"{self.key} takes no {', '.join(unknown)}")
        try:
            return self.model.model_validate({k: v for k, v in given.items() if v is not None})
        except ValidationError as exc:
            problem = exc.errors()[0]
            argument = by_name[str(problem["loc"][0])]
            raise ConfigError(_explain(argument, problem)) from None

    def cited(self, arguments: Any) -> list[str]:
        """The source record ids the arguments cite as evidence."""
        out: list[str] = []
        for argument in self.arguments:
            value = getattr(arguments, argument.name) if argument.cited else None
            if isinstance(value, str):
                out.append(value)
            elif value:
                out.extend(value)
        return out

    def references(self, arguments: Any) -> list[tuple[type[LifAggregate], str]]:
        """The other items the arguments name, each of which must exist."""
        named: list[tuple[type[LifAggregate], str]] = []
        for argument in self.arguments:
            if argument.refers_to is not None:
                for value in _values(getattr(arguments, argument.name)):
                    named.append((argument.refers_to, value))
        return named

    def named(self, arguments: Any, what: str) -> list[tuple[Argument, str]]:
        """The values of the arguments that name a ``partner`` or a ``channel`` (``what``)."""
        return [
            (argument, value)
            for argument in self.arguments
            if getattr(argument, what)
            for value in _values(getattr(arguments, argument.name))
        ]


def _values(value: Any) -> list[str]:
    """An argument's value(s) as text: none, one, or each of a repeatable one."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v]
    return [str(value)]


def _explain(argument: Argument, problem: Mapping[str, Any]) -> str:
    if problem["type"] == "missing":
        return f"{argument.option} is required"
    value = problem["input"]
    expected = _EXPECTED.get(argument.datatype)
    if expected:
        return f"{argument.option} {value!r} is not {expected}"
    return f"{argument.option} {value!r}: {problem['msg']}"


@dataclass(frozen=True, kw_only=True)
class Decision(_Declaration):
    """A decision about an item that exists: ``record(item, arguments, context)`` calls the
    domain command and returns the event it made (a refusal raises and writes nothing)."""

    record: Callable[[Any, Any, Context], Any]

    def __post_init__(self) -> None:
        if isinstance(self.record, DomainCommand):
            self.record.check(self)


@dataclass(frozen=True, kw_only=True)
class Creation(_Declaration):
    """A decision that creates an item: ``start(arguments, context)`` returns the new aggregate.

    Its ``ref`` argument names the new item; without it, the next free reference of the year of
    the date argument ``dated_by`` (``LRN-2025-004``).
    """

    start: Callable[[Any, Context], LifAggregate]
    dated_by: str
