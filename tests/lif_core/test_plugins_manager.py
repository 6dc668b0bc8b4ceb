"""Finding plugins through the ``lif.ingestors`` entry points, and keeping each one's failure its own."""

from __future__ import annotations

import dataclasses
import types
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest
from broken_plugins import good, install

from lif_core.errors import NotFoundError
from lif_core.plugins import RecordKind, hookimpl
from lif_core.plugins.host import BUILTIN_DISTRIBUTION, ENTRY_POINT_GROUP, load_plugins


def _module(name: str, *sources: Any) -> types.ModuleType:
    module = types.ModuleType(name)

    @hookimpl
    def register_sources(register: Any) -> None:
        for source in sources:
            register(source)

    module.register_sources = register_sources
    return module


def _ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def test_builtin_sources_are_found_through_their_entry_points() -> None:
    plugins = load_plugins(allow={"cdop", "practice-reviews"}, third_party=False)
    assert [s.name for s in plugins] == ["cdop", "practice-reviews"]
    cdop = plugins.get("cdop")
    assert cdop.distribution == BUILTIN_DISTRIBUTION and cdop.builtin
    assert cdop.plugin == "cdop"
    assert cdop.actor == f"plugin:cdop@{cdop.version}"


def test_the_installed_example_plugin_is_third_party_and_only_seen_when_asked() -> None:
    without = load_plugins(allow={"wyp-referrals"}, third_party=False)
    assert "wyp-referrals" not in without.sources and without.failures == []
    plugins = load_plugins(allow={"wyp-referrals"}, third_party=True)
    loaded = plugins.get("wyp-referrals")
    assert (loaded.distribution, loaded.version, loaded.builtin) == (
        "lif-plugin-example",
        "0.1.0",
        False,
    )
    assert loaded.source.provider == "West Yorkshire Police"


def test_third_party_follows_LIF_PLUGINS_THIRD_PARTY(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIF_PLUGINS_ALLOW", "wyp-referrals")
    monkeypatch.setenv("LIF_PLUGINS_THIRD_PARTY", "0")
    assert len(load_plugins()) == 0
    monkeypatch.setenv("LIF_PLUGINS_THIRD_PARTY", "1")
    assert [s.name for s in load_plugins()] == ["wyp-referrals"]


def test_a_plugin_that_fails_to_import_is_a_plugin_bug_of_that_plugin_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = install(
        tmp_path / "site",
        "lif-plugin-broken",
        {"missing-module": "lif_plugin_that_does_not_exist", "toy-counts": "broken_plugins.good"},
    )
    monkeypatch.syspath_prepend(str(site))
    plugins = load_plugins(allow={"missing-module", "toy-counts"}, third_party=True)
    assert [s.name for s in plugins] == ["toy-counts"]
    assert plugins.get("toy-counts").distribution == "lif-plugin-broken"
    [failure] = plugins.failures
    assert (failure.plugin, failure.kind) == ("missing-module", "plugin-bug")
    assert "lif_plugin_that_does_not_exist" in failure.message
    assert str(failure).startswith("missing-module: plugin-bug: import failed")


def test_a_plugin_whose_hook_raises_is_a_plugin_bug() -> None:
    module = types.ModuleType("raises")

    @hookimpl
    def register_sources(register: Any) -> None:
        raise RuntimeError("boom")

    module.register_sources = register_sources
    plugins = load_plugins(modules=[module, good], entry_point_list=[])
    assert [s.name for s in plugins] == ["toy-counts"]
    [failure] = plugins.failures
    assert (failure.plugin, failure.kind) == ("raises", "plugin-bug")
    line = register_sources.__code__.co_firstlineno + 2
    assert failure.message == (
        f"register_sources raised RuntimeError('boom') at {__file__}, line {line}, "
        "in register_sources"
    )


def test_a_hook_with_the_wrong_signature_is_refused_naming_the_argument() -> None:
    module = types.ModuleType("wrong_signature")

    @hookimpl
    def register_sources(add: Any) -> None:
        add(good.SOURCE)

    module.register_sources = register_sources
    [failure] = load_plugins(modules=[module], entry_point_list=[]).failures
    assert failure.kind == "plugin-bug"
    assert (
        "Argument(s) {'add'} are declared in the hookimpl but can not be found" in failure.message
    )
    line = register_sources.__code__.co_firstlineno
    assert failure.message.endswith(f"({__file__}, line {line})")
    assert "\n" not in failure.message


def test_a_module_without_hookimpl_registers_nothing_and_says_why() -> None:
    module = types.ModuleType("forgot_the_marker")

    def register_sources(register: Any) -> None:
        register(good.SOURCE)

    module.register_sources = register_sources
    [failure] = load_plugins(modules=[module], entry_point_list=[]).failures
    assert failure.kind == "configuration"
    line = register_sources.__code__.co_firstlineno
    assert failure.message == (
        f"it registered no source: register_sources ({__file__}, line {line}) is not marked "
        "@hookimpl: put `@hookimpl` (from lif_core.plugins) above it"
    )


def test_a_misspelt_hook_is_named_with_the_hook_expected() -> None:
    module = types.ModuleType("misspelt_hook")

    @hookimpl
    def register_source(register: Any) -> None:
        register(good.SOURCE)

    module.register_source = register_source
    [failure] = load_plugins(modules=[module], entry_point_list=[]).failures
    assert failure.kind == "configuration"
    line = register_source.__code__.co_firstlineno
    assert failure.message == (
        f"it registered no source: it has a hook named 'register_source' ({__file__}, line "
        f"{line}), but no hook of that name exists: the hook is 'register_sources'"
    )


def test_an_import_error_names_the_file_and_line_in_the_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "lif_plugin_typo"
    package.mkdir()
    (package / "__init__.py").write_text("import os\n\nVALUE = os.nothing_here\n")
    install(tmp_path, "lif-plugin-typo", {"typo": "lif_plugin_typo"})
    monkeypatch.syspath_prepend(str(tmp_path))
    [failure] = load_plugins(allow={"typo"}, third_party=True).failures
    assert failure.kind == "plugin-bug"
    assert failure.message == (
        "import failed: AttributeError(\"module 'os' has no attribute 'nothing_here'\") at "
        "lif_plugin_typo/__init__.py, line 3, in <module>"
    )


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"name": "Toy Counts"}, "must be lower-case words joined by hyphens"),
        ({"title": " "}, "has no title"),
        ({"provider": ""}, "does not name its provider"),
        ({"kinds": ()}, "declares no record kinds"),
        ({"kinds": (good.KIND, good.KIND)}, "declares a record kind twice"),
        ({"on_bad_record": "ignore"}, "on_bad_record must be 'quarantine' or 'fail-fast'"),
        ({"max_reject_rate": 1.5}, "max_reject_rate must be between 0.0 and 1.0"),
    ],
)
def test_an_invalid_declaration_is_a_configuration_failure(
    change: dict[str, Any], says: str
) -> None:
    source = dataclasses.replace(good.SOURCE, **change)
    plugins = load_plugins(modules=[_module("bad_declaration", source)], entry_point_list=[])
    assert len(plugins) == 0
    [failure] = plugins.failures
    assert failure.kind == "configuration"
    assert says in failure.message


