"""The decision table: one declaration per decision a person records (``lif learning accept`` …).

Each row names the item it is about, its arguments (type, help, required), whether it takes a
rationale and evidence, whether a partner agency records it for itself (``agency_of``), and the
domain command it calls. The CLI commands and the web forms are
made from these rows; a decision added here appears in both. ``lif measure define`` is not a row:
its binding options are a small language of their own (lif_app/cli/decide.py).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from lif_core.decisions.corrections import restores_for
from lif_core.decisions.declarations import (
    EVIDENCE,
    RATIONALE,
    Argument,
    Context,
    Creation,
    Decision,
    calls,
)
from lif_core.decisions.partnership import PARTNERSHIP_DECISIONS
from lif_core.domain import Action, Learning, Measure
from lif_core.domain.base import LifAggregate
from lif_core.errors import ConfigError, NotFoundError

__all__ = ["DECISIONS", "declaration"]


def _correction(aggregate: type[LifAggregate], help: str) -> Decision:
    """``correct``: the same decision on every item that can be corrected."""

    def record(item: Any, a: Any, c: Context) -> Any:
        restores = restores_for(c.store, item, a.event_id, c.reference)
        return item.correct(str(UUID(a.event_id)), a.reason, restores, c.actor, c.correlation)

    return Decision(
        aggregate=aggregate,
        name="correct",
        help=help,
        arguments=(
            Argument(
                "event_id",
                flag="--event",
                required=True,
                help="The id of the event that was wrong (`lif audit trail` shows them).",
            ),
            Argument("reason", default="", help="Why the event was wrong: required."),
        ),
        record=record,
    )


_SHA256 = re.compile(r"^(?P<name>.+?)\s+sha256:(?P<hex>[0-9a-fA-F]{64})$")


def _document(text: str) -> str:
    """A document reference as evidence: 'NAME sha256:HEX', checked."""
    found = _SHA256.match(text.strip())
    if found is None:
        raise ConfigError(
            f"--document {text!r} is not 'NAME sha256:HEX' (the file's SHA-256, 64 hex digits; "
            "`sha256sum FILE` prints it)"
        )
    return f"document:{found['name']} sha256:{found['hex'].lower()}"


def _identify(a: Any, c: Context) -> Learning:
    return Learning.identify(
        reference=c.reference,
        title=a.title,
        statement=a.statement,
        themes=a.theme,
        source_kind=a.source_kind,
        identified_on=a.identified_on,
        actor=c.actor,
        **c.meta,
    )


def _raise(a: Any, c: Context) -> Action:
    return Action.raise_action(
        reference=c.reference,
        description=a.description,
        owner_agency=a.owner_agency,
        due=a.due,
        raised_on=a.raised_on,
        learning_reference=a.learning,
        actor=c.actor,
        **c.meta,
    )


def _answer(item: Action, a: Any, c: Context) -> Any:
    """A person says the action answers one more learning item (refused when it already does)."""
    if a.learning in item.learning_references:
        item.refuse(f"{item.reference} already answers {a.learning}")
    return item.answer(a.learning, c.actor, **c.meta)


def _owner_agency(item: Any, arguments: Any) -> str | None:
    """The agency an action belongs to: its partner records progress and completion on it."""
    return None if item is None else str(item.owner_agency)


DECISIONS: tuple[Creation | Decision, ...] = (
    # --- learning ---------------------------------------------------------------------------
    Creation(
        aggregate=Learning,
        name="identify",
        help="Identify a new learning item.",
        arguments=(
            Argument("title", required=True, help="What was learnt, in a few words."),
            Argument("statement", required=True, help="The learning statement."),
            Argument("theme", repeatable=True, help="A theme (repeatable)."),
            Argument(
                "source_kind",
                required=True,
                help="review, audit, inspection, child-death-review, survey, …",
            ),
            Argument("ref", help="Reference (default: the next LRN-YYYY-NNN)."),
            Argument(
                "identified_on", datatype=date, today=True, help="Date identified (default today)."
            ),
            EVIDENCE,
        ),
        dated_by="identified_on",
        start=_identify,
    ),
    Decision(
        aggregate=Learning,
        name="prioritise",
        help="Set a learning item's priority.",
        arguments=(
            Argument("priority", required=True, help="high, medium or low"),
            RATIONALE,
            EVIDENCE,
        ),
        record=calls("prioritise", "priority", "rationale"),
    ),
    Decision(
        aggregate=Learning,
        name="accept",
        help="Accept a learning item for action.",
        arguments=(RATIONALE, EVIDENCE),
        record=calls("accept", "rationale"),
    ),
    Decision(
        aggregate=Learning,
        name="decline",
        help="Decline a learning item (it will not be disseminated).",
        arguments=(RATIONALE, EVIDENCE),
        record=calls("decline", "rationale"),
    ),
    Decision(
        aggregate=Learning,
        name="disseminate",
        help="Record that a learning item was shared.",
        arguments=(
            Argument(
                "channel",
                required=True,
                channel=True,
                help="newsletter, 7-minute briefing, training, procedure, …",
            ),
            Argument("on", datatype=date, today=True, help="Date shared (default today)."),
            Argument("audience", help="Who it was shared with."),
        ),
        record=calls("disseminate", "channel", "on", "audience"),
    ),
    Decision(
        aggregate=Learning,
        name="link-evidence",
        help="Link a source record to a learning item as evidence.",
        arguments=(
            Argument("evidence", required=True, cited=True, help="Source record id."),
            Argument("note", help="What it shows."),
        ),
        record=calls("link_evidence", "evidence", "note"),
    ),
    Decision(
        aggregate=Learning,
        name="assess-embedding",
        help="Record how far a learning item is embedded in practice.",
        arguments=(
            Argument("assessment", required=True, help="embedded, partly-embedded or not-embedded"),
            RATIONALE,
            EVIDENCE,
        ),
        record=calls("assess_embedding", "assessment", "rationale"),
    ),
    Decision(
        aggregate=Learning,
        name="close",
        help="Close a learning item: it needs an embedding assessment first, or --override saying why not.",
        arguments=(
            RATIONALE,
            Argument(
                "override",
                help="Close without an embedding assessment, and why (recorded with the decision).",
            ),
            EVIDENCE,
        ),
        record=calls("close", "rationale", keywords=("override",)),
    ),
    Decision(
        aggregate=Learning,
        name="reopen",
        help="Reopen a closed learning item.",
        arguments=(RATIONALE, EVIDENCE),
        record=calls("reopen", "rationale"),
    ),
    _correction(
        Learning,
        "Correct a wrong decision: put back what it changed (it stays in the history, linked).",
    ),
    # --- actions ----------------------------------------------------------------------------
    Creation(
        aggregate=Action,
        name="raise",
        help="Raise an action.",
        arguments=(
            Argument("description", required=True, help="What will be done."),
            Argument("owner_agency", required=True, partner=True, help="The agency that owns it."),
            Argument("due", datatype=date, required=True, help="Due date, e.g. 2025-09-30."),
            Argument("learning", refers_to=Learning, help="The learning item it answers (LRN-…)."),
            Argument("ref", help="Reference (default: the next ACT-YYYY-NNN)."),
            Argument("raised_on", datatype=date, today=True, help="Date raised (default today)."),
            EVIDENCE,
        ),
        dated_by="raised_on",
        start=_raise,
    ),
    Decision(
        aggregate=Action,
        name="progress",
        help="Report progress on an action.",
        arguments=(
            Argument("note", required=True, help="What has been done."),
            Argument("rag", help="red, amber, green or blue"),
            EVIDENCE,
        ),
        agency_of=_owner_agency,
        record=lambda item, a, c: item.progress(
            a.note, a.rag.lower() if a.rag else None, c.actor, **c.meta
        ),
    ),
    Decision(
        aggregate=Action,
        name="answer",
        help="Record that an action answers one more learning item (it counts under each it answers).",
        arguments=(
            Argument(
                "learning", refers_to=Learning, required=True, help="The learning item (LRN-…)."
            ),
            EVIDENCE,
        ),
        record=_answer,
    ),
    Decision(
        aggregate=Action,
        name="reschedule",
        help="Move an action's due date.",
        arguments=(
            Argument("due", datatype=date, required=True, help="The new due date."),
            RATIONALE,
        ),
        record=calls("reschedule", "due", "rationale"),
    ),
    Decision(
        aggregate=Action,
        name="complete",
        help="Mark an action complete.",
        arguments=(
            Argument("on", datatype=date, today=True, help="Date completed (default today)."),
            Argument("note", help="What was done."),
            EVIDENCE,
        ),
        agency_of=_owner_agency,
        record=calls("complete", "on", "note"),
    ),
    Decision(
        aggregate=Action,
        name="verify-impact",
        help="Record that a completed action's impact was evidenced (re-audit, a change in the data): at least one --evidence or --document.",
        arguments=(
            RATIONALE,
            EVIDENCE,
            Argument(
                "document",
                repeatable=True,
                help="A document as 'NAME sha256:HEX' (its SHA-256, 64 hex digits) (repeatable).",
            ),
        ),
        record=lambda item, a, c: item.verify_impact(
            a.rationale, [*a.evidence, *map(_document, a.document)], c.actor, **c.meta
        ),
    ),
    Decision(
        aggregate=Action,
        name="cancel",
        help="Cancel an action.",
        arguments=(RATIONALE,),
        record=calls("cancel", "rationale"),
    ),
    _correction(
        Action,
        "Correct a wrong event on an action: put back what it changed (it stays in the history).",
    ),
    # --- measures (``lif measure define`` is its own command: see the module docstring) -------
    Decision(
        aggregate=Measure,
        name="set-target",
        help="Set a measure's target.",
        arguments=(
            Argument("target", datatype=Decimal, required=True, help="The new target."),
            RATIONALE,
        ),
        record=calls("set_target", "target", "rationale"),
    ),
    Decision(
        aggregate=Measure,
        name="retire",
        help="Retire a measure.",
        arguments=(RATIONALE,),
        record=calls("retire", "rationale"),
    ),
    _correction(
        Measure,
        "Correct a wrong target or retirement: put back what it changed (it stays in the history).",
    ),
    *PARTNERSHIP_DECISIONS,
)
"""Every decision, in the order the CLI lists them."""

_BY_KEY = {declaration.key: declaration for declaration in DECISIONS}


def declaration(group: str, name: str) -> Creation | Decision:
    """The declaration of ``lif GROUP NAME`` (``declaration("learning", "accept")``)."""
    try:
        return _BY_KEY[f"{group} {name}"]
    except KeyError:
        known = ", ".join(sorted(_BY_KEY))
        raise NotFoundError(
            f"there is no decision {group} {name!r}; the decisions are: {known}"
        ) from None
