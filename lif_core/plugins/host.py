"""Finding, loading and isolating source plugins (entry-point group ``lif.ingestors``)."""

from __future__ import annotations

import codecs
import difflib
import inspect
import os
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any

import pluggy
from pydantic import BaseModel

from lif_core.plugins import hookspecs
from lif_core.plugins.loop import ACTION_STATES, AGGREGATES
from lif_core.plugins.spec import SOURCE_NAME, RecordKind, Source
from lif_core.plugins.tracebacks import raised_in

__all__ = ["ENTRY_POINT_GROUP", "LoadedSource", "PluginFailure", "Plugins", "load_plugins"]

ENTRY_POINT_GROUP = "lif.ingestors"
BUILTIN_DISTRIBUTION = "lif-platform"


@dataclass(frozen=True, slots=True)
class LoadedSource:
    """A registered source and where it came from."""

    source: Source
    plugin: str
    distribution: str
    version: str
    module: str = ""
    """What registered it, as an entry point's value (``package.module`` or ``module:object``);
    empty for a source built in code. The conformance kit loads it again from there in a fresh
    interpreter."""

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def actor(self) -> str:
        return f"plugin:{self.source.name}@{self.version}"

    @property
    def builtin(self) -> bool:
        return self.distribution == BUILTIN_DISTRIBUTION


@dataclass(frozen=True, slots=True)
class PluginFailure:
    """A plugin that could not be used: its name, the kind of failure, and why."""

    plugin: str
    kind: str  # configuration | input | plugin-bug
    message: str

    def __str__(self) -> str:
        return f"{self.plugin}: {self.kind}: {self.message}"


@dataclass(slots=True)
class Plugins:
    """The sources found, by name, and the plugins that failed."""

    sources: dict[str, LoadedSource] = field(default_factory=dict)
    failures: list[PluginFailure] = field(default_factory=list)

    def get(self, name: str) -> LoadedSource:
        from lif_core.errors import NotFoundError

        try:
            return self.sources[name]
        except KeyError:
            failed = self.failures_of(name)
            if failed:
                raise NotFoundError(
                    f"the source {name!r} did not load: " + "; ".join(str(f) for f in failed)
                ) from None
            near = difflib.get_close_matches(name, list(self.sources), n=3)
            hint = (
                f" Did you mean: {', '.join(near)}?" if near else " `lif plugins list` shows them."
            )
            raise NotFoundError(f"no source named {name!r}.{hint}") from None

    def failures_of(self, name: str) -> list[PluginFailure]:
        """The failures of the plugin named ``name``, and those that name the source ``name``
        (an entry point named otherwise, a second registration)."""
        mention = f"the source {name!r}"
        return [f for f in self.failures if f.plugin == name or mention in f.message]

    def __iter__(self) -> Iterator[LoadedSource]:
        return iter(sorted(self.sources.values(), key=lambda s: s.name))

    def __len__(self) -> int:
        return len(self.sources)


def _split(value: str | None) -> set[str] | None:
    if value is None or not value.strip():
        return None
    return {v.strip() for v in value.split(",") if v.strip()}


