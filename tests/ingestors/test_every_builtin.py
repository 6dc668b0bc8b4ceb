"""Every built-in source, as a data engineer sees it: listed with its provider, and conforming."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lif_app.cli.app import app
from lif_core.plugins.host import load_plugins
from lif_core.testing import check_source

BUILTINS = sorted(s.name for s in load_plugins(third_party=False))


def test_all_thirty_six_sources_are_listed_each_naming_its_provider() -> None:
    result = CliRunner().invoke(
        app, ["plugins", "list", "--json"], env={"LIF_PLUGINS_THIRD_PARTY": "0"}
    )
    assert result.exit_code == 0, result.output
    sources = json.loads(result.output)["plugins"]
    names = {s["name"] for s in sources}
    assert len(BUILTINS) == 36
    assert names == set(BUILTINS)
    # The five sources of issue 15, each its own plugin.
    assert {
        "appreciative-inquiry",
        "deep-dive",
        "practitioner-survey",
        "family-feedback",
        "national-learning",
    } <= names
    assert all(str(s["provider"]).strip() for s in sources)


@pytest.mark.parametrize("name", BUILTINS)
def test_every_builtin_passes_the_conformance_kit(name: str) -> None:
    failed = [
        str(r)
        for r in check_source(load_plugins(allow={name}, third_party=False).get(name))
        if not r.passed
    ]
    assert failed == []
