"""Crypto-shredding: rejected rows sealed at rest, erased by key, every chain still verifying."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from broken_plugins import good
from eventsourcing.utils import get_topic

from lif_core.audit.verify import verify
from lif_core.decisions.erasure import RETENTION_ACTOR, erase, erase_expired, expired_runs
from lif_core.domain import Erasure, IngestionRun
from lif_core.errors import ConfigError, NotFoundError
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.plugins.host import LoadedSource
from lif_core.privacy.vault import ERASED, DataKeys

# A value no guard catches (the column is not free text, the plugin rejects the row for its
# count): exactly what a rejected row's raw copy keeps.
SECRET = "Zebedee Quartermaine-Fotheringay"


def _ingest(store: Store, tmp_path: Path, name: str, area: str) -> str:
    path = tmp_path / name
    good_row = f"2024,{path.stem.title()},10"  # one good row of its own per file
    path.write_text(f"Year,Area,Referrals\n{good_row}\n2024,{area},lots\n", encoding="utf-8")
    result = ingest_file(store, LoadedSource(good.SOURCE, "toy", "lif-plugin-toy", "1.0"), path)
    assert (result.counts["recorded"], result.counts["rejected"]) == (1, 1), result.message
    return result.run_id


def _rejected(store: Store) -> list[Any]:
    topic = get_topic(IngestionRun.RecordRejected)
    return [store.decode(n) for n in store.iter_notifications(topics=[topic])]


def _database_bytes(store: Store, tmp_path: Path) -> bytes:
    """Every byte the database holds on disk: the SQLite files, or a pg_dump of the schema."""
    if store.dialect == "sqlite":
        assert store.url.path is not None
        files = [store.url.path, *store.url.path.parent.glob(store.url.path.name + "-*")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    u = store.url
    dump = subprocess.run(
        ["pg_dump", "-h", u.host, "-p", str(u.port), "-U", u.user, "-n", u.schema, u.dbname],
        capture_output=True,
        check=True,
    )
    return dump.stdout


def test_a_rejected_row_is_sealed_at_rest_and_erased_for_good(store: Store, tmp_path: Path) -> None:
    run_id = _ingest(store, tmp_path, "one.csv", SECRET)
    [rejected] = _rejected(store)
    keys = DataKeys(store)
    assert keys.open(rejected.raw) == {"Year": "2024", "Area": SECRET, "Referrals": "lots"}
    stored = _database_bytes(store, tmp_path)
    assert SECRET.encode() not in stored  # sealed at rest, never in clear
    with store.read() as tx:
        [(wrapped,)] = tx.execute(
            "SELECT wrapped FROM lif_data_keys WHERE name = ?", (f"run:{run_id}",)
        ).fetchall()
    wrapped = bytes(wrapped)
    assert wrapped in stored or store.dialect == "postgresql"  # (pg_dump writes bytea as hex)

    result = erase(store, run=run_id[:8], rationale="the row named a child", actor="cli:dpo")
    assert result.destroyed == (f"run:{run_id}",) and result.erasure_id is not None

    # The value is gone for any reader; the log's bytes and every chain are as they were.
    assert DataKeys(store).open(_rejected(store)[0].raw) == ERASED
    report = verify(store)
    assert report.ok, report
    after = _database_bytes(store, tmp_path)
    assert SECRET.encode() not in after
    assert wrapped not in after and wrapped.hex().encode() not in after  # no copy of the key left

    [erased] = [
        store.decode(n) for n in store.iter_notifications(topics=[get_topic(Erasure.Erased)])
    ]
    assert (erased.actor, erased.rationale, erased.keys) == (
        "cli:dpo",
        "the row named a child",
        [f"run:{run_id}"],
    )
    assert erased.what == f"the rejected rows of run {run_id}"
    assert SECRET not in repr(vars(erased))


def test_erasing_twice_is_a_clear_no_op(store: Store, tmp_path: Path) -> None:
    run_id = _ingest(store, tmp_path, "one.csv", SECRET)
    first = erase(store, run=run_id, rationale="named a child", actor="cli:dpo")
    events = store.max_notification_id()
    again = erase(store, run=run_id, rationale="named a child", actor="cli:dpo")
    assert again.erasure_id is None and again.destroyed == ()
    assert [k for k, _ in again.already] == list(first.destroyed)
    assert store.max_notification_id() == events  # nothing written


def test_erasing_by_matching_text_finds_only_the_rows_holding_it(
    store: Store, tmp_path: Path
) -> None:
    holding = _ingest(store, tmp_path, "one.csv", SECRET)
    other = _ingest(store, tmp_path, "two.csv", "Wakefield District")
    result = erase(store, matching="quartermaine", rationale="erasure request", actor="cli:dpo")
    assert result.destroyed == (f"run:{holding}",)
    assert "Quartermaine" not in result.what  # the searched text is never kept
    keys = DataKeys(store)
    opened = {str(e.correlation): keys.open(e.raw) for e in _rejected(store)}
    assert opened[holding] == ERASED
    assert opened[other]["Area"] == "Wakefield District"


def test_erase_refuses_what_it_cannot_resolve(store: Store) -> None:
    with pytest.raises(ConfigError, match="one of --record ID, --run ID or --matching TEXT"):
        erase(store, rationale="why", actor="cli:dpo")
    with pytest.raises(NotFoundError, match="kept no rejected rows"):
        erase(store, run="12345678", rationale="why", actor="cli:dpo")
    with pytest.raises(ConfigError, match="rationale"):
        erase(store, run="12345678", rationale=" ", actor="cli:dpo")


def test_rejected_rows_disappear_after_their_retention_period(store: Store, tmp_path: Path) -> None:
    run_id = _ingest(store, tmp_path, "one.csv", SECRET)
    now = datetime.now(UTC)
    # Started just now: kept at 90 days; 91 days on, it is past its period.
    assert expired_runs(store, 90, now) == []
    later = now + timedelta(days=91)
    assert expired_runs(store, 90, later) == [run_id]
    assert [r.erasure_id for r in erase_expired(store, 90, now=later, dry_run=True)] == [None]
    assert DataKeys(store).open(_rejected(store)[0].raw) != ERASED  # a dry run erases nothing
    [result] = erase_expired(store, 90, now=later)
    assert result.destroyed == (f"run:{run_id}",)
    assert DataKeys(store).open(_rejected(store)[0].raw) == ERASED
    [erased] = [
        store.decode(n) for n in store.iter_notifications(topics=[get_topic(Erasure.Erased)])
    ]
    assert erased.actor == RETENTION_ACTOR
    assert erased.rationale == "retention: rejected rows are kept 90 days"
    assert expired_runs(store, 90, later) == []  # nothing left to erase
    assert verify(store).ok