def check_source(source: object) -> list[str]:
    """What is wrong with a declaration (empty when it is fine)."""
    if not isinstance(source, Source):
        return [f"register() was given {type(source).__name__}, expected lif_core.plugins.Source"]
    problems = []
    if not SOURCE_NAME.match(source.name):
        problems.append(
            f"source name {source.name!r} must be lower-case words joined by hyphens, "
            "e.g. 'youth-offending-returns'"
        )
    if not source.title.strip():
        problems.append(f"source {source.name!r} has no title")
    if not source.provider.strip():
        problems.append(f"source {source.name!r} does not name its provider")
    if not source.kinds:
        problems.append(f"source {source.name!r} declares no record kinds")
    names = [k.name for k in source.kinds]
    if len(set(names)) != len(names):
        problems.append(f"source {source.name!r} declares a record kind twice: {names}")
    for kind in source.kinds:
        if kind.mode not in ("snapshot", "append"):
            problems.append(
                f"kind {kind.name!r}: mode must be 'snapshot' or 'append', not {kind.mode!r}"
            )
        unknown = [f for f in kind.personal_fields if f not in kind.model.model_fields]
        if isinstance(kind.personal_fields, str) or unknown:
            problems.append(
                f"kind {kind.name!r} declares personal fields its model "
                f"{kind.model.__name__} does not have: {unknown or kind.personal_fields!r} "
                f"(its fields: {', '.join(kind.model.model_fields)}); personal_fields is a "
                "tuple of field names, e.g. personal_fields=('contact',)"
            )
        problems.extend(loop_problems(kind))
        problems.extend(agency_field_problems(kind))
    if source.on_bad_record not in ("quarantine", "fail-fast"):
        problems.append(
            f"on_bad_record must be 'quarantine' or 'fail-fast', not {source.on_bad_record!r}"
        )
    if source.max_reject_rate is not None and not 0 <= source.max_reject_rate <= 1:
        problems.append("max_reject_rate must be between 0.0 and 1.0")
    for setting in ("encoding", "fallback_encoding"):
        name = getattr(source.inputs, setting)
        if name is None:
            continue
        try:
            codecs.lookup(name)
        except LookupError:
            problems.append(
                f"InputOptions({setting}={name!r}): Python knows no such encoding; use a name "
                "such as 'utf-8' or 'cp1252'"
            )
    return problems


def agency_field_problems(kind: RecordKind) -> list[str]:
    """What is wrong with a kind's ``agency_fields``: a path its model (or a model nested in
    it, for ``participants.agency``) does not have."""
    if isinstance(kind.agency_fields, str):
        return [
            f"kind {kind.name!r}: agency_fields must be a tuple of field names, "
            f"not the string {kind.agency_fields!r} (write ({kind.agency_fields!r},))"
        ]
    problems = []
    for path in kind.agency_fields:
        model: Any = kind.model
        for step in path.split("."):
            fields = getattr(model, "model_fields", None)
            if fields is None or step not in fields:
                have = ", ".join(sorted(fields)) if fields else "no fields"
                problems.append(
                    f"kind {kind.name!r}: agency_fields names {path!r}, but "
                    f"{getattr(model, '__name__', model)} has no field {step!r} (it has: {have})"
                )
                break
            model = next(_models_in(fields[step].annotation), None)
    return problems


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    """Pydantic models inside a field's type (``Item``, ``list[Item]``, ``Item | None``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def loop_problems(kind: RecordKind) -> list[str]:
    """What is wrong with a kind's loop declarations: fields its model lacks, unknown words."""
    fields = set(kind.model.model_fields)
    problems = []

    def named(what: str, value: object) -> None:
        if isinstance(value, str) and value not in fields:
            problems.append(
                f"kind {kind.name!r}: {what} names the field {value!r}, which its model "
                f"{kind.model.__name__} does not have (it has: {', '.join(sorted(fields))})"
            )

    declared = [
        *((f"findings[{f.rule}]", f) for f in kind.findings),
        ("actions", kind.actions),
        ("learning", kind.learning),
    ]
    for what, declaration in declared:
        if declaration is None:
            continue
        for name in getattr(declaration, "__slots__", ()):
            if name not in ("rule", "origin", "status_words", "area_from", "rise"):
                named(f"{what}.{name}", getattr(declaration, name))
    if kind.actions is not None:
        wrong = {w: s for w, s in kind.actions.status_words.items() if s not in ACTION_STATES}
        if wrong:
            problems.append(
                f"kind {kind.name!r}: actions.status_words {wrong} must mean one of "
                f"{', '.join(ACTION_STATES)}"
            )
    rules = [f.rule for f in kind.findings]
    if len(set(rules)) != len(rules):
        problems.append(f"kind {kind.name!r} declares a finding rule twice: {rules}")
    if kind.measures is not None:
        for value in kind.measures.values:
            named("measures.values", value.field)
            for extra in (value.weight, value.numerator, value.denominator):
                named(f"measures.values[{value.field}]", extra)
            if value.aggregate not in AGGREGATES:
                problems.append(
                    f"kind {kind.name!r}: measures.values[{value.field}] aggregate must be one of "
                    f"{', '.join(AGGREGATES)}, not {value.aggregate!r}"
                )
            if value.aggregate == "ratio" and not (value.numerator and value.denominator):
                problems.append(
                    f"kind {kind.name!r}: measures.values[{value.field}] aggregate 'ratio' "
                    "needs numerator= and denominator="
                )
        for dimension in kind.measures.dimensions:
            named("measures.dimensions", dimension.field)
    return problems


