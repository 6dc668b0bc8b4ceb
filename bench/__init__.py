"""Benchmarks, run with ``make bench`` (``python -m bench``); not tests.

Each module ``bench/bench_<name>.py`` exposes ``run() -> list[dict]``: one dict per measured
case. The runner (:mod:`bench.__main__`) finds the modules, runs them in name order and prints
one table per module, its columns the keys of its rows in first-seen order.

Conventions a row may follow so the runner can use it:

- ``name``: what was measured (the first column).
- ``ok``: ``False`` when a stated floor or target was missed; the runner then exits 1.

Sizes and stores are set by each module's own environment variables (see its docstring), so a
quick run is possible without editing code. Figures worth keeping go in docs/performance.md.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from types import ModuleType
from typing import Any

__all__ = ["Row", "discover", "load"]

Row = dict[str, Any]
PREFIX = "bench_"


def discover() -> list[str]:
    """The short names (without ``bench_``) of every bench module, sorted."""
    return sorted(
        m.name.removeprefix(PREFIX)
        for m in pkgutil.iter_modules(__path__)
        if m.name.startswith(PREFIX)
    )


def load(name: str) -> Callable[[], list[Row]]:
    """The ``run`` function of the bench module ``name`` (with or without its ``bench_`` prefix)."""
    module: ModuleType = importlib.import_module(f"{__name__}.{PREFIX}{name.removeprefix(PREFIX)}")
    run = getattr(module, "run", None)
    if not callable(run):
        raise TypeError(f"{module.__name__} has no run() -> list[dict]")
    return run  # type: ignore[no-any-return]