def test_a_declared_personal_field_is_accepted_at_registration() -> None:
    kind = dataclasses.replace(good.KIND, personal_fields=("area",))
    source = dataclasses.replace(good.SOURCE, kinds=(kind,))
    plugins = load_plugins(modules=[_module("personal", source)], entry_point_list=[])
    assert plugins.failures == [] and len(plugins) == 1
    assert plugins.get("toy-counts").source.kind("area-count").personal_fields == ("area",)


def test_a_personal_field_the_model_does_not_have_is_refused_with_a_clear_message() -> None:
    kind = dataclasses.replace(good.KIND, personal_fields=("child_name",))
    source = dataclasses.replace(good.SOURCE, kinds=(kind,))
    plugins = load_plugins(modules=[_module("personal", source)], entry_point_list=[])
    assert len(plugins) == 0
    [failure] = plugins.failures
    assert failure.kind == "configuration"
    assert (
        "kind 'area-count' declares personal fields its model AreaCount does not have: "
        "['child_name'] (its fields: year, area, referrals)"
    ) in failure.message


def test_registering_something_else_than_a_source_is_refused() -> None:
    [failure] = load_plugins(
        modules=[_module("not_a_source", {"name": "x"})], entry_point_list=[]
    ).failures
    assert "register() was given dict, expected lif_core.plugins.Source" in failure.message


def test_two_plugins_registering_one_name_are_both_refused_naming_each() -> None:
    plugins = load_plugins(
        modules=[_module("first", good.SOURCE), _module("second", good.SOURCE)],
        entry_point_list=[],
    )
    assert "toy-counts" not in plugins.sources
    assert [f.plugin for f in plugins.failures] == ["first", "second"]
    assert plugins.failures[0].message == (
        "the source 'toy-counts' is registered twice, by the module 'first' and the module "
        "'second', so neither is used: remove the one you do not want"
    )


