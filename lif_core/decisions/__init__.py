"""Decisions people record about learning, actions and measures: declared once, recorded in one place.

- :mod:`~lif_core.decisions.table` — the decision table: one declaration per decision.
- :mod:`~lif_core.decisions.declarations` — what a declaration says (arguments, their pydantic
  model, the domain command it calls).
- :mod:`~lif_core.decisions.commands` — the application functions every app calls:
  :func:`decide` and :func:`create` (load, check, decide, save with optimistic concurrency).
- :mod:`~lif_core.decisions.references` — finding items by reference, the next free reference,
  citing evidence.
- :mod:`~lif_core.decisions.corrections` — what a correction of a recorded event restores.
"""

from lif_core.decisions.commands import Recorded, create, decide
from lif_core.decisions.declarations import (
    EVIDENCE,
    RATIONALE,
    Argument,
    Context,
    Creation,
    Decision,
)
from lif_core.decisions.references import (
    cite_evidence,
    event_summary,
    find_reference,
    next_reference,
    resolve,
)
from lif_core.decisions.table import DECISIONS, declaration

__all__ = [
    "DECISIONS",
    "EVIDENCE",
    "RATIONALE",
    "Argument",
    "Context",
    "Creation",
    "Decision",
    "Recorded",
    "cite_evidence",
    "create",
    "decide",
    "declaration",
    "event_summary",
    "find_reference",
    "next_reference",
    "resolve",
]
