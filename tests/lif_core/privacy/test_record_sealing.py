"""Crypto-shredding of record fields: free text sealed per record, keyed content hashes,
``lif privacy erase --record``, and projections that see ``[erased]`` (issue 17)."""

from __future__ import annotations

import hashlib
import json
import types
from datetime import date
from pathlib import Path
from typing import Any

import noted_source
from database_bytes import database_bytes
from eventsourcing.utils import get_topic

from lif_core.audit.verify import verify
from lif_core.decisions.erasure import erase
from lif_core.domain import SourceRecord
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.plugins.declared import Declared
from lif_core.plugins.host import LoadedSource
from lif_core.privacy.vault import ERASED, PERSONAL, DataKeys, is_sealed, sealed_key
from projections.engine import Column, Context, Table, run_projections

# Text no guard takes for a person (no name, place or identifier), but text all the same:
# what a record's free text holds, and what an erasure must leave nowhere.
SECRET = "the panel minutes were mislaid in the quartermaster's office"
OTHER = "briefings reached every school cluster by March"
LOADED = LoadedSource(noted_source.SOURCE, "toy", "lif-plugin-toy", "1.0")


def _write(tmp_path: Path, name: str, rows: list[tuple[int, str, str]]) -> Path:
    path = tmp_path / name
    lines = ["Year,Area,Note", *(f"{y},{a},{n}" for y, a, n in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _ingest(store: Store, path: Path, loaded: LoadedSource = LOADED) -> dict[str, int]:
    result = ingest_file(store, loaded, path)
    assert result.status == "completed", result.message
    return result.counts


def _records(store: Store) -> list[Any]:
    topics = [get_topic(SourceRecord.Recorded), get_topic(SourceRecord.Revised)]
    return [store.decode(n) for n in store.iter_notifications(topics=topics)]


def test_free_text_is_sealed_under_a_key_of_its_record(store: Store, tmp_path: Path) -> None:
    _ingest(store, _write(tmp_path, "a.csv", [(2024, "Leeds", SECRET), (2024, "York", OTHER)]))
    leeds, york = _records(store)
    # Each record's note sealed under its own key, named by its stream.
    assert sealed_key(leeds.attributes["note"]) == f"record:{leeds.originator_id}"
    assert sealed_key(york.attributes["note"]) == f"record:{york.originator_id}"
    assert leeds.attributes["area"] == "Leeds"  # what is not free text stays in clear
    keys = DataKeys(store)
    assert keys.open(leeds.attributes["note"]) == SECRET
    # The content hash is keyed: not the sha256 of the record's content, nor of its text.
    clear = {"area": "Leeds", "contact": None, "note": SECRET, "year": 2024}
    plain = hashlib.sha256(json.dumps(clear, sort_keys=True, separators=(",", ":")).encode())
    assert leeds.content_hash.startswith("hmac:")
    assert plain.hexdigest() not in leeds.content_hash
    assert hashlib.sha256(SECRET.encode()).hexdigest() not in leeds.content_hash
    # Nowhere in the database in clear: not the events, not the source index.
    assert SECRET.encode() not in database_bytes(store)
    with store.read() as tx:
        rows = dict(tx.execute("SELECT name, kek_id FROM lif_data_keys").fetchall())
    # Two record keys wrapped by the run's wrapping key; that one and the HMAC key by the KEK.
    wrappers = sorted(v.split(":")[0] for k, v in rows.items() if k.startswith("record:"))
    assert wrappers == ["key", "key"]
    assert {k.split(":")[0] for k in rows} == {"record", "wrap", "hmac"}


def test_reingesting_the_same_records_writes_nothing(store: Store, tmp_path: Path) -> None:
    rows = [(2024, "Leeds", SECRET), (2024, "York", OTHER)]
    _ingest(store, _write(tmp_path, "a.csv", rows))
    events = store.max_notification_id()
    with store.read() as tx:
        keys_before = tx.execute("SELECT COUNT(*) FROM lif_data_keys").fetchone()[0]
    # Another file (so not skipped whole) holding the same two records, in another order.
    counts = _ingest(store, _write(tmp_path, "b.csv", list(reversed(rows))))
    assert (counts["recorded"], counts["revised"], counts["unchanged"]) == (0, 0, 2)
    # The run's own Started and Completed events, no record event; no record key kept.
    assert store.max_notification_id() == events + 2
    with store.read() as tx:
        keys_after = tx.execute("SELECT COUNT(*) FROM lif_data_keys").fetchone()[0]
    assert keys_after == keys_before + 1  # the second run's wrapping key only


def test_a_revision_is_sealed_under_the_records_own_key(store: Store, tmp_path: Path) -> None:
    _ingest(store, _write(tmp_path, "a.csv", [(2024, "Leeds", SECRET)]))
    counts = _ingest(store, _write(tmp_path, "b.csv", [(2024, "Leeds", OTHER)]))
    assert counts["revised"] == 1
    recorded, revised = _records(store)
    name = f"record:{recorded.originator_id}"
    assert sealed_key(revised.attributes["note"]) == name
    change = revised.changes["note"]
    assert sealed_key(change["from"]) == name and sealed_key(change["to"]) == name
    assert list(revised.changes) == ["note"]  # only what changed, decided in clear
    keys = DataKeys(store)
    assert (keys.open(change["from"]), keys.open(change["to"])) == (SECRET, OTHER)
    assert SECRET.encode() not in database_bytes(store)


def test_erasing_a_record_erases_its_text_alone(store: Store, tmp_path: Path) -> None:
    _ingest(store, _write(tmp_path, "a.csv", [(2024, "Leeds", SECRET), (2024, "York", OTHER)]))
    leeds, york = _records(store)
    with store.read() as tx:
        [(wrapped,)] = tx.execute(
            "SELECT wrapped FROM lif_data_keys WHERE name = ?", (f"record:{leeds.originator_id}",)
        ).fetchall()
    result = erase(
        store, record=str(leeds.originator_id)[:8], rationale="erasure request", actor="cli:dpo"
    )
    assert result.destroyed == (f"record:{leeds.originator_id}",)
    assert result.what == f"the sealed fields of record {leeds.originator_id}"
    keys = DataKeys(store)
    assert keys.open(leeds.attributes["note"]) == ERASED
    assert keys.open(york.attributes["note"]) == OTHER  # its neighbour, same run, untouched
    assert verify(store).ok
    stored = database_bytes(store)
    assert SECRET.encode() not in stored
    assert bytes(wrapped) not in stored and bytes(wrapped).hex().encode() not in stored

    # The same record again: nothing new (the keyed hash still says "the same").
    events = store.max_notification_id()
    counts = _ingest(store, _write(tmp_path, "b.csv", [(2024, "Leeds", SECRET)]))
    assert counts["unchanged"] == 1 and store.max_notification_id() == events + 2
    # Changed at the source after the erasure: sealed under a new key of its own, which the
    # next erasure of the record destroys too (the erased one is reported as such).
    _ingest(store, _write(tmp_path, "c.csv", [(2024, "Leeds", "minutes now filed")]))
    revised = _records(store)[-1]
    assert sealed_key(revised.attributes["note"]) == f"record:{leeds.originator_id}/2"
    assert DataKeys(store).open(revised.attributes["note"]) == "minutes now filed"
    again = erase(store, record=str(leeds.originator_id), rationale="again", actor="cli:dpo")
    assert again.destroyed == (f"record:{leeds.originator_id}/2",)
    assert [k for k, _ in again.already] == [f"record:{leeds.originator_id}"]
    assert verify(store).ok


# --- projections: they read the text opened, and "[erased]" after an erasure --------------


def _notes_projection() -> types.ModuleType:
    """A read model that publishes each record's note (the way a register publishes text)."""
    module = types.ModuleType("notes_projection")

    def apply(state: dict[str, Any], event: Any) -> set[str]:
        state[event.stream_id] = {
            "area": event.data["attributes"]["area"],
            "note": event.data["attributes"]["note"],
            "contact": event.data["attributes"].get("contact"),
        }
        return {event.stream_id}

    def render(states: dict[str, dict[str, Any]], context: Context) -> list[dict[str, Any]]:
        return sorted(states["notes"].values(), key=lambda r: r["area"])

    module.NAME = "notes"  # type: ignore[attr-defined]
    module.TOPICS = {"SourceRecord.Recorded", "SourceRecord.Revised"}  # type: ignore[attr-defined]
    module.apply = apply  # type: ignore[attr-defined]
    module.TABLES = [  # type: ignore[attr-defined]
        Table(
            "test_notes",
            "Notes by area (test).",
            (
                Column("area", "TEXT", "Area."),
                Column("note", "TEXT", "The note."),
                Column("contact", "TEXT", "Who to ask."),
            ),
            render,
            ("area",),
        )
    ]
    return module


def _table(store: Store) -> list[tuple[Any, ...]]:
    with store.read() as tx:
        rows = tx.execute("SELECT area, note, contact FROM test_notes ORDER BY area").fetchall()
    return [tuple(r) for r in rows]


def test_projections_read_the_text_and_erased_after_an_erasure(
    store: Store, tmp_path: Path
) -> None:
    _ingest(store, _write(tmp_path, "a.csv", [(2024, "Leeds", SECRET), (2024, "York", OTHER)]))
    module = _notes_projection()
    context = Context(reference_date=date(2025, 1, 1), declared=Declared.of([LOADED.source]))
    run_projections(store, [module], context)
    assert _table(store) == [("Leeds", SECRET, None), ("York", OTHER, None)]
    leeds = _records(store)[0]
    erase(store, record=str(leeds.originator_id), rationale="erasure request", actor="cli:dpo")
    run_projections(store, [module], context)  # the erasure in the log: rebuilt from it
    assert _table(store) == [("Leeds", ERASED, None), ("York", OTHER, None)]
    assert SECRET.encode() not in database_bytes(store)  # not in the states, nor old rows
    assert verify(store).ok


def test_a_personal_field_is_sealed_and_never_published(store: Store, tmp_path: Path) -> None:
    loaded = LoadedSource(noted_source.PERSONAL_SOURCE, "toy", "lif-plugin-toy", "1.0")
    path = tmp_path / "p.csv"
    path.write_text(f"Year,Area,Note,Contact\n2024,Leeds,{OTHER},Quentin Blakeworth\n")
    _ingest(store, path, loaded)
    [record] = _records(store)
    assert is_sealed(record.attributes["contact"]) and is_sealed(record.attributes["note"])
    assert DataKeys(store).open(record.attributes["contact"]) == "Quentin Blakeworth"
    assert b"Blakeworth" not in database_bytes(store)
    module = _notes_projection()
    context = Context(reference_date=date(2025, 1, 1), declared=Declared.of([loaded.source]))
    run_projections(store, [module], context)
    assert _table(store) == [("Leeds", OTHER, PERSONAL)]
    assert b"Blakeworth" not in database_bytes(store)


def test_a_blank_personal_field_is_not_sealed(store: Store, tmp_path: Path) -> None:
    loaded = LoadedSource(noted_source.PERSONAL_SOURCE, "toy", "lif-plugin-toy", "1.0")
    _ingest(store, _write(tmp_path, "a.csv", [(2024, "Leeds", SECRET)]), loaded)
    [record] = _records(store)
    assert record.attributes["contact"] is None  # nothing in it, so nothing to seal
    assert is_sealed(record.attributes["note"])


def test_a_trail_says_where_text_is_sealed_and_never_shows_it() -> None:
    from lif_core.audit.words import describe, rationale
    from lif_core.privacy.vault import seal

    title = seal(b"k" * 32, "record:abc", SECRET)
    words = describe(
        "Learning.Identified",
        {"title": title, "source_kind": "audit", "themes": []},
    )
    assert words.startswith("identified “[sealed under record:abc]” from a audit")
    assert title["data"] not in words
    assert rationale({"rationale": title}) == "[sealed under record:abc]"
