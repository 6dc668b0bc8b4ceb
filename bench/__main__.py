"""Run the benchmarks: ``python -m bench [NAME ...] [--json]``; exit 1 if one failed or missed its floor."""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import Row, discover, in_fresh_process, run


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def _table(title: str, rows: list[Row]) -> Table:
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    table = Table(*columns, title=title, title_justify="left")
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", help=f"bench modules to run (default: all of {', '.join(discover())})"
    )
    parser.add_argument(
        "--json", action="store_true", help="print every row as one JSON object a line"
    )
    args = parser.parse_args(argv)
    names = args.names or discover()
    unknown = sorted(set(n.removeprefix("bench_") for n in names) - set(discover()))
    if unknown:
        parser.error(f"no bench module {', '.join(unknown)}; there are: {', '.join(discover())}")

    # Wide enough for a table of figures when the output goes to a file or a pipe.
    console = Console(width=None if sys.stdout.isatty() else 200)
    failed = False
    for name in names:
        started = time.perf_counter()
        try:
            rows = in_fresh_process(run, name)  # its memory figures are its own
        except Exception:
            failed = True
            console.print(f"[bold red]bench {name} failed[/]", highlight=False)
            console.print(traceback.format_exc(), markup=False, highlight=False)
            continue
        seconds = time.perf_counter() - started
        failed = failed or any(row.get("ok") is False for row in rows)
        if args.json:
            for row in rows:
                sys.stdout.write(json.dumps({"bench": name, **row}, default=str) + "\n")
        else:
            console.print(_table(f"bench {name} ({seconds:.1f} s)", rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
