"""Finding, loading and isolating source plugins (entry-point group ``lif.ingestors``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType

import pluggy

from lif_core.plugins import hookspecs
from lif_core.plugins.spec import SOURCE_NAME, Source

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
            import difflib

            near = difflib.get_close_matches(name, list(self.sources), n=3)
            hint = (
                f" Did you mean: {', '.join(near)}?" if near else " `lif plugins list` shows them."
            )
            raise NotFoundError(f"no source named {name!r}.{hint}") from None

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
            "e.g. 'ofsted-social-care'"
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
        if kind.personal_fields:
            problems.append(
                f"kind {kind.name!r} declares personal fields {list(kind.personal_fields)}: "
                "per-subject encryption of personal data is not available yet, so this source "
                "cannot be registered. Remove those fields from the source, or aggregate them."
            )
    if source.on_bad_record not in ("quarantine", "fail-fast"):
        problems.append(
            f"on_bad_record must be 'quarantine' or 'fail-fast', not {source.on_bad_record!r}"
        )
    if source.max_reject_rate is not None and not 0 <= source.max_reject_rate <= 1:
        problems.append("max_reject_rate must be between 0.0 and 1.0")
    return problems


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
    loaded: list[tuple[str, str, str, object]] = []
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
            result.failures.append(PluginFailure(ep.name, "plugin-bug", f"import failed: {exc!r}"))
            continue
        loaded.append((ep.name, dist, version, obj))
    for module in modules:
        loaded.append((module.__name__, "local", "0", module))

    for plugin, dist, version, obj in loaded:
        pm = pluggy.PluginManager(hookspecs.PROJECT)
        pm.add_hookspecs(hookspecs)
        registered: list[object] = []
        try:
            pm.register(obj, name=plugin)
            pm.hook.register_sources(register=registered.append)
        except Exception as exc:
            result.failures.append(
                PluginFailure(plugin, "plugin-bug", f"registration failed: {exc!r}")
            )
            continue
        if not registered:
            result.failures.append(
                PluginFailure(
                    plugin,
                    "configuration",
                    "it registered no source (is @hookimpl on register_sources?)",
                )
            )
        for source in registered:
            problems = check_source(source)
            if problems:
                result.failures.append(PluginFailure(plugin, "configuration", "; ".join(problems)))
                continue
            assert isinstance(source, Source)
            if allow is not None and source.name not in allow and plugin not in allow:
                continue
            if source.name in block:
                continue
            if source.name in result.sources:
                other = result.sources[source.name].plugin
                result.failures.append(
                    PluginFailure(
                        plugin,
                        "configuration",
                        f"source {source.name!r} is already registered by {other!r}",
                    )
                )
                continue
            result.sources[source.name] = LoadedSource(source, plugin, dist, version)
    return result
