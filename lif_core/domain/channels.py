"""The vocabulary of dissemination channels: held as data, extended without code.

The built-in list is the framework's (``channels.toml`` beside this module); a partnership adds
channels or spellings in a TOML file of the same shape named by ``LIF_CHANNELS``. A channel as
written ("7 minute briefing", "7-minute-briefing") resolves to its name in the vocabulary
("briefing sheet and resources"); the decisions refuse a channel the vocabulary does not know,
and the read models show every recorded channel by its vocabulary name.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lif_core.domain.partner import agency_key
from lif_core.errors import ConfigError

__all__ = ["Channels", "channels"]

_BUILT_IN = Path(__file__).with_name("channels.toml")


@dataclass(frozen=True)
class Channels:
    """Channel names in order, and every spelling's key -> the channel's name."""

    names: tuple[str, ...]
    by_key: dict[str, str]

    def resolve(self, written: str) -> str | None:
        """The vocabulary name of a channel as written, or None when it is not known."""
        return self.by_key.get(agency_key(written))

    def unknown(self, written: str) -> str:
        near = difflib.get_close_matches(written.casefold(), self.names, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(n) for n in near)}?" if near else ""
        return (
            f"{written!r} is not a dissemination channel.{hint} The channels: "
            f"{', '.join(self.names)} (more in a file named by LIF_CHANNELS)."
        )


def _read(path: Path) -> list[dict[str, object]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"channel vocabulary {path}: {exc}") from None
    entries = data.get("channel", [])
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("name"), str) for e in entries
    ):
        raise ConfigError(f"channel vocabulary {path}: write [[channel]] tables with a name")
    return entries


@cache
def _load(extra: str) -> Channels:
    names: list[str] = []
    by_key: dict[str, str] = {}
    for path in (_BUILT_IN, *([Path(extra)] if extra else [])):
        for entry in _read(path):
            name = str(entry["name"]).strip()
            if name not in names:
                names.append(name)
            aliases = entry.get("aliases", [])
            if not isinstance(aliases, list):
                raise ConfigError(f"channel vocabulary {path}: aliases of {name!r} must be a list")
            for spelling in (name, *map(str, aliases)):
                key = agency_key(spelling)
                if by_key.setdefault(key, name) != name:
                    raise ConfigError(
                        f"channel vocabulary {path}: {spelling!r} is a spelling of both "
                        f"{by_key[key]!r} and {name!r}"
                    )
    return Channels(tuple(names), by_key)


def channels() -> Channels:
    """The vocabulary in force (the built-in list plus ``LIF_CHANNELS``, if set)."""
    return _load(os.environ.get("LIF_CHANNELS", ""))
