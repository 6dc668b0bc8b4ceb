"""Every hook is documented in docs/plugins.md and has a test (the datasette rule), and so is every declaration field."""

from __future__ import annotations

import dataclasses
import inspect
import re
import types
from pathlib import Path
from typing import Any

import pytest
from broken_plugins import good

import lif_core.plugins
from lif_core.plugins import hookimpl, hookspecs
from lif_core.plugins.host import load_plugins

REPO = Path(__file__).resolve().parents[2]
DOCS = (REPO / "docs" / "plugins.md").read_text(encoding="utf-8")


def _hooks() -> list[str]:
    return sorted(
        name
        for name, value in vars(hookspecs).items()
        if getattr(value, f"{hookspecs.PROJECT}_spec", None) is not None
    )


def _words(text: str) -> str:
    return " ".join(text.split())


def _section(heading: str) -> str:
    """The text under a ``### heading`` of docs/plugins.md, up to the next heading."""
    match = re.search(rf"^### {re.escape(heading)}\n(.*?)(?=^##)", DOCS + "\n##", re.M | re.S)
    assert match, f"docs/plugins.md has no section '### {heading}'"
    return match.group(1)


def test_there_are_hooks() -> None:
    assert _hooks() == ["register_sources"]


@pytest.mark.parametrize("hook", _hooks())
def test_every_hook_is_documented_with_its_docstring(hook: str) -> None:
    spec = getattr(hookspecs, hook)
    params = ", ".join(inspect.signature(spec).parameters)
    section = _section(f"`{hook}({params})`")
    doc = inspect.getdoc(spec)
    assert doc
    for paragraph in doc.split("\n\n"):
        assert _words(paragraph) in _words(section), f"docs/plugins.md lacks: {paragraph!r}"


@pytest.mark.parametrize("hook", _hooks())
def test_every_hook_has_a_test(hook: str) -> None:
    tests = "".join(p.read_text(encoding="utf-8") for p in (REPO / "tests").rglob("test_*.py"))
    assert f"def test_hook_{hook}(" in tests


@pytest.mark.parametrize("name", [n for n in lif_core.plugins.__all__ if n[0].isupper()])
def test_every_declaration_class_and_field_is_documented(name: str) -> None:
    cls = getattr(lif_core.plugins, name)
    section = _section(f"`{name}`")
    if isinstance(cls, tuple):  # a constant vocabulary: every word is documented
        for word in cls:
            assert f"`{word}`" in section, f"docs/plugins.md: {name} lacks {word}"
    elif dataclasses.is_dataclass(cls):
        for field in dataclasses.fields(cls):
            assert f"`{field.name}`" in section, f"docs/plugins.md: {name}.{field.name}"
    else:
        for parameter in list(inspect.signature(cls).parameters)[1:]:
            assert parameter in section, f"docs/plugins.md: {name}({parameter})"


@pytest.mark.parametrize(
    "name", [n for n in lif_core.plugins.__all__ if n[0].islower() and n != "hookimpl"]
)
def test_every_helper_a_plugin_may_import_is_documented_with_its_arguments(name: str) -> None:
    start = DOCS.index("## Helpers a plugin may import")
    section = DOCS[start : DOCS.index("\n## ", start + 1)]
    parameters = ", ".join(
        p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}"
        for p in inspect.signature(getattr(lif_core.plugins, name)).parameters.values()
    ).replace("'", '"')
    assert f"`{name}({parameters})`" in section, f"docs/plugins.md: {name}({parameters})"


def test_hook_register_sources() -> None:
    """One call with a ``register`` callback; every source it registers is loaded."""
    calls: list[dict[str, Any]] = []
    other = dataclasses.replace(good.SOURCE, name="toy-other")
    module = types.ModuleType("two_sources")

    @hookimpl
    def register_sources(register: Any) -> str:
        calls.append({"register": register})
        register(good.SOURCE)
        register(other)
        return "ignored"

    module.register_sources = register_sources
    plugins = load_plugins(modules=[module], entry_point_list=[])
    assert len(calls) == 1
    assert plugins.failures == []
    assert [s.name for s in plugins] == ["toy-counts", "toy-other"]
    assert {s.plugin for s in plugins} == {"two_sources"}


def test_a_hook_may_ask_for_fewer_arguments_than_the_host_passes() -> None:
    """pluggy passes only the arguments an implementation names: the host can add more later."""
    module = types.ModuleType("asks_for_nothing")
    seen: list[bool] = []

    @hookimpl
    def register_sources() -> None:
        seen.append(True)

    module.register_sources = register_sources
    plugins = load_plugins(modules=[module], entry_point_list=[])
    assert seen == [True]
    line = register_sources.__code__.co_firstlineno
    assert plugins.failures[0].message == (
        f"it registered no source: register_sources ({__file__}, line {line}) ran but never "
        "called register(SOURCE)"
    )
