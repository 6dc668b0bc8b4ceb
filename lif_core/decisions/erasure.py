"""Erasure by crypto-shredding: find the data keys, destroy them, record who, why and what.

``erase`` resolves what to erase to data keys — a run's (its rejected rows), a record's (its
free text), or every key whose sealed values hold a text — then, in one transaction, writes an
``Erasure.Erased`` event and overwrites the wrapped keys; after the commit no copy of them is
left in the database files (:meth:`DataKeys.purge`). The event never holds an erased value, nor
the searched text. Erasing what is already erased writes nothing and says when it was erased.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.utils import get_topic

from lif_core.domain import Erasure, IngestionRun
from lif_core.errors import ConfigError, NotFoundError
from lif_core.eventlog.log import append
from lif_core.eventlog.store import Store
from lif_core.privacy.vault import DataKeys, is_sealed, sealed_key, sealed_values

__all__ = ["RETENTION_ACTOR", "ErasureResult", "erase", "erase_expired", "expired_runs"]

RETENTION_ACTOR = "policy:rejected-rows-retention"

_REJECTED = get_topic(IngestionRun.RecordRejected)
_STARTED = get_topic(IngestionRun.Started)


@dataclass(frozen=True, slots=True)
class ErasureResult:
    """What an erasure did: its id (None when there was nothing left to erase), what it was
    about in words, the keys it destroyed, and the keys that were erased before (name, when)."""

    erasure_id: str | None
    what: str
    destroyed: tuple[str, ...]
    already: tuple[tuple[str, str], ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "erasure_id": self.erasure_id,
            "what": self.what,
            "destroyed": list(self.destroyed),
            "already_erased": [{"key": k, "erased_at": at} for k, at in self.already],
        }


def _one_key(keys: DataKeys, prefix: str, given: str, what: str) -> list[str]:
    if len(given) < 8:
        raise ConfigError(f"{what} id {given!r} is too short: give at least 8 characters")
    names = keys.names_like(f"{prefix}:{given}")
    if not names:
        held = "kept no rejected rows" if prefix == "run" else "holds no encrypted value"
        raise NotFoundError(f"{what} {given!r} {held}: there is nothing of it to erase")
    # A record revised after an erasure has a key of its own from that version on
    # (record:ID/VERSION): erasing the record destroys every key it has had.
    owners = {n.partition(":")[2].partition("/")[0] for n in names}
    if len(owners) > 1:
        raise ConfigError(f"{what} id {given!r} matches {len(owners)}: give more of it")
    return names


def _matching(store: Store, keys: DataKeys, text: str) -> list[str]:
    """Every live key one of whose sealed values, opened, holds ``text`` (case ignored)."""
    wanted = text.casefold()
    found: dict[str, None] = {}
    for notification in store.iter_notifications():
        if b'"$sealed"' not in notification.state:
            continue
        event = store.decode(notification)
        for value in sealed_values(dict(vars(event))):
            name = sealed_key(value)
            if name is None or name in found:
                continue
            opened = keys.open(value)
            if wanted in json.dumps(opened, ensure_ascii=False).casefold():
                found[name] = None
    return list(found)


def erase(
    store: Store,
    *,
    rationale: str,
    actor: str,
    record: str | None = None,
    run: str | None = None,
    matching: str | None = None,
) -> ErasureResult:
    """Destroy the data keys of a record, a run, or of every value holding ``matching``."""
    if sum(x is not None for x in (record, run, matching)) != 1:
        raise ConfigError("say what to erase: one of --record ID, --run ID or --matching TEXT")
    if not rationale.strip():
        raise ConfigError('an erasure needs a rationale: --rationale "why"')
    keys = DataKeys(store)
    if run is not None:
        names = _one_key(keys, "run", run, "run")
        what = f"the rejected rows of run {names[0].partition(':')[2]}"
    elif record is not None:
        names = _one_key(keys, "record", record, "record")
        what = f"the sealed fields of record {names[0].partition(':')[2].partition('/')[0]}"
    else:
        assert matching is not None
        if len(matching.strip()) < 3:
            raise ConfigError("--matching needs at least 3 characters")
        names = _matching(store, keys, matching)
        what = "every value holding a given text (the text is not kept)"
        if not names:
            return ErasureResult(None, what, (), ())
    states = keys.states(names)
    already = tuple((n, states[n][1] or "") for n in names if states.get(n, (False,))[0])
    live = [n for n in names if not states.get(n, (False,))[0]]
    if not live:
        return ErasureResult(None, what, (), already)
    erasure_id = str(uuid.uuid4())
    aggregate = Erasure.erase(erasure_id, what=what, keys=live, rationale=rationale, actor=actor)
    with store.transaction() as tx:
        append(store, tx, aggregate.collect_events())
        keys.destroy(tx, live, erasure_id)
    keys.purge()
    return ErasureResult(erasure_id, what, tuple(live), already)


def expired_runs(store: Store, days: int, now: datetime | None = None) -> list[str]:
    """Runs started more than ``days`` ago whose rejected rows are still readable."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    keys = DataKeys(store)
    started: dict[str, datetime] = {}
    rejected: set[str] = set()
    for notification in store.iter_notifications(topics=[_STARTED, _REJECTED]):
        event = store.decode(notification)
        run_id = str(event.correlation)
        if isinstance(event, IngestionRun.Started):
            started[run_id] = event.timestamp
        elif is_sealed(event.raw):
            rejected.add(run_id)
    old = [r for r in rejected if r in started and started[r] < cutoff]
    states = keys.states(f"run:{r}" for r in old)
    return sorted(r for r in old if not states.get(f"run:{r}", (True,))[0])


def erase_expired(
    store: Store, days: int, *, now: datetime | None = None, dry_run: bool = False
) -> list[ErasureResult]:
    """The retention of rejected rows: erase every run's rows kept longer than ``days``."""
    results = []
    for run_id in expired_runs(store, days, now):
        if dry_run:
            results.append(ErasureResult(None, f"the rejected rows of run {run_id}", (), ()))
            continue
        results.append(
            erase(
                store,
                run=run_id,
                rationale=f"retention: rejected rows are kept {days} days",
                actor=RETENTION_ACTOR,
            )
        )
    return results
