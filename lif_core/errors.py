"""The one exception hierarchy of the platform: what went wrong, where, and what to do."""

from __future__ import annotations

__all__ = [
    "ConcurrencyError",
    "ConfigError",
    "ForbiddenError",
    "InputError",
    "LifError",
    "NotFoundError",
    "PluginError",
    "RefusedError",
    "StoreError",
    "VerificationError",
]


class LifError(Exception):
    """Base of every error the platform raises on purpose.

    ``exit_code`` is what the CLI exits with: 1 for a refusal or a failed check,
    2 for bad usage or configuration.
    """

    exit_code = 1


class ConfigError(LifError):
    """A setting is missing or malformed (a bad store URL, an unknown option)."""

    exit_code = 2


class StoreError(LifError):
    """The store cannot be reached or opened. The message names the URL, password masked."""

    exit_code = 2


class RefusedError(LifError):
    """A command was refused by a domain rule; nothing was written."""


class ForbiddenError(RefusedError):
    """A signed-in person's role or agency does not allow what they asked; nothing was written.

    The message says why: which role or agency the request needed, and which they hold."""


class NotFoundError(LifError):
    """A reference, event or record does not exist."""


class ConcurrencyError(LifError):
    """Someone else wrote to the same stream first; nothing of ours was written."""


class VerificationError(LifError):
    """The event log or a pack failed verification."""


class InputError(LifError):
    """An input file or message cannot be read at all (as opposed to one bad record)."""


class PluginError(LifError):
    """A plugin failed. ``kind`` is one of: configuration, input, plugin-bug."""

    def __init__(self, plugin: str, kind: str, message: str) -> None:
        super().__init__(f"plugin {plugin!r} failed ({kind}): {message}")
        self.plugin = plugin
        self.kind = kind
        self.message = message

    def __reduce__(self) -> tuple[object, ...]:  # raised in a reading process, reported in ours
        return (type(self), (self.plugin, self.kind, self.message))
