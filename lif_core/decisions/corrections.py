"""What a correction restores: the state just before the corrected event, where that event set it.

History is never rewritten. A wrong decision stays in the log; a ``Corrected`` event after it
puts back the values the wrong event changed, and cites it. A correction is refused when a
later event changed the same values again (correct that one first, or record the right
decision), so a correction never silently undoes something else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from lif_core.decisions.references import find_reference
from lif_core.domain import Action, Learning, Measure
from lif_core.domain.action import CORRECTABLE as ACTION_FIELDS
from lif_core.domain.base import LifAggregate
from lif_core.domain.learning import CORRECTABLE as LEARNING_FIELDS
from lif_core.domain.measure import CORRECTABLE as MEASURE_FIELDS
from lif_core.errors import NotFoundError, RefusedError
from lif_core.eventlog.store import Store

__all__ = ["plan_correction", "restores_for"]

_MISSING = object()
_CORRECTABLE: dict[type[LifAggregate], Sequence[str]] = {
    Learning: LEARNING_FIELDS,
    Action: ACTION_FIELDS,
    Measure: MEASURE_FIELDS,
}


def _state(agg: Any, names: Sequence[str]) -> dict[str, Any]:
    return {name: getattr(agg, name, _MISSING) for name in names}


def plan_correction(
    store: Store, cls: type[LifAggregate], reference: str, event_id: str
) -> tuple[Any, dict[str, Any]]:
    """(the item now, the values to restore) for correcting ``event_id`` of ``reference``."""
    if cls not in _CORRECTABLE:
        raise RefusedError(f"{cls.__name__} events cannot be corrected")
    item = find_reference(store, cls, reference)
    return item, restores_for(store, item, event_id, reference)


def restores_for(store: Store, item: Any, event_id: str, reference: str) -> dict[str, Any]:
    """The values to restore on ``item`` (loaded by ``reference``) to correct ``event_id``."""
    names = _CORRECTABLE.get(type(item))
    if names is None:
        raise RefusedError(f"{type(item).__name__} events cannot be corrected")
    try:
        wanted = UUID(event_id)
    except ValueError:
        raise RefusedError(f"{event_id!r} is not an event id (a UUID)") from None
    events = store.app.repository.event_store.get(item.id)
    target = next((e for e in events if getattr(e, "event_id", None) == wanted), None)
    if target is None:
        raise NotFoundError(
            f"{event_id} is not an event of {reference}; `lif audit trail {reference}` lists them"
        )
    kind = type(target).__qualname__
    if str(wanted) in getattr(item, "corrected", []):
        raise RefusedError(
            f"{kind} v{target.originator_version} of {reference} was already corrected"
        )
    if target.originator_version == 1:
        raise RefusedError(
            f"{event_id} is the event that created {reference}; it cannot be corrected"
        )
    if kind.endswith(".Corrected"):
        raise RefusedError(f"{event_id} is itself a correction; record the right decision instead")
    repository = store.app.repository
    before = _state(repository.get(item.id, version=target.originator_version - 1), names)
    after = _state(repository.get(item.id, version=target.originator_version), names)
    now = _state(item, names)
    restores: dict[str, Any] = {}
    for name in names:
        if before[name] == after[name]:
            continue
        if now[name] != after[name]:
            raise RefusedError(
                f"{name} of {reference} was changed again after {kind} v{target.originator_version}; "
                "correct the later event first, or record the right decision"
            )
        restores[name] = None if before[name] is _MISSING else before[name]
    if not restores:
        raise RefusedError(f"{kind} v{target.originator_version} changed nothing to restore")
    return restores