def _where_defined(obj: Any) -> str:
    """``'file.py, line 12'`` for a function (empty when Python cannot tell)."""
    try:
        file = inspect.getsourcefile(obj)
        _, line = inspect.getsourcelines(obj)
    except (TypeError, OSError):
        return ""
    return f"{file}, line {line}"


def _no_hook_found(obj: object) -> str:
    """Why a plugin registered no source, naming what it has that looks like the hook."""
    expected = "register_sources"
    marker = f"{hookspecs.PROJECT}_impl"  # the attribute pluggy's @hookimpl sets
    functions = {
        name: value
        for name in dir(obj)
        if not name.startswith("__") and callable(value := getattr(obj, name, None))
    }
    marked = [n for n, f in functions.items() if getattr(f, marker, None) is not None]
    if expected in marked:
        where = _where_defined(functions[expected])
        return (
            f"it registered no source: {expected}"
            + (f" ({where})" if where else "")
            + " ran but never called register(SOURCE)"
        )
    for name in marked:
        if name != expected:
            where = _where_defined(functions[name])
            return (
                f"it registered no source: it has a hook named {name!r}"
                + (f" ({where})" if where else "")
                + f", but no hook of that name exists: the hook is {expected!r}"
            )
    if expected in functions and expected not in marked:
        where = _where_defined(functions[expected])
        return (
            f"it registered no source: {expected}"
            + (f" ({where})" if where else "")
            + " is not marked @hookimpl: put `@hookimpl` (from lif_core.plugins) above it"
        )
    near = difflib.get_close_matches(expected, list(functions), n=1, cutoff=0.7)
    if near:
        where = _where_defined(functions[near[0]])
        return (
            f"it registered no source: it has {near[0]!r}"
            + (f" ({where})" if where else "")
            + f" but no hook {expected!r}: name the function {expected} and mark it @hookimpl"
        )
    return (
        f"it registered no source: define `@hookimpl def {expected}(register)` in the module "
        "the entry point names, calling register(SOURCE)"
    )


def _one_line(text: str) -> str:
    return "; ".join(part.strip() for part in str(text).splitlines() if part.strip())


