"""Rejections already on record for a file read again, so that a run keeps each one only once.

A file whose rows named an agency the register did not know is read again once the register
changes (:mod:`lif_core.ingestion.agencies`). Its rows that are still wrong, and wrong in the
same words, were kept by an earlier run over the same bytes: the new run finds them here and
does not keep them again; it names them in its ``Completed`` event (``rejected_before``), so
the rejections read table knows they are still open. A row refused for another reason now
(the close matches changed, say) is a new rejection. A rejection is the same when it has the
same kind, locator and reasons (opened: they are sealed under the earlier run's key); one whose
key was erased cannot be compared, and is kept again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from lif_core.domain import IngestionRun
from lif_core.eventlog.log import read_streams
from lif_core.eventlog.store import Store
from lif_core.ingestion.parse import Rejection, canonical_json
from lif_core.privacy.vault import DataKeys

__all__ = ["RejectionsOnRecord"]

_REJECTED = "IngestionRun.RecordRejected"

_Identity = tuple[str | None, str, str]  # kind, canonical locator, canonical reasons


def _identity(kind: str | None, locator: Any, reasons: Iterable[str]) -> _Identity:
    return kind, canonical_json(dict(locator)), json.dumps(list(reasons))


class RejectionsOnRecord:
    """The rejections earlier runs over one file kept, each to be met again at most once."""

    __slots__ = ("_held",)

    def __init__(self, held: dict[_Identity, list[dict[str, Any]]]) -> None:
        self._held = held

    @classmethod
    def of_runs(cls, store: Store, run_ids: Iterable[str]) -> RejectionsOnRecord:
        """What the runs ``run_ids`` rejected (read from their streams, their reasons opened)."""
        keys = DataKeys(store)
        held: dict[_Identity, list[dict[str, Any]]] = {}
        streams = {str(IngestionRun.stream_id(run_id)): run_id for run_id in run_ids}
        for row in read_streams(store, streams):
            if row.type != _REJECTED:
                continue
            data = row.data()
            reasons = keys.opened(data["reasons"])
            if not isinstance(reasons, list):  # erased: nothing left to compare with
                continue
            identity = _identity(data.get("record_kind"), data["locator"], reasons)
            ref = {"run_id": streams[row.stream_id], "event_version": row.version}
            held.setdefault(identity, []).append(ref)
        return cls(held)

    def __bool__(self) -> bool:
        return bool(self._held)

    def take(self, rejection: Rejection) -> dict[str, Any] | None:
        """The earlier rejection that is the same as ``rejection`` (``{"run_id",
        "event_version"}``), no longer to be matched; None if none is."""
        refs = self._held.get(_identity(rejection.kind, rejection.locator, rejection.reasons))
        return refs.pop() if refs else None
