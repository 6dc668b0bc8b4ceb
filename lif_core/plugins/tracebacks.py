"""Where in a plugin's own code an exception was raised: the file and line a plugin author fixes."""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path

__all__ = ["plugin_location", "raised_in"]


def _package_root(module: str | None) -> Path | None:
    """The folder of the top-level package of ``module`` (or the module's file, if alone)."""
    if not module:
        return None
    name = module.split(".")[0]
    file = getattr(sys.modules.get(name), "__file__", None)
    if not file:  # not imported (its import failed): found without importing it
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return None
        file = spec.origin if spec is not None else None
    if not file or not Path(file).exists():
        return None
    path = Path(file).resolve()
    return path.parent if path.name == "__init__.py" else path


def plugin_location(exc: BaseException, module: str | None) -> str:
    """``'lif_plugin_x/__init__.py, line 42, in map_row'``: the deepest frame of the traceback
    inside the plugin's own package (``module`` is any module of it), else the deepest frame.

    Empty when the exception carries no traceback.
    """
    root = _package_root(module)
    if isinstance(exc, SyntaxError) and exc.filename:  # raised while compiling, not running
        return f"{_shown(Path(exc.filename), root)}, line {exc.lineno}"
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    chosen = frames[-1]
    shown = Path(chosen.filename)
    if root is not None:
        for frame in reversed(frames):
            path = Path(frame.filename).resolve()
            if path == root or root in path.parents:
                chosen = frame
                shown = _shown(path, root)
                break
    return f"{shown}, line {chosen.lineno}, in {chosen.name}"


def _shown(path: Path, root: Path | None) -> Path:
    """The path from the folder holding the plugin's package (the path as it is, outside it)."""
    path = path.resolve()
    if root is not None and (path == root or root in path.parents):
        return path.relative_to(root.parent)
    return path


def raised_in(exc: BaseException, module: str | None) -> str:
    """``"ValueError('bad') at lif_plugin_x/__init__.py, line 42, in map_row"``."""
    where = plugin_location(exc, module)
    return f"{exc!r} at {where}" if where else repr(exc)
