"""``lif plugins``: list, check with the kit, rewrite golden files, scaffold a new plugin that passes."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from broken_plugins import install
from typer.testing import CliRunner

from lif_app.cli.app import app
from lif_core.plugins.host import load_plugins
from lif_core.testing import CHECKS, PLACEHOLDER, check_source

HERE = Path(__file__).resolve().parent
EXAMPLE = {"LIF_PLUGINS_THIRD_PARTY": "1", "LIF_PLUGINS_ALLOW": "wyp-referrals"}


def _lif(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, list(args), env=env or EXAMPLE)


@pytest.fixture
def broken_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Three installed plugins: one that cannot import, one with no hook, one failing the kit."""
    site = install(
        tmp_path / "site",
        "lif-plugin-broken",
        {
            "cannot-import": "no_such_module",
            "no-hook": "broken_plugins",
            "toy-undescribed-field": "broken_plugins.undescribed_field",
        },
    )
    monkeypatch.syspath_prepend(str(site))
    return {
        "LIF_PLUGINS_THIRD_PARTY": "1",
        "LIF_PLUGINS_ALLOW": "cannot-import,no-hook,toy-undescribed-field,wyp-referrals",
    }


def test_list_shows_each_source_with_provider_version_and_distribution() -> None:
    result = _lif("plugins", "list", env={**EXAMPLE, "COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    for text in (
        "wyp-referrals",
        "Police safeguarding referrals about children, quarterly",
        "West Yorkshire Police",
        "0.1.0",
        "lif-plugin-example",
        "quarterly-referrals (append)",
    ):
        assert text in result.stdout


def test_list_prints_plain_aligned_lines_to_a_pipe() -> None:
    result = _lif("plugins", "list")  # the test runner's output is not a terminal
    assert result.exit_code == 0, result.output
    header, line = result.stdout.splitlines()
    assert header.split() == [
        "source",
        "version",
        "distribution",
        "kinds",
        "(mode)",
        "provider",
        "title",
    ]
    assert not any(c in result.stdout for c in "│┃─━┏┗")  # no table drawing
    assert line.split("  ")[0] == "wyp-referrals"
    assert line.index("0.1.0") == header.index("version")
    assert line.endswith(
        "West Yorkshire Police  Police safeguarding referrals about children, quarterly"
    )


def test_list_json_has_every_field_a_catalogue_needs() -> None:
    result = _lif("plugins", "list", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "plugins": [
            {
                "name": "wyp-referrals",
                "title": "Police safeguarding referrals about children, quarterly",
                "provider": "West Yorkshire Police",
                "plugin": "wyp-referrals",
                "distribution": "lif-plugin-example",
                "version": "0.1.0",
                "builtin": False,
                "kinds": ["quarterly-referrals", "agreed-action"],
                "modes": ["append", "append"],
                "cadence": "P3M",
            }
        ],
        "failures": [],
    }


def test_list_names_each_failed_plugin_with_its_kind_and_exits_1(
    broken_site: dict[str, str],
) -> None:
    result = _lif("plugins", "list", "--json", env=broken_site)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [p["name"] for p in report["plugins"]] == ["toy-undescribed-field", "wyp-referrals"]
    failures = {f["plugin"]: f for f in report["failures"]}
    assert failures["cannot-import"]["kind"] == "plugin-bug"
    assert "No module named 'no_such_module'" in failures["cannot-import"]["message"]
    assert failures["no-hook"]["kind"] == "configuration"
    assert "registered no source" in failures["no-hook"]["message"]

    text = _lif("plugins", "list", env=broken_site)
    assert text.exit_code == 1
    assert "failed: cannot-import (plugin-bug): import failed" in " ".join(text.stderr.split())


def test_check_passes_the_example_plugin_check_by_check() -> None:
    result = _lif("plugins", "check", "wyp-referrals")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[: len(CHECKS)] == [f"pass  {name}: {title}" for name, title in CHECKS.items()]
    assert lines[-1] == "wyp-referrals: conforms"


def test_check_fails_a_broken_plugin_saying_what_to_fix(broken_site: dict[str, str]) -> None:
    result = _lif("plugins", "check", "toy-undescribed-field", env=broken_site)
    assert result.exit_code == 1
    assert "FAIL  descriptions: every model field has a description" in result.stdout
    assert "field 'referrals' of AreaCount has no description: declare it as" in result.stdout
    assert result.stdout.rstrip().endswith(
        "toy-undescribed-field: does not conform (1 of 8 checks failed)"
    )
    report = json.loads(
        _lif("plugins", "check", "toy-undescribed-field", "--json", env=broken_site).stdout
    )
    assert report["ok"] is False
    assert [c["check"] for c in report["checks"] if not c["passed"]] == ["descriptions"]


def test_check_of_a_plugin_that_does_not_load_fails_its_declaration(
    broken_site: dict[str, str],
) -> None:
    result = _lif("plugins", "check", "cannot-import", "--json", env=broken_site)
    assert result.exit_code == 1
    check, *rest = json.loads(result.stdout)["checks"]
    assert check["check"] == "declaration" and not check["passed"]
    assert check["problems"][0].startswith("plugin-bug: import failed: ModuleNotFoundError")
    assert [c["check"] for c in rest] == list(CHECKS)[1:]
    assert all(c["skipped"] and not c["passed"] for c in rest)
    text = _lif("plugins", "check", "cannot-import", env=broken_site)
    assert "skip  unique-keys: " in text.stdout
    assert text.stdout.rstrip().endswith(
        "cannot-import: does not conform (1 of 8 checks failed, 7 not run until it passes)"
    )


def test_check_of_a_source_behind_a_misnamed_entry_point_says_what_to_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = install(tmp_path / "site", "lif-plugin-toy", {"toy-count": "broken_plugins.good"})
    monkeypatch.syspath_prepend(str(site))
    result = _lif("plugins", "check", "toy-counts", env={"LIF_PLUGINS_THIRD_PARTY": "1"})
    assert result.exit_code == 1
    assert "no source named" not in result.stderr
    assert (
        "the entry point 'toy-count' registers the source 'toy-counts': an entry point is named "
        'after its source, so write `toy-counts = "broken_plugins.good"`'
    ) in " ".join(result.stdout.split())


@pytest.mark.parametrize(
    ("module", "says"),
    [
        ("no_valid_time", "RecordKind 'area-count': valid_time returned None, not a ValidTime"),
        ("reversed_period", "valid_time returned a period that ends (2023-01-01) before it"),
        ("crashes_on_a_row", None),
    ],
)
def test_golden_never_crashes_it_says_what_is_wrong_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, says: str | None
) -> None:
    name = f"toy-{module.replace('_', '-')}"
    site = install(tmp_path / "site", "lif-plugin-toy", {name: f"broken_plugins.{module}"})
    monkeypatch.syspath_prepend(str(site))
    golden = importlib.import_module("broken_plugins.good").SAMPLES / "expected.jsonl"
    before = golden.read_bytes()
    result = _lif("plugins", "golden", name, env={"LIF_PLUGINS_THIRD_PARTY": "1"})
    assert golden.read_bytes() == before
    if says is None:  # its good samples map cleanly: the golden file is written as it was
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = result.stderr.strip()
    assert message.startswith(f"error: plugin {name!r} failed (plugin-bug): ")
    assert says in " ".join(message.split())


