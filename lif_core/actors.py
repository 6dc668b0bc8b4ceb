"""Who recorded an event: the actor of a command-line decision, of a signed-in person, and in words.

Every event carries an ``actor``. Its prefix says where it was made, so a decision typed at a
command line can never be taken for one made by a person who signed in:

- ``cli:NAME`` — the command line: ``--actor``, else ``LIF_ACTOR``, else the operating-system
  user. Nothing vouches for the name; it is what the person at the keyboard said.
- ``web:{"agency":…,"iss":…,"name":…,"role":…,"sub":…}`` — a person who signed in to the web view
  through the partnership's OpenID Connect provider: the provider (``iss``) and its subject
  identifier (``sub``, stable for that person at that provider), the display name, and the role
  and agency the decision was made under. The JSON is compact with sorted keys, so one identity
  always gives the same actor, and a display name cannot pass for another field.
- ``plugin:NAME@VERSION``, ``policy:NAME`` and ``demo:…`` — programs.

:func:`describe` puts any of them in words for a trail, a page or a pack.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import asdict, dataclass
from typing import Any

from lif_core.errors import ConfigError

__all__ = ["CLI", "WEB", "SignedIn", "cli_actor", "describe", "signed_in"]

CLI = "cli:"
WEB = "web:"


def cli_actor(given: str | None = None) -> str:
    """Who acts at the command line: ``cli:`` and ``--actor``, else ``LIF_ACTOR``, else the OS user."""
    name = (given or os.environ.get("LIF_ACTOR") or getpass.getuser()).strip()
    name = name.removeprefix(CLI).strip()
    if not name:
        raise ConfigError("no actor: pass --actor NAME or set LIF_ACTOR")
    return CLI + name


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A person who signed in, and the role (and agency) a decision of theirs is made under."""

    iss: str
    sub: str
    name: str
    role: str
    agency: str | None = None

    @property
    def actor(self) -> str:
        """The actor recorded on their events: ``web:`` and the identity as compact JSON."""
        if not (self.iss and self.sub and self.role):
            raise ConfigError("a signed-in actor needs the provider, the subject and the role")
        return WEB + json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    def describe(self) -> str:
        """``Jane Smith (partner, LCH; signed in at https://login… as 7cA9…)``."""
        held = self.role.replace("-", " ") + (f", {self.agency}" if self.agency else "")
        return f"{self.name or self.sub} ({held}; signed in at {self.iss} as {self.sub})"


def signed_in(actor: str) -> SignedIn | None:
    """The identity in a ``web:`` actor; None for any other kind (or a malformed one)."""
    if not actor.startswith(WEB):
        return None
    try:
        data: Any = json.loads(actor[len(WEB) :])
        return SignedIn(**data) if isinstance(data, dict) else None
    except (ValueError, TypeError):
        return None


def describe(actor: str | None) -> str:
    """An actor in words: a signed-in person with role and provider; others as recorded."""
    if not actor:
        return ""
    person = signed_in(actor)
    if person is not None:
        return person.describe()
    if actor.startswith(CLI):
        return f"{actor[len(CLI) :]} (command line)"
    return actor
