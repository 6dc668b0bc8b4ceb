"""The plugin hooks: the single source of truth for what a plugin can provide.

Each hook receives a ``register`` callback, so the host can pass more keyword
arguments in later versions without breaking plugins that do not ask for them.
"""

from __future__ import annotations

from collections.abc import Callable

import pluggy

from lif_core.plugins.spec import Source

__all__ = ["hookimpl", "hookspec", "register_sources"]

PROJECT = "lif"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_sources(register: Callable[[Source], None]) -> None:
    """Declare the sources this plugin ingests.

    :param register: call it once per :class:`~lif_core.plugins.Source`.
    :return: nothing; anything returned is ignored.

    .. versionadded:: 0.1

    Example::

        from lif_core.plugins import hookimpl, Source

        @hookimpl
        def register_sources(register):
            register(Source(name="police-referrals", title="...", ...))
    """
