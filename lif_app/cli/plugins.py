"""``lif plugins …``: list the installed sources, check one with the kit, rewrite its golden file, start a new one."""

from __future__ import annotations

import importlib.resources
import importlib.util
from importlib.resources.abc import Traversable
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
from lif_core.testing import CHECKS, PLACEHOLDER, CheckResult, check_source, summary

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


_LIST_COLUMNS = ("source", "version", "distribution", "kinds (mode)", "provider", "title")


def _aligned(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows as lines, each column padded to its widest cell (the last left as it is)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    ]


@plugins_app.command("list")
@handle_errors
def plugins_list(json_out: bool = JsonOpt) -> None:
    """Every installed source (built-in and third-party), then the plugins that failed (exit 1)."""
    plugins = load_plugins()
    info = _describe(plugins)
    if json_out:
        print_json(info)
    else:
        rows = [
            (
                item["name"],
                item["version"],
                item["distribution"],
                ", ".join(f"{k} ({m})" for k, m in zip(item["kinds"], item["modes"], strict=True)),
                item["provider"],
                item["title"],
            )
            for item in info["plugins"]
        ]
        if console.is_terminal:
            table = Table()
            table.add_column("source", no_wrap=True)
            for column in _LIST_COLUMNS[1:]:
                table.add_column(column, overflow="fold")
            for row in rows:
                table.add_row(*row)
            console.print(table)
        else:  # a pipe or a file: plain lines, never cut or folded
            for line in _aligned([_LIST_COLUMNS, *rows]):
                console.out(line, highlight=False)
        for failure in plugins.failures:
            err.print(
                f"[bold red]failed:[/] {escape(failure.plugin)} ({failure.kind}): "
                f"{escape(failure.message)}",
                highlight=False,
                soft_wrap=True,
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
    failures = plugins.failures_of(name)
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
    module = target / ("lif_plugin_" + name.replace("-", "_")) / "__init__.py"
    console.print(f"created {target}", highlight=False)
    console.print(
        f"next:  name the provider and describe the source in {module} (the kit fails while "
        f"they say {PLACEHOLDER!r}), then\n"
        f"       pip install -e '{target}[test]'   lif plugins check {name}   pytest {target}",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )


# --- the scaffold ------------------------------------------------------------------------------

# The one copy of a new plugin: files whose names say ``__module__`` and ``__name__`` where the
# package's module and the source's name go, and whose text says ``$name``, ``$module``,
# ``$title``, ``$dist`` and ``$placeholder`` (string.Template), each ending in ``.tmpl``.
_TEMPLATE = "plugin_template"


def scaffold_plugin(name: str, directory: Path) -> Path:
    """Write the package ``lif-plugin-NAME`` into ``directory`` from the template folder.

    As generated it passes every check of the kit but the declaration's: the provider and the
    description say :data:`~lif_core.testing.PLACEHOLDER` until the author writes them.
    """
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
        "placeholder": PLACEHOLDER,
    }
    for relative, text in _template_files():
        parts = [
            part.replace("__module__", module).replace("__name__", name).removesuffix(".tmpl")
            for part in relative
        ]
        path = target.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(text).substitute(values), encoding="utf-8")
    # The golden file is made by the generated plugin itself, so the two always agree.
    spec = importlib.util.spec_from_file_location(
        module, target / module / "__init__.py", submodule_search_locations=[str(target / module)]
    )
    assert spec is not None and spec.loader is not None
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)
    write_golden(generated.SOURCE)
    return target


def _template_files() -> list[tuple[tuple[str, ...], str]]:
    """(path parts under the template folder, text) of every file of the template."""
    found: list[tuple[tuple[str, ...], str]] = []
    pending: list[tuple[tuple[str, ...], Traversable]] = [
        ((), importlib.resources.files("lif_app.cli") / _TEMPLATE)
    ]
    while pending:
        parts, folder = pending.pop()
        for entry in folder.iterdir():
            if entry.is_dir():
                pending.append(((*parts, entry.name), entry))
            elif entry.is_file():
                found.append(((*parts, entry.name), entry.read_text(encoding="utf-8")))
    return sorted(found)