def test_check_of_an_unknown_source_is_refused() -> None:
    result = _lif("plugins", "check", "nope")
    assert result.exit_code == 1
    assert "no source named 'nope'" in result.stderr


# --- new and golden --------------------------------------------------------------------------------


def _generate(name: str, folder: Path, monkeypatch: pytest.MonkeyPatch):
    result = _lif("plugins", "new", name, "--dir", str(folder))
    assert result.exit_code == 0, result.output
    package = folder / f"lif-plugin-{name}"
    monkeypatch.syspath_prepend(str(package))
    return package, importlib.import_module("lif_plugin_" + name.replace("-", "_"))


def _name_the_provider(package: Path, module: str) -> None:
    """What the author does first: replace the scaffold's placeholders with the real words."""
    code = package / module / "__init__.py"
    text = code.read_text()
    text = text.replace(
        f"{PLACEHOLDER}: the organisation that publishes the data", "Leeds City Council"
    )
    text = text.replace(
        f"{PLACEHOLDER}: one paragraph on what the source holds and who publishes it.",
        "Yearly counts per area, published by the council.",
    )
    code.write_text(text)


def test_new_generates_a_package_that_fails_the_kit_only_on_its_placeholders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package, module = _generate("bus-stops", tmp_path, monkeypatch)
    files = sorted(str(p.relative_to(package)) for p in package.rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "lif_plugin_bus_stops/__init__.py",
        "lif_plugin_bus_stops/py.typed",
        "lif_plugin_bus_stops/samples/bad/bus-stops-errors.csv",
        "lif_plugin_bus_stops/samples/bad/expected-rejections.jsonl",
        "lif_plugin_bus_stops/samples/bus-stops-2024-25.csv",
        "lif_plugin_bus_stops/samples/expected.jsonl",
        "pyproject.toml",
        "tests/test_conformance.py",
    ]
    project = tomllib.loads((package / "pyproject.toml").read_text())
    assert project["project"]["name"] == "lif-plugin-bus-stops"
    assert project["project"]["optional-dependencies"] == {"test": ["pytest>=8"]}
    assert project["project"]["entry-points"]["lif.ingestors"] == {
        "bus-stops": "lif_plugin_bus_stops"
    }

    plugins = load_plugins(modules=[module], entry_point_list=[])
    assert plugins.failures == []
    [declaration, *rest] = check_source(plugins.get("bus-stops"))
    assert declaration.problems == (
        "Source.provider is still the placeholder `lif plugins new` wrote ('CHANGE ME: the "
        "organisation that publishes the data'): name the organisation that publishes the "
        "data (e.g. 'Ofsted')",
        "Source.description is still the placeholder `lif plugins new` wrote ('CHANGE ME: one "
        "paragraph on what the source holds and who publishes it.'): say in one paragraph what "
        "the source holds and who publishes it",
    )
    assert all(r.skipped for r in rest)

    _name_the_provider(package, "lif_plugin_bus_stops")
    module = importlib.reload(module)
    plugins = load_plugins(modules=[module], entry_point_list=[])
    results = check_source(plugins.get("bus-stops"))
    assert all(r.passed for r in results), "\n".join(map(str, results))
    model = plugins.get("bus-stops").source.kinds[0].model
    assert all(f.description for f in model.model_fields.values())


