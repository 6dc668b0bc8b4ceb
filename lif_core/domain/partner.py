"""A partner of the partnership: a statutory partner or member agency, its names and its L&D link."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eventsourcing.utils import get_topic

from lif_core.domain.base import LifAggregate, LifCreated, LifEvent
from lif_core.eventlog.store import Store

__all__ = ["SECTORS", "Directory", "Partner", "agency_key", "partner_directory"]

SECTORS = (
    "local-authority",
    "police",
    "health",
    "education",
    "probation",
    "youth-justice",
    "voluntary",
    "other",
)

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def agency_key(name: str) -> str:
    """How two spellings of an agency's name are compared: case, spacing and punctuation
    ignored, ``&`` read as ``and`` ('Leeds Teaching Hospitals NHS Trust' = 'leeds teaching
    hospitals nhs-trust')."""
    return _NOT_WORD.sub(" ", name.casefold().replace("&", " and ")).strip()


@dataclass
class Directory:
    """Every name of every partner, for resolving a name as written to the partner it means.

    Built by the decisions from the log and by the read models from their state: one way of
    resolving names, whoever asks. ``retired``: short names of partners no longer in the
    partnership (their old names still resolve, so history reads right).
    """

    by_key: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # short name -> canonical name
    retired: set[str] = field(default_factory=set)

    def add(self, reference: str, name: str, aliases: Iterable[str] = ()) -> None:
        self.names[reference] = name
        for spelling in (reference, name, *aliases):
            self.by_key.setdefault(agency_key(spelling), reference)

    def resolve(self, name: str | None) -> str | None:
        """The short name of the partner ``name`` means, or None."""
        if not name:
            return None
        return self.by_key.get(agency_key(name))

    def resolve_all(self, name: str | None) -> list[str] | None:
        """The partners a name means: one, or several for a shared owner written as names
        separated by ';' ("LCC; West Yorkshire Police"); None unless every part resolves."""
        if not name:
            return None
        parts = [p.strip() for p in name.split(";") if p.strip()]
        found = [self.resolve(p) for p in parts]
        if not found or None in found:
            return None
        return list(dict.fromkeys(f for f in found if f is not None))

    def near(self, name: str) -> list[str]:
        """Known names close to ``name`` (for a refusal that helps)."""
        spelled = {agency_key(n): n for n in self._spellings()}
        keys = difflib.get_close_matches(agency_key(name), list(spelled), n=4, cutoff=0.6)
        hits = [spelled[k] for k in keys]
        # One name inside the other ("Police", "Leeds City Council Children's Services").
        written = agency_key(name)
        for key, spelling in spelled.items():
            inside = (len(key) > 3 and key in written) or (len(written) > 3 and written in key)
            if inside and spelling not in hits:
                hits.append(spelling)
        return hits[:5]

    def _spellings(self) -> list[str]:
        return [*self.names, *self.names.values()]

    def fingerprint(self) -> str:
        """A digest of every name and who it belongs to: changes when a partner or an alias is
        added or a partner retires (what makes a file re-ingestible after ``lif partner alias``)."""
        names = sorted(self.by_key.items()) + sorted(("retired", r) for r in self.retired)
        return hashlib.sha256(repr(names).encode()).hexdigest()[:16]

    def unknown(self, name: str) -> str:
        """The message that refuses an unknown name, listing close matches."""
        near = self.near(name)
        hint = f" Did you mean {', '.join(repr(n) for n in near)}?" if near else ""
        return (
            f"{name!r} is not a partner in the register.{hint} "
            "(`lif partner list` shows them; `lif partner alias` adds another name.)"
        )


class Partner(LifAggregate):
    """A partner with a short name as its reference (``LCH``, ``WYP``).

    Its canonical name, the other names sources and people use for it (aliases), its sector,
    whether it is a statutory safeguarding partner, and its learning and development link: a
    role (``Named nurse for safeguarding``), never a person's name (the platform keeps no
    personal data about staff). Names are never rewritten in earlier events: the read models
    resolve every name through the register.
    """

    kind = "partner"

    if TYPE_CHECKING:  # state set by the events below
        reference: str
        name: str
        sector: str
        statutory: bool
        learning_link_role: str | None
        aliases: list[str]
        status: str

    class Added(LifCreated):
        reference: str
        name: str
        sector: str
        statutory: bool
        learning_link_role: str | None
        aliases: list[str]

        def evolve(self, agg: Any) -> None:
            agg.reference = self.reference
            agg.name = self.name
            agg.sector = self.sector
            agg.statutory = self.statutory
            agg.learning_link_role = self.learning_link_role
            agg.aliases = list(self.aliases)
            agg.status = "active"

    class AliasAdded(LifEvent):
        alias: str

        def evolve(self, agg: Any) -> None:
            agg.aliases.append(self.alias)

    class Retired(LifEvent):
        rationale: str

        def evolve(self, agg: Any) -> None:
            agg.status = "retired"

    # --- commands ---------------------------------------------------------------------

    @classmethod
    def add(
        cls,
        *,
        reference: str,
        name: str,
        sector: str,
        statutory: bool,
        learning_link_role: str | None,
        aliases: list[str],
        actor: str,
        causation: list[str] | None = None,
        correlation: str | None = None,
    ) -> Partner:
        cls.require(bool(reference.strip()), "a partner needs a short name (--ref)")
        cls.require(bool(name.strip()), "a partner needs its full name (--name)")
        for given in (reference, name, *aliases):
            cls._plain_name(given)
        if sector not in SECTORS:
            cls.refuse(f"sector must be one of {', '.join(SECTORS)}, not {sector!r}")
        keys = [agency_key(a) for a in aliases]
        if len(set(keys)) != len(keys):
            cls.refuse("the same alias is given twice")
        partner: Partner = cls._start(
            cls.Added,
            natural_key=reference,
            actor=actor,
            causation=causation or [],
            correlation=correlation,
            reference=reference.strip(),
            name=name.strip(),
            sector=sector,
            statutory=statutory,
            learning_link_role=learning_link_role,
            aliases=[a.strip() for a in aliases],
        )
        return partner

    @classmethod
    def _plain_name(cls, name: str) -> None:
        """Refuse a name holding ';': an action shared by several agencies names them as
        'A; B', so such a name would be read as two partners."""
        if ";" in name:
            cls.refuse(
                f"{name.strip()!r}: a partner's name cannot hold ';', which separates the "
                "agencies of a shared action ('A; B'); write it without"
            )

    def names(self) -> list[str]:
        """Every name it answers to: short name, canonical name, aliases."""
        return [self.reference, self.name, *self.aliases]

    def add_alias(self, alias: str, actor: str, **meta: Any) -> Any:
        if not alias.strip():
            self.refuse("an alias cannot be blank (--alias)")
        self._plain_name(alias)
        if agency_key(alias) in {agency_key(n) for n in self.names()}:
            self.refuse(f"{alias!r} is already a name of {self.reference}")
        return self._record(self.AliasAdded, actor=actor, alias=alias.strip(), **meta)

    def retire(self, rationale: str, actor: str, **meta: Any) -> Any:
        if not (rationale and rationale.strip()):
            self.refuse("retiring a partner needs a rationale (--rationale)")
        if self.status == "retired":
            self.refuse(f"{self.reference} is already retired")
        return self._record(self.Retired, actor=actor, rationale=rationale, **meta)


_TOPICS = [get_topic(Partner.Added), get_topic(Partner.AliasAdded), get_topic(Partner.Retired)]


def partner_directory(store: Store) -> Directory:
    """Every partner's names, from the log (retired partners' names included, marked): what
    the decisions check names against, and what ingestion checks declared agency fields against."""
    directory = Directory()
    by_stream: dict[str, str] = {}
    for notification in store.iter_notifications(topics=_TOPICS):
        event = store.decode(notification)
        stream = str(event.originator_id)
        if isinstance(event, Partner.Added):
            by_stream[stream] = event.reference
            directory.add(event.reference, event.name, event.aliases)
        elif isinstance(event, Partner.AliasAdded) and stream in by_stream:
            directory.add(by_stream[stream], directory.names[by_stream[stream]], [event.alias])
        elif isinstance(event, Partner.Retired) and stream in by_stream:
            directory.retired.add(by_stream[stream])
    return directory
