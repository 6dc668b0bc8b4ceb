"""``lif plugins …``: list the installed sources, check one with the kit, rewrite its golden file, start a new one."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from string import Template
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from lif_app.cli._common import JsonOpt, console, err, handle_errors, print_json
from lif_app.cli.app import app
from lif_core.errors import InputError, RefusedError
from lif_core.ingestion.samples import write_golden
from lif_core.plugins.host import Plugins, load_plugins
from lif_core.plugins.spec import SOURCE_NAME, Source
from lif_core.testing import CHECKS, CheckResult, check_source, summary

__all__ = ["plugins_app", "scaffold_plugin"]

plugins_app = typer.Typer(
    help="Source plugins: list, check against the conformance kit, golden files, scaffold.",
    no_args_is_help=True,
)
app.add_typer(plugins_app, name="plugins")


def _describe(plugins: Plugins) -> dict[str, Any]:
    return {
        "plugins": [
            {
                "name": s.name,
                "title": s.source.title,
                "provider": s.source.provider,
                "plugin": s.plugin,
                "distribution": s.distribution,
                "version": s.version,
                "builtin": s.builtin,
                "kinds": [k.name for k in s.source.kinds],
                "modes": [k.mode for k in s.source.kinds],
                "cadence": s.source.cadence,
            }
            for s in plugins
        ],
        "failures": [
            {"plugin": f.plugin, "kind": f.kind, "message": f.message} for f in plugins.failures
        ],
    }


@plugins_app.command("list")
@handle_errors
def plugins_list(json_out: bool = JsonOpt) -> None:
    """Every installed source (built-in and third-party), then the plugins that failed (exit 1)."""
    plugins = load_plugins()
    info = _describe(plugins)
    if json_out:
        print_json(info)
    else:
        table = Table()
        table.add_column("source", no_wrap=True)
        for column in ("title", "provider", "version", "distribution", "kinds (mode)"):
            table.add_column(column, overflow="fold")
        for item in info["plugins"]:
            table.add_row(
                item["name"],
                item["title"],
                item["provider"],
                item["version"],
                item["distribution"],
                ", ".join(f"{k} ({m})" for k, m in zip(item["kinds"], item["modes"], strict=True)),
            )
        console.print(table)
        for failure in plugins.failures:
            err.print(
                f"[bold red]failed:[/] {escape(failure.plugin)} ({failure.kind}): "
                f"{escape(failure.message)}",
                highlight=False,
            )
    if plugins.failures:
        raise typer.Exit(1)


@plugins_app.command("check")
@handle_errors
def plugins_check(
    name: str = typer.Argument(..., help="The source's name."),
    json_out: bool = JsonOpt,
) -> None:
    """Run the conformance kit on one source (ingesting into a temporary store). Exit 1 on failure."""
    plugins = load_plugins()
    failures = [f for f in plugins.failures if f.plugin == name]
    if name not in plugins.sources and failures:
        problems = tuple(f"{f.kind}: {f.message}" for f in failures)
        results = [
            CheckResult("declaration", "the plugin loads and its declaration is valid", problems),
            *(
                CheckResult(n, t, ("not run: fix the declaration first",), skipped=True)
                for n, t in list(CHECKS.items())[1:]
            ),
        ]
    else:
        results = check_source(plugins.get(name))
    ok = all(r.passed for r in results)
    if json_out:
        print_json({"source": name, "ok": ok, "checks": [r.as_dict() for r in results]})
    else:
        for result in results:
            mark = (
                "[yellow]skip[/]"
                if result.skipped
                else "[green]pass[/]"
                if result.passed
                else "[bold red]FAIL[/]"
            )
            console.print(f"{mark}  {result.name}: {result.title}", highlight=False)
            for problem in result.problems:
                console.print(f"      [red]→[/] {escape(problem)}", highlight=False)
        line = f"{name}: {summary(results)}"
        console.print("\n" + (line if ok else f"[bold red]{escape(line)}[/]"), highlight=False)
    if not ok:
        raise typer.Exit(1)


@plugins_app.command("golden")
@handle_errors
def plugins_golden(name: str = typer.Argument(..., help="The source's name.")) -> None:
    """Rewrite the source's expected.jsonl from its samples (review the diff before committing)."""
    source = load_plugins().get(name).source
    before = _lines(source)
    try:
        target = write_golden(source)
    except ValueError as exc:
        raise InputError(f"{name}: {exc}; fix the sample or the plugin first") from None
    after = _lines(source)
    console.print(
        f"wrote {len(after)} records to {target} "
        f"({len(after - before)} new or changed, {len(before - after)} gone)",
        highlight=False,
    )


