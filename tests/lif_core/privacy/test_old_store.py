"""A store written before record fields were sealed: it verifies, and is brought forward in
place — what it holds stays as written, what comes next is sealed (docs/design.md)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import noted_source
from eventsourcing.utils import get_topic

from lif_core.audit.verify import verify
from lif_core.decisions.erasure import erase
from lif_core.domain import SourceRecord
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.plugins.host import LoadedSource
from lif_core.privacy.vault import ERASED, DataKeys, is_sealed, sealed_key

# Made by the code of main at d25c153 with old_store/make_old_store.py (it says how).
OLD = Path(__file__).parent / "old_store" / "notes-before-sealing.db"
LEEDS = "the panel minutes were mislaid in the quartermaster's office"
YORK = "briefings reached every school cluster by March"
LOADED = LoadedSource(noted_source.SOURCE, "toy", "lif-plugin-toy", "1.0")


def _old_store(tmp_path: Path) -> Store:
    copy = tmp_path / "old.db"
    shutil.copyfile(OLD, copy)
    return Store(f"sqlite:///{copy}")


def _records(store: Store) -> list[object]:
    topics = [get_topic(SourceRecord.Recorded), get_topic(SourceRecord.Revised)]
    return [store.decode(n) for n in store.iter_notifications(topics=topics)]


def _csv(tmp_path: Path, name: str, leeds: str) -> Path:
    path = tmp_path / name
    path.write_text(f"Year,Area,Note\n2024,York,{YORK}\n2024,Leeds,{leeds}\n", encoding="utf-8")
    return path


def test_the_fixture_is_an_old_store(tmp_path: Path) -> None:
    with _old_store(tmp_path) as store:
        leeds, _york = _records(store)
    # Written before sealing: the note in clear, the content hash a plain sha256 of the content.
    assert leeds.attributes["note"] == LEEDS  # type: ignore[attr-defined]
    canonical = json.dumps(
        {"area": "Leeds", "contact": None, "note": LEEDS, "year": 2024},
        sort_keys=True,
        separators=(",", ":"),
    )
    assert leeds.content_hash == hashlib.sha256(canonical.encode()).hexdigest()  # type: ignore[attr-defined]


def test_an_old_store_verifies_and_is_brought_forward(tmp_path: Path) -> None:
    with _old_store(tmp_path) as store:
        assert verify(store).ok  # opened by this code: the tables it lacks added, nothing rewritten
        events = store.max_notification_id()
        # The same records again (another file, rows in another order): its plain hashes are
        # honoured, by content, so nothing is written but the run's own two events.
        counts = ingest_file(store, LOADED, _csv(tmp_path, "again.csv", LEEDS)).counts
        assert (counts["recorded"], counts["revised"], counts["unchanged"]) == (0, 0, 2)
        assert store.max_notification_id() == events + 2
        # A change: the revision is sealed under a new key of the record; from then on the
        # record is erasable (what the old store wrote in clear stays as written).
        counts = ingest_file(store, LOADED, _csv(tmp_path, "changed.csv", "minutes refiled")).counts
        assert (counts["revised"], counts["unchanged"]) == (1, 1)
        recorded, _york, revised = _records(store)
        name = f"record:{recorded.originator_id}"  # type: ignore[attr-defined]
        assert sealed_key(revised.attributes["note"]) == name  # type: ignore[attr-defined]
        change = revised.changes["note"]  # type: ignore[attr-defined]
        assert change["from"] == LEEDS and is_sealed(change["to"])  # the old value as written
        assert revised.content_hash.startswith("hmac:")  # type: ignore[attr-defined]
        result = erase(store, record=str(recorded.originator_id), rationale="r", actor="cli:dpo")  # type: ignore[attr-defined]
        assert result.destroyed == (name,)
        assert DataKeys(store).open(revised.attributes["note"]) == ERASED  # type: ignore[attr-defined]
        assert verify(store).ok
