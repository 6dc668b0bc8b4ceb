"""Who may see and do what in the web view: the four roles, the areas they read, the decisions they make.

A signed-in :class:`Person` holds one or more :class:`Grant` (a role, and for a partner its
agency), given by the sign-in settings from the provider's claims (:mod:`lif_app.web.signin`).

| role | reads | decides |
|---|---|---|
| ``business-unit`` | everything | every decision of the decision table |
| ``partner`` | the register; trails of the partnership's items and of its own agency's actions | the decisions a partner records for itself (``agency_of`` in the table) on its own agency's items |
| ``auditor`` | everything: trails, packs, sources, rejections | nothing |
| ``viewer`` | the register and report cards | nothing |

A refusal is a :class:`~lif_core.errors.ForbiddenError` that says which role or agency was needed
and which the person holds; the web answers it with 403. Nothing here is a second rule book for
the decisions themselves: what a decision needs (a rationale, an open item) the domain checks,
for the web and the CLI alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lif_core.actors import SignedIn
from lif_core.decisions import Creation, Decision
from lif_core.domain.partner import Directory, partner_directory
from lif_core.errors import ForbiddenError
from lif_core.eventlog.store import Store

__all__ = [
    "AREAS",
    "ROLES",
    "Grant",
    "Person",
    "area_of",
    "register_for",
]

ROLES = ("business-unit", "partner", "auditor", "viewer")
"""The roles, most able first (a person holding several decides under the first that may)."""

AREAS = {
    "register": "the learning register, actions and report cards",
    "trails": "audit trails (who decided what, and why)",
    "audit": "audit packs, the source catalogue, ingestion runs and rejected rows",
}
"""What can be read, by area."""

_READS = {
    "business-unit": {"register", "trails", "audit"},
    "auditor": {"register", "trails", "audit"},
    "partner": {"register", "trails"},
    "viewer": {"register"},
}

_WHO = {
    "business-unit": "the business unit",
    "partner": "partners",
    "auditor": "auditors",
    "viewer": "viewers",
}

# Paths outside the register; every other page and endpoint is the register.
_AUDIT_PATHS = (
    "/sources",
    "/rejections",
    "/audit/",
    "/api/v1/source-catalogue",
    "/api/v1/ingestion-runs",
    "/api/v1/rejections",
    "/api/v1/learning-candidates",
)


def area_of(path: str) -> str:
    """The area a page or endpoint belongs to (trails are shown inside register pages)."""
    if any(path == p.rstrip("/") or path.startswith(p.rstrip("/") + "/") for p in _AUDIT_PATHS):
        return "audit"
    return "register"


@dataclass(frozen=True, slots=True)
class Grant:
    """A role a person holds, and for a partner the agency it acts for."""

    role: str
    agency: str | None = None

    def __str__(self) -> str:
        words = self.role.replace("-", " ")
        return f"{words} ({self.agency})" if self.agency else words


@dataclass(frozen=True, slots=True)
class Person:
    """Someone signed in: the provider and subject that identify them, their name, their grants."""

    iss: str
    sub: str
    name: str
    grants: tuple[Grant, ...]

    @property
    def held(self) -> str:
        """Their grants in words: ``partner (LCH)``, ``auditor``."""
        return ", ".join(str(g) for g in self.grants) or "no role"

    @property
    def agencies(self) -> list[str]:
        """The agencies they act for as a partner."""
        return [g.agency for g in self.grants if g.role == "partner" and g.agency]

    def _roles(self) -> set[str]:
        return {g.role for g in self.grants}

    def acts_for(self, agency: str | None, directory: Directory | None = None) -> bool:
        """Whether they act as a partner for ``agency`` as an item writes it: the same name, or
        (with the partner register) a name of the same partner — a user of ``LCH`` acts for
        "Leeds Community Healthcare NHS Trust", and for a shared action ("LCC; LCH") of it."""
        return _same_partner(agency, self.agencies, directory)

    def reads(self, area: str) -> bool:
        return any(area in _READS.get(role, set()) for role in self._roles())

    def check_reads(self, area: str) -> None:
        """Refuse an area the person's roles do not read, saying who does."""
        if self.reads(area):
            return
        readers = [_WHO[r] for r in ROLES if area in _READS[r]]
        who = ", ".join(readers[:-1]) + " and " + readers[-1] if len(readers) > 1 else readers[0]
        raise ForbiddenError(f"{AREAS[area]} are for {who}: you are signed in as {self.held}")

    def sees_trail(self, agency: str | None, directory: Directory | None = None) -> bool:
        """Whether they see the trail of an item; ``agency``: an action's owner agency,
        resolved through ``directory`` (the partner register) when given."""
        roles = self._roles()
        if roles & {"business-unit", "auditor"}:
            return True
        return "partner" in roles and (agency is None or self.acts_for(agency, directory))

    def trail_hidden(self, agency: str | None) -> str:
        """Why the trail is not shown to them."""
        if self.reads("trails") and agency is not None:
            return (
                f"The audit trail of an action of {agency} is shown to {agency}, the business unit "
                f"and auditors; you are signed in as {self.held}."
            )
        return (
            "The audit trail names the people who decided: it is shown to the business unit, "
            f"partners and auditors; you are signed in as {self.held}."
        )

    def grant_for(
        self,
        declaration: Creation | Decision,
        item: Any,
        arguments: Any,
        directory: Directory | None = None,
    ) -> Grant:
        """The grant a decision is made under, or a refusal saying why.

        ``item`` and ``arguments`` may be ``None`` before they are known (a form page): then a
        partner is let through to the form, and asked again when the form is sent.
        ``directory``: the partner register, through which the item's agency is matched to
        the partner's (any of its names will do).
        """
        for grant in self.grants:
            if grant.role == "business-unit":
                return grant
        what = f"`{declaration.key}`"
        if not any(g.role == "partner" for g in self.grants):
            raise ForbiddenError(
                f"{what} is a decision; you are signed in as {self.held}, "
                "and that role reads but changes nothing"
            )
        if declaration.agency_of is None:
            raise ForbiddenError(
                f"{what} is the business unit's decision; you are signed in as {self.held}, "
                "who record progress and completion of your own agency's actions"
            )
        agency = declaration.agency_of(item, arguments)
        for grant in self.grants:
            if grant.role == "partner" and (
                agency is None or _same_partner(agency, [grant.agency or ""], directory)
            ):
                return grant
        return _refuse_agency(what, agency, self.agencies)

    def actor(self, grant: Grant) -> SignedIn:
        """What their decision under ``grant`` records as its actor."""
        return SignedIn(self.iss, self.sub, self.name, grant.role, grant.agency)

    def to_session(self) -> dict[str, Any]:
        return {
            "iss": self.iss,
            "sub": self.sub,
            "name": self.name,
            "grants": [[g.role, g.agency] for g in self.grants],
        }

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> Person:
        return cls(
            iss=str(data["iss"]),
            sub=str(data["sub"]),
            name=str(data["name"]),
            grants=tuple(Grant(str(r), a if a is None else str(a)) for r, a in data["grants"]),
        )


def register_for(person: Person | None, store: Store) -> Directory | None:
    """The partner register, read from the log, when ``person`` acts for an agency (the
    business unit and auditors need none: they are never matched by agency)."""
    if person is None or not person.agencies:
        return None
    if {g.role for g in person.grants} & {"business-unit", "auditor"}:
        return None
    return partner_directory(store)


def _same_partner(agency: str | None, mine: list[str], directory: Directory | None) -> bool:
    """Whether ``agency`` (an item's, as written) is one of ``mine`` (a person's agencies)."""
    if not agency:
        return False
    if agency in mine:
        return True
    if directory is None:
        return False
    theirs = set(directory.resolve_all(agency) or ())
    return any(directory.resolve(name) in theirs for name in mine if name)


def _refuse_agency(what: str, agency: str | None, mine: Iterable[str]) -> Grant:
    raise ForbiddenError(
        f"{what} is for {agency} here: this is {agency}'s action, and you record for "
        f"{', '.join(mine)} only"
    )