def _lines(source: Source) -> set[str]:
    path = (source.samples or Path("-")) / "expected.jsonl"
    return set(path.read_text(encoding="utf-8").splitlines()) if path.is_file() else set()


@plugins_app.command("new")
@handle_errors
def plugins_new(
    name: str = typer.Argument(..., help="The new source's name, e.g. 'police-referrals'."),
    directory: Path = typer.Option(Path("."), "--dir", help="Where to create the package folder."),
) -> None:
    """Create a ready-to-edit plugin package: model, hook, samples, golden files, a test."""
    target = scaffold_plugin(name, directory)
    console.print(f"created {target}", highlight=False)
    console.print(
        f"next:  pip install -e {target}   then   lif plugins check {name}   "
        f"and   pytest {target / 'tests'}",
        highlight=False,
    )


# --- the scaffold ------------------------------------------------------------------------------


def scaffold_plugin(name: str, directory: Path) -> Path:
    """Write the package ``lif-plugin-NAME`` into ``directory``; it passes the kit as generated."""
    if not SOURCE_NAME.match(name):
        raise RefusedError(
            f"{name!r} is not a source name: use lower-case words joined by hyphens, "
            "e.g. 'police-referrals'"
        )
    module = "lif_plugin_" + name.replace("-", "_")
    target = directory / f"lif-plugin-{name}"
    if target.exists():
        raise RefusedError(f"{target} already exists: choose another --dir or remove it")
    values = {
        "name": name,
        "module": module,
        "title": name.replace("-", " ").capitalize(),
        "dist": f"lif-plugin-{name}",
    }
    files = {
        "pyproject.toml": _PYPROJECT,
        "README.md": _README,
        f"{module}/__init__.py": _MODULE,
        f"{module}/py.typed": Template(""),
        f"{module}/samples/{name}-2024-25.csv": _SAMPLE,
        f"{module}/samples/bad/{name}-errors.csv": _BAD,
        f"{module}/samples/bad/expected-rejections.jsonl": _BAD_EXPECTED,
        "tests/test_conformance.py": _TEST,
    }
    for relative, template in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.substitute(values), encoding="utf-8")
    # The golden file is made by the generated plugin itself, so the two always agree.
    spec = importlib.util.spec_from_file_location(
        module, target / module / "__init__.py", submodule_search_locations=[str(target / module)]
    )
    assert spec is not None and spec.loader is not None
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)
    write_golden(generated.SOURCE)
    return target


_PYPROJECT = Template("""\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "$dist"
version = "0.1.0"
description = "LIF source plugin: $title"
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["lif-platform>=0.1", "pydantic>=2.7,<3"]

[project.optional-dependencies]
test = ["pytest>=8"]

# What makes this package a LIF plugin: the source's name -> the module with register_sources.
[project.entry-points."lif.ingestors"]
$name = "$module"

[tool.setuptools.packages.find]
include = ["$module*"]

[tool.setuptools.package-data]
$module = ["py.typed", "samples/*", "samples/bad/*"]
""")

_README = Template("""\
# $dist

A LIF source plugin for **$name**, generated by `lif plugins new $name`.

1. Describe the source in `$module/__init__.py`: the model (every field with a description),
   the record key, the valid time, the header spellings in `Columns`, and `map_row`.
2. Replace the sample in `$module/samples/` with a small realistic file, and the bad sample in
   `samples/bad/` with the mistakes this source really makes (one line per rejected row in
   `bad/expected-rejections.jsonl`).
3. `lif plugins golden $name` rewrites `samples/expected.jsonl`; read its diff.
4. `pip install -e .`, then `lif plugins check $name` and `pytest tests`.
5. `lif plugins list` shows it; `lif ingest $name FILE...` ingests.
""")