def load_plugins(
    *,
    modules: Iterable[ModuleType] = (),
    entry_point_list: Iterable[EntryPoint] | None = None,
    allow: set[str] | None = None,
    block: set[str] | None = None,
    third_party: bool | None = None,
) -> Plugins:
    """Load every plugin of the entry-point group (plus ``modules``), isolating failures.

    ``allow`` / ``block`` name sources (default: ``LIF_PLUGINS_ALLOW`` / ``LIF_PLUGINS_BLOCK``,
    comma separated). ``third_party`` False keeps only the built-in plugins (default: the
    ``LIF_PLUGINS_THIRD_PARTY`` variable, on unless it is ``0``).
    """
    if allow is None:
        allow = _split(os.environ.get("LIF_PLUGINS_ALLOW"))
    if block is None:
        block = _split(os.environ.get("LIF_PLUGINS_BLOCK")) or set()
    if third_party is None:
        third_party = os.environ.get("LIF_PLUGINS_THIRD_PARTY", "1") not in ("0", "false", "no")

    result = Plugins()
    eps = (
        list(entry_point_list)
        if entry_point_list is not None
        else list(entry_points(group=ENTRY_POINT_GROUP))
    )
    loaded: list[tuple[str, str, str, str, object]] = []
    names_of: dict[str, set[str]] = {}  # distribution -> its entry points' names
    for ep in eps:
        names_of.setdefault(ep.dist.name if ep.dist else "unknown", set()).add(ep.name)
    for ep in sorted(eps, key=lambda e: e.name):
        dist = ep.dist.name if ep.dist else "unknown"
        version = ep.dist.version if ep.dist else "0"
        if not third_party and dist != BUILTIN_DISTRIBUTION:
            continue
        if allow is not None and ep.name not in allow:
            continue
        if ep.name in block:
            continue
        try:
            obj = ep.load()
        except Exception as exc:  # a plugin's import error must not stop the others
            where = raised_in(exc, ep.value.split(":")[0])
            result.failures.append(PluginFailure(ep.name, "plugin-bug", f"import failed: {where}"))
            continue
        loaded.append((ep.name, dist, version, ep.value, obj))
    for module in modules:
        loaded.append((module.__name__, "local", "0", module.__name__, module))

    claimed: dict[str, LoadedSource] = {}  # source name -> its first registration
    for plugin, dist, version, value, obj in loaded:
        pm = pluggy.PluginManager(hookspecs.PROJECT)
        pm.add_hookspecs(hookspecs)
        registered: list[object] = []
        module_name = value.split(":")[0]
        try:
            pm.register(obj, name=plugin)
        except pluggy.PluginValidationError as exc:  # the hook's signature is not the spec's
            where = _where_defined(getattr(obj, "register_sources", None))
            message = _one_line(str(exc)) + (f" ({where})" if where else "")
            result.failures.append(PluginFailure(plugin, "plugin-bug", message))
            continue
        try:
            pm.hook.register_sources(register=registered.append)
        except Exception as exc:
            result.failures.append(
                PluginFailure(
                    plugin, "plugin-bug", f"register_sources raised {raised_in(exc, module_name)}"
                )
            )
            continue
        if not registered:
            result.failures.append(PluginFailure(plugin, "configuration", _no_hook_found(obj)))
        for source in registered:
            problems = check_source(source)
            if problems:
                result.failures.append(PluginFailure(plugin, "configuration", "; ".join(problems)))
                continue
            assert isinstance(source, Source)
            if dist != "local" and source.name != plugin:
                if source.name in names_of.get(dist, set()):
                    continue  # registered again through its own entry point
                result.failures.append(
                    PluginFailure(
                        plugin,
                        "configuration",
                        f"the entry point {plugin!r} registers the source {source.name!r}: an "
                        "entry point is named after its source, so write "
                        f'`{source.name} = "{value}"` in the [project.entry-points."'
                        f'{ENTRY_POINT_GROUP}"] table of pyproject.toml and reinstall the '
                        f"package (or rename the source {plugin!r})",
                    )
                )
                continue
            if allow is not None and source.name not in allow and plugin not in allow:
                continue
            if source.name in block:
                continue
            this = LoadedSource(source, plugin, dist, version, value)
            first = claimed.get(source.name)
            if first is not None:
                result.sources.pop(source.name, None)
                both = f"{_origin(first)} and {_origin(this)}"
                for each in (first, this):
                    result.failures.append(
                        PluginFailure(
                            each.plugin,
                            "configuration",
                            f"the source {source.name!r} is registered twice, by {both}, so "
                            "neither is used: remove the one you do not want"
                            + _how_to_remove(first, this),
                        )
                    )
                continue
            claimed[source.name] = this
            result.sources[source.name] = this
    return result


def _origin(loaded: LoadedSource) -> str:
    if loaded.distribution == "local":
        return f"the module {loaded.module!r}"
    return (
        f"the distribution {loaded.distribution} {loaded.version} "
        f"(entry point {loaded.plugin} = {loaded.module})"
    )


def _how_to_remove(*registrations: LoadedSource) -> str:
    installed = [
        r.distribution for r in registrations if r.distribution not in ("local", "unknown")
    ]
    if not installed:
        return ""
    return " (" + " or ".join(f"`pip uninstall {d}`" for d in installed) + ")"
