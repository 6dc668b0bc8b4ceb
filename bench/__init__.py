"""Benchmarks, run with ``make bench`` (``python -m bench``); not tests.

Each module ``bench/bench_<name>.py`` exposes ``run() -> list[dict]``: one dict per measured
case. The runner (:mod:`bench.__main__`) finds the modules, runs them in name order and prints
one table per module, its columns the keys of its rows in first-seen order.

Conventions a row may follow so the runner can use it:

- ``name``: what was measured (the first column).
- ``ok``: ``False`` when a stated floor or target was missed; the runner then exits 1.

Sizes and stores are set by each module's own environment variables (see its docstring), so a
quick run is possible without editing code. Figures worth keeping go in docs/performance.md.

Memory: the runner runs each module in a fresh process, and modules run each case in one
(:func:`in_fresh_process`); :func:`peak_mb` is the peak of the calling process alone, so a case's
figure is its own whatever ran before it.
"""

from __future__ import annotations

import importlib
import multiprocessing
import pkgutil
import resource
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from types import ModuleType
from typing import Any, TypeVar

__all__ = ["Row", "discover", "in_fresh_process", "load", "peak_mb", "run"]

Row = dict[str, Any]
PREFIX = "bench_"
T = TypeVar("T")


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


def run(name: str) -> list[Row]:
    """Run the bench module ``name`` (the runner calls it in a fresh process)."""
    return load(name)()


def in_fresh_process(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in a new interpreter (``spawn``): what it measures is its own."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def peak_mb() -> float:
    """The peak resident memory of this process alone, in MB (interpreter and imports included).

    Not ``ru_maxrss`` on Linux: a process started by fork and exec, as every ``spawn`` worker
    is, starts with its parent's peak at the fork, so every case spawned by a large parent
    reported the parent's size (1,489 MB each in a whole ``make bench``). ``VmHWM`` is the
    high-water mark of this process's own memory. Elsewhere ``ru_maxrss`` is all there is.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB else