def test_the_scaffold_has_one_copy_its_template_folder() -> None:
    """The templates are files, not strings in the command's code."""
    code = (HERE.parents[2] / "lif_app" / "cli" / "plugins.py").read_text()
    assert "BaseModel" not in code and "expected-rejections.jsonl" not in code
    template = HERE.parents[2] / "lif_app" / "cli" / "plugin_template"
    assert (template / "__module__" / "__init__.py.tmpl").is_file()


def test_the_generated_tests_run_the_kit_and_pass_once_the_provider_is_named(
    tmp_path: Path,
) -> None:
    assert _lif("plugins", "new", "ferry-crossings", "--dir", str(tmp_path)).exit_code == 0
    package = tmp_path / "lif-plugin-ferry-crossings"

    def pytest_run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=package,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(package)},
        )

    first = pytest_run()
    assert first.returncode == 1
    assert "8 failed" in first.stdout
    assert "Source.provider is still the placeholder" in first.stdout
    _name_the_provider(package, "lif_plugin_ferry_crossings")
    second = pytest_run()
    assert second.returncode == 0, second.stdout + second.stderr
    assert "8 passed" in second.stdout


def test_new_refuses_a_bad_name_or_an_existing_folder(tmp_path: Path) -> None:
    bad = _lif("plugins", "new", "Bus_Stops", "--dir", str(tmp_path))
    assert bad.exit_code == 1
    assert "'Bus_Stops' is not a source name" in bad.stderr
    assert _lif("plugins", "new", "tram-stops", "--dir", str(tmp_path)).exit_code == 0
    again = _lif("plugins", "new", "tram-stops", "--dir", str(tmp_path))
    assert again.exit_code == 1
    assert "already exists" in again.stderr


def test_golden_rewrites_expected_jsonl_from_the_samples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package, module = _generate("lamp-posts", tmp_path / "src", monkeypatch)
    _name_the_provider(package, "lif_plugin_lamp_posts")
    importlib.reload(module)
    site = install(
        tmp_path / "site", "lif-plugin-lamp-posts", {"lamp-posts": "lif_plugin_lamp_posts"}
    )
    monkeypatch.syspath_prepend(str(site))
    samples = package / "lif_plugin_lamp_posts" / "samples"
    sample = samples / "lamp-posts-2024-25.csv"
    sample.write_text(sample.read_text() + "2024-25,Wakefield,Referrals,512\n")
    env = {"LIF_PLUGINS_THIRD_PARTY": "1", "LIF_PLUGINS_ALLOW": "lamp-posts"}
    stale = _lif("plugins", "check", "lamp-posts", env=env)
    assert stale.exit_code == 1
    assert "FAIL  samples: " in stale.stdout

    result = _lif("plugins", "golden", "lamp-posts", env=env)

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"wrote 5 records to {samples / 'expected.jsonl'}")
    assert "(1 new or changed, 0 gone)" in result.stdout
    last = json.loads((samples / "expected.jsonl").read_text().splitlines()[-1])
    assert last["record_key"] == "2024-25/wakefield/referrals"
    assert _lif("plugins", "check", "lamp-posts", env=env).exit_code == 0


def test_golden_refuses_samples_with_a_rejected_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package, _ = _generate("road-signs", tmp_path / "src", monkeypatch)
    site = install(
        tmp_path / "site", "lif-plugin-road-signs", {"road-signs": "lif_plugin_road_signs"}
    )
    monkeypatch.syspath_prepend(str(site))
    sample = package / "lif_plugin_road_signs" / "samples" / "road-signs-2024-25.csv"
    sample.write_text(sample.read_text() + "2024-25,Leeds,Signs,-1\n")
    env = {"LIF_PLUGINS_THIRD_PARTY": "1", "LIF_PLUGINS_ALLOW": "road-signs"}
    result = _lif("plugins", "golden", "road-signs", env=env)
    assert result.exit_code == 1
    assert "shipped sample road-signs-2024-25.csv has a rejected row at {'line': 6}" in " ".join(
        result.stderr.split()
    )