_MODULE = Template('''\
"""Source plugin for $name: one record per financial year, area and measure.

Edit the model, the columns and map_row to fit the real files; keep every field described.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lif_core.plugins import (
    Columns,
    Emit,
    InputOptions,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    hookimpl,
)

__all__ = ["SOURCE", "YearlyFigure", "register_sources"]

_YEAR = re.compile(r"^(\\d{4})\\s*[-/]\\s*(\\d{2})$$")


class YearlyFigure(BaseModel):
    """One figure the source publishes for one area in one financial year."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: str = Field(description="Financial year, April to March, e.g. '2024-25'.")
    area: str = Field(description="The area the figure is about, e.g. 'Leeds'.")
    measure: str = Field(description="What is counted, e.g. 'referrals'.")
    value: int = Field(ge=0, description="The count for the year and area.")


def financial_year(text: str) -> ValidTime:
    """'2024-25' -> 1 April 2024 to 31 March 2025."""
    match = _YEAR.match(text.strip())
    if not match or int(match[2]) != (int(match[1]) + 1) % 100:
        raise RecordError(f"{text!r} is not a financial year like 2024-25", column="year")
    start = int(match[1])
    return ValidTime(date(start, 4, 1), date(start + 1, 3, 31))


def _text(row: Row, column: str) -> str:
    value = row.values.get(column)
    if value is None or not str(value).strip():
        raise RecordError(f"the {column} is blank", column=column)
    return " ".join(str(value).split())


def _count(row: Row, column: str) -> int:
    text = _text(row, column).replace(",", "")
    if not text.lstrip("-").isdigit():
        raise RecordError(f"{text!r} is not a whole number", column=column, value=text)
    if int(text) < 0:
        raise RecordError(f"{text} is negative", column=column, value=text)
    return int(text)


def map_row(row: Row) -> list[Emit]:
    """One row -> one YearlyFigure (raise RecordError to reject the row, naming the column)."""
    year = _text(row, "year")
    financial_year(year)
    fields = {
        "year": year,
        "area": _text(row, "area"),
        "measure": _text(row, "measure").casefold(),
        "value": _count(row, "value"),
    }
    return [Emit("yearly-figure", fields)]


SOURCE = Source(
    name="$name",
    title="$title",
    provider="Name the organisation that publishes the data",
    kinds=(
        RecordKind(
            name="yearly-figure",
            model=YearlyFigure,
            key=lambda r: f"{r.year}/{r.area.casefold()}/{r.measure}",
            valid_time=lambda r: financial_year(r.year),
            mode="append",
            description="One figure for one financial year, area and measure.",
        ),
    ),
    inputs=InputOptions(
        formats=("csv", "xlsx"),
        columns=Columns(
            variants={
                "year": ("Year", "Financial year"),
                "area": ("Area", "Local authority"),
                "measure": ("Measure",),
                "value": ("Value", "Count"),
            },
            required=("year", "area", "measure", "value"),
        ),
    ),
    map_row=map_row,
    samples=Path(__file__).parent / "samples",
    cadence="P1Y",
    description="Say in one paragraph what the source holds and who publishes it.",
)


@hookimpl
def register_sources(register: Any) -> None:
    register(SOURCE)
''')

_SAMPLE = Template("""\
Year,Area,Measure,Value
2024-25,Leeds,Referrals,1240
2024-25,Bradford,Referrals,980
2024-25,Leeds,Assessments,1102
2024-25,Bradford,Assessments,870
""")

_BAD = Template("""\
Year,Area,Measure,Value
2024-25,,Referrals,12
2024-25,Leeds,Referrals,-3
2024-26,Leeds,Referrals,40
2024-25,Kirklees,Referrals,many
""")

_BAD_EXPECTED = Template(
    "\n".join(
        json.dumps({"file": "$name-errors.csv", "locator": {"line": line}, "reason_contains": why})
        for line, why in [
            (2, "column 'area': the area is blank"),
            (3, "column 'value': -3 is negative"),
            (4, "column 'year': '2024-26' is not a financial year"),
            (5, "column 'value': 'many' is not a whole number"),
        ]
    )
    + "\n"
)

_TEST = Template('''\
"""The conformance kit, one test per check (see lif_core.testing)."""

import $module
from lif_core.testing import SourceConformance


class TestConformance(SourceConformance):
    plugin = $module
''')