def test_two_distributions_registering_one_name_are_named_with_how_to_remove_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(tmp_path, "lif-plugin-mine", {"toy-counts": "broken_plugins.good"}, "0.1.0")
    install(tmp_path, "lif-plugin-theirs", {"toy-counts": "broken_plugins.good"}, "2.0")
    monkeypatch.syspath_prepend(str(tmp_path))
    plugins = load_plugins(allow={"toy-counts"}, third_party=True)
    assert "toy-counts" not in plugins.sources
    [message] = {f.message for f in plugins.failures}
    assert message.startswith("the source 'toy-counts' is registered twice, by the distribution ")
    assert "lif-plugin-mine 0.1.0 (entry point toy-counts = broken_plugins.good)" in message
    assert "lif-plugin-theirs 2.0 (entry point toy-counts = broken_plugins.good)" in message
    assert message.endswith(
        "so neither is used: remove the one you do not want "
        "(`pip uninstall lif-plugin-mine` or `pip uninstall lif-plugin-theirs`)"
    ) or message.endswith("(`pip uninstall lif-plugin-theirs` or `pip uninstall lif-plugin-mine`)")
    with pytest.raises(NotFoundError, match="the source 'toy-counts' did not load: toy-counts: "):
        plugins.get("toy-counts")


def test_an_entry_point_not_named_after_its_source_is_refused_saying_what_to_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(tmp_path, "lif-plugin-toy", {"toy-count": "broken_plugins.good"})
    monkeypatch.syspath_prepend(str(tmp_path))
    plugins = load_plugins(allow={"toy-count"}, third_party=True)
    assert len(plugins) == 0
    [failure] = plugins.failures
    assert (failure.plugin, failure.kind) == ("toy-count", "configuration")
    assert failure.message == (
        "the entry point 'toy-count' registers the source 'toy-counts': an entry point is named "
        'after its source, so write `toy-counts = "broken_plugins.good"` in the '
        '[project.entry-points."lif.ingestors"] table of pyproject.toml and reinstall the '
        "package (or rename the source 'toy-count')"
    )


def test_allow_and_block_name_sources_and_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = dataclasses.replace(good.SOURCE, name="toy-other")
    module = _module("two_sources", good.SOURCE, other)
    both = load_plugins(modules=[module], entry_point_list=[], allow=None, block=set())
    assert [s.name for s in both] == ["toy-counts", "toy-other"]
    allowed = load_plugins(modules=[module], entry_point_list=[], allow={"toy-other"})
    assert [s.name for s in allowed] == ["toy-other"]
    monkeypatch.setenv("LIF_PLUGINS_BLOCK", "toy-counts, unrelated")
    assert [s.name for s in load_plugins(modules=[module], entry_point_list=[])] == ["toy-other"]


def test_a_blocked_entry_point_is_not_even_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = install(tmp_path / "site", "lif-plugin-blocked", {"never": "module_that_would_fail"})
    monkeypatch.syspath_prepend(str(site))
    plugins = load_plugins(allow=None, block={"never"}, third_party=True)
    assert all(f.plugin != "never" for f in plugins.failures)


def test_get_suggests_the_nearest_names() -> None:
    plugins = load_plugins(modules=[good], entry_point_list=[])
    with pytest.raises(
        NotFoundError, match=r"no source named 'toy-count'\. Did you mean: toy-counts\?"
    ):
        plugins.get("toy-count")
    with pytest.raises(NotFoundError, match="`lif plugins list` shows them"):
        plugins.get("zzz")


def test_a_module_given_directly_is_a_local_plugin() -> None:
    loaded = load_plugins(modules=[good], entry_point_list=[]).get("toy-counts")
    assert (loaded.plugin, loaded.distribution, loaded.version) == (
        "broken_plugins.good",
        "local",
        "0",
    )


def test_entry_points_without_a_distribution_are_third_party() -> None:
    eps = [_ep("toy-counts", "broken_plugins.good")]
    assert len(load_plugins(entry_point_list=eps, third_party=False)) == 0
    loaded = load_plugins(entry_point_list=eps, third_party=True).get("toy-counts")
    assert loaded.distribution == "unknown"


def test_kinds_are_kept_in_declaration_order() -> None:
    second = RecordKind("second", good.AreaCount, key=good.KIND.key, valid_time=good.year_period)
    source = dataclasses.replace(good.SOURCE, kinds=(good.KIND, second))
    loaded = load_plugins(modules=[_module("kinds", source)], entry_point_list=[]).get("toy-counts")
    assert [k.name for k in loaded.source.kinds] == ["area-count", "second"]
    with pytest.raises(
        KeyError, match="has no record kind 'third' \\(it has: area-count, second\\)"
    ):
        loaded.source.kind("third")
