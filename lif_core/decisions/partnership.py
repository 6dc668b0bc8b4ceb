"""The partnership's own decisions (issue 15): partners, priorities, cascade, good practice, narratives.

Rows of the decision table like any other (:mod:`lif_core.decisions.table` appends them): the
CLI makes ``lif partner …``, ``lif priority …``, ``lif learning cascade|good-practice`` and
``lif measure narrate`` of them, and the web its forms.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from lif_core.decisions.declarations import (
    EVIDENCE,
    RATIONALE,
    Argument,
    Context,
    Creation,
    Decision,
    calls,
)
from lif_core.decisions.partners import partner_directory
from lif_core.domain import Action, Learning, Measure, Partner, Priority
from lif_core.domain.partner import SECTORS
from lif_core.errors import RefusedError

__all__ = ["PARTNERSHIP_DECISIONS"]


def _add_partner(a: Any, c: Context) -> Partner:
    directory = partner_directory(c.store)
    for name in (a.ref, a.name, *a.alias):
        taken = directory.resolve(name)
        if taken is not None:
            raise RefusedError(f"{name!r} is already a name of {taken}: one name, one partner")
    return Partner.add(
        reference=a.ref,
        name=a.name,
        sector=a.sector,
        statutory=a.statutory,
        learning_link_role=a.learning_link_role,
        aliases=list(a.alias),
        actor=c.actor,
        **c.meta,
    )


def _alias(item: Partner, a: Any, c: Context) -> Any:
    taken = partner_directory(c.store).resolve(a.alias)
    if taken is not None and taken != item.reference:
        raise RefusedError(f"{a.alias!r} is already a name of {taken}: one name, one partner")
    return item.add_alias(a.alias, c.actor, **c.meta)


def _set_priority(a: Any, c: Context) -> Priority:
    return Priority.set(
        reference=a.ref,
        title=a.title,
        description=a.description,
        set_in=a.set_in,
        actor=c.actor,
        **c.meta,
    )


def _linked(a: Any) -> tuple[str, str]:
    """The one item a link names: ``--learning`` or ``--measure``."""
    given = [(kind, getattr(a, kind)) for kind in ("learning", "measure") if getattr(a, kind)]
    if len(given) != 1:
        raise RefusedError("name one item: --learning LRN-… or --measure MEA-…")
    return given[0]


def _cascade_partner(item: Any, arguments: Any) -> str | None:
    """A partner records its own cascade: the agency is the one the arguments name."""
    return None if arguments is None else arguments.partner


_LINK_ARGUMENTS = (
    Argument("learning", refers_to=Learning, help="A learning item (LRN-…)."),
    Argument("measure", refers_to=Measure, help="A measure (MEA-…)."),
)

PARTNERSHIP_DECISIONS: tuple[Creation | Decision, ...] = (
    # --- partners -----------------------------------------------------------------------------
    Creation(
        aggregate=Partner,
        name="add",
        help="Add a partner to the register: its short name, full name, other names, sector, L&D link.",
        arguments=(
            Argument("ref", required=True, help="Short name, e.g. LCH (its reference)."),
            Argument(
                "name", required=True, help="Full name, e.g. Leeds Community Healthcare NHS Trust."
            ),
            Argument("sector", required=True, help=", ".join(SECTORS)),
            Argument(
                "statutory",
                datatype=bool,
                default=False,
                help="yes for a statutory safeguarding partner.",
            ),
            Argument(
                "learning_link_role",
                help="The learning and development link: a role (e.g. Named nurse for safeguarding), never a person's name.",
            ),
            Argument("alias", repeatable=True, help="Another name sources use (repeatable)."),
        ),
        dated_by="ref",
        start=_add_partner,
    ),
    Decision(
        aggregate=Partner,
        name="alias",
        help="Add another name a partner goes by (existing records that use it resolve to it).",
        arguments=(Argument("alias", required=True, help="The other name."),),
        record=_alias,
    ),
    Decision(
        aggregate=Partner,
        name="retire",
        help="Record that a partner left the partnership (its history stays and still resolves).",
        arguments=(RATIONALE,),
        record=calls("retire", "rationale"),
    ),
    # --- priorities ---------------------------------------------------------------------------
    Creation(
        aggregate=Priority,
        name="set",
        help="Record a priority the partnership set (in its annual report).",
        arguments=(
            Argument("ref", required=True, help="Reference, e.g. PRI-2025-01."),
            Argument("title", required=True, help="The priority in a few words."),
            Argument("description", help="What it means and why it was chosen."),
            Argument("set_in", help="Where it was set, e.g. 'Annual report 2024-25'."),
            EVIDENCE,
        ),
        dated_by="ref",
        start=_set_priority,
    ),
    Decision(
        aggregate=Priority,
        name="link",
        help="Link a learning item or a measure to a priority.",
        arguments=(
            *_LINK_ARGUMENTS,
            Argument("rationale", default="", help="Why it belongs here."),
        ),
        record=lambda item, a, c: item.link(*_linked(a), a.rationale, c.actor, **c.meta),
    ),
    Decision(
        aggregate=Priority,
        name="unlink",
        help="Take a learning item or measure off a priority.",
        arguments=(*_LINK_ARGUMENTS, RATIONALE),
        record=lambda item, a, c: item.unlink(*_linked(a), a.rationale, c.actor, **c.meta),
    ),
    Decision(
        aggregate=Priority,
        name="retire",
        help="Retire a priority (a new annual report set others).",
        arguments=(RATIONALE,),
        record=calls("retire", "rationale"),
    ),
    # --- learning: cascade inside an agency, good practice ------------------------------------
    Decision(
        aggregate=Learning,
        name="cascade",
        help="Record that a partner cascaded a learning item inside its own organisation.",
        arguments=(
            Argument("partner", required=True, partner=True, help="The partner that cascaded it."),
            Argument(
                "channel",
                required=True,
                channel=True,
                help="How: single-agency cascade, partner training, …",
            ),
            Argument(
                "on",
                datatype=date,
                today=True,
                flag="--date",
                help="Date cascaded (default today).",
            ),
            Argument("note", help="What was done, e.g. 'briefed all health visiting teams'."),
            EVIDENCE,
        ),
        agency_of=_cascade_partner,
        record=calls("cascade", "partner", "channel", "on", "note"),
    ),
    Decision(
        aggregate=Learning,
        name="good-practice",
        help="Mark a learning item as good practice to spread (a strength, beside areas for improvement).",
        arguments=(RATIONALE, EVIDENCE),
        record=calls("identify_good_practice", "rationale"),
    ),
    # --- measures: the turn-the-curve narrative -----------------------------------------------
    Decision(
        aggregate=Measure,
        name="narrate",
        help="Record the story behind the curve for a period: partners with a role, what works, the action plan.",
        arguments=(
            Argument(
                "period", required=True, help="The period it is about, e.g. 2024-25 or 2025-Q1."
            ),
            Argument("story", required=True, help="The story behind the curve."),
            Argument(
                "partner",
                repeatable=True,
                partner=True,
                help="A partner with a role to play (repeatable).",
            ),
            Argument("what_works", help="What works: what would turn the curve."),
            Argument(
                "action",
                repeatable=True,
                refers_to=Action,
                help="An action of the plan (ACT-…, repeatable).",
            ),
            RATIONALE,
        ),
        record=calls("narrate", "period", "story", "partner", "what_works", "action", "rationale"),
    ),
)
"""Appended to :data:`lif_core.decisions.table.DECISIONS`."""
