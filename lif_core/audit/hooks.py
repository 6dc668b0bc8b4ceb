"""Audit plugins: witnesses and key services a package registers (entry-point group ``lif.audit``).

A module in the ``lif.audit`` entry-point group implements either hook or both::

    from lif_core.audit.hooks import hookimpl

    @hookimpl
    def register_witnesses(register):
        register("notary", lambda argument: MyNotary(argument))   # --witness plugin:notary[:ARG]

    @hookimpl
    def register_signers(register):
        register("kms", lambda signer_name: MyKms(signer_name))  # --key plugin:kms

A witness has ``name``, ``publish(head)`` and ``heads()``
(:class:`lif_core.audit.witness.Witness`); a signer ``name``, ``public_key()`` and
``sign(message)`` (:class:`lif_core.audit.heads.Signer`). See docs/audit.md.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pluggy

from lif_core.errors import ConfigError

# A witness (lif_core.audit.witness.Witness) and a signer (lif_core.audit.heads.Signer) are
# typed loosely here: this module is imported by both, and the witness module reaches Kafka,
# which the read models (importing the audit's verification) must not.
Witness = Any
Signer = Any

__all__ = [
    "ENTRY_POINTS",
    "add_plugin",
    "audit_plugins",
    "hookimpl",
    "plugin_signer",
    "plugin_witness",
    "register_signers",
    "register_witnesses",
]

ENTRY_POINTS = "lif.audit"
hookspec = pluggy.HookspecMarker("lif-audit")
hookimpl = pluggy.HookimplMarker("lif-audit")


@hookspec
def register_witnesses(register: Callable[[str, Callable[[str], Witness]], None]) -> None:
    """Register witnesses by name: ``register(name, factory)``; ``factory(argument)`` makes one."""


@hookspec
def register_signers(register: Callable[[str, Callable[[str], Signer]], None]) -> None:
    """Register key services by name: ``register(name, factory)``; ``factory(signer_name)``."""


_extra: list[ModuleType | object] = []


def audit_plugins(*extra: ModuleType | object) -> pluggy.PluginManager:
    """The audit plugins installed (entry points), plus ``extra`` plugin objects (tests, apps)."""
    import sys

    pm = pluggy.PluginManager("lif-audit")
    pm.add_hookspecs(sys.modules[__name__])
    pm.load_setuptools_entrypoints(ENTRY_POINTS)
    for plugin in (*_extra, *extra):
        if not pm.is_registered(plugin):
            pm.register(plugin)
    return pm


def add_plugin(plugin: ModuleType | object) -> None:
    """Register an audit plugin in this process (as an entry point would)."""
    _extra.append(plugin)


def _registered(hook: str) -> dict[str, Callable[[str], Any]]:
    found: dict[str, Callable[[str], Any]] = {}
    getattr(audit_plugins().hook, hook)(
        register=lambda name, factory: found.setdefault(name, factory)
    )
    return found


def plugin_witness(name: str, argument: str) -> Witness:
    factories = _registered("register_witnesses")
    if name not in factories:
        known = ", ".join(sorted(factories)) or "none installed"
        raise ConfigError(f"no witness plugin {name!r} (witness plugins: {known})")
    witness: Witness = factories[name](argument)
    return witness


def plugin_signer(name: str, signer_name: str) -> Signer:
    factories = _registered("register_signers")
    if name not in factories:
        known = ", ".join(sorted(factories)) or "none installed"
        raise ConfigError(f"no key service plugin {name!r} (key services: {known})")
    signer: Signer = factories[name](signer_name)
    return signer
