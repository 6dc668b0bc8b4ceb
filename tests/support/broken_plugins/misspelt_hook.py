"""Broken: the hook is named register_source (no s), so the host never calls it."""

from __future__ import annotations

from typing import Any

from broken_plugins import good
from lif_core.plugins import hookimpl


@hookimpl
def register_source(register: Any) -> None:  # the mistake
    register(good.SOURCE)
