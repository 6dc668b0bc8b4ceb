"""The twelve real Ofsted provider files through the whole pipeline: any order, twice, withdrawals."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from lif_core.domain import IngestionRun, SourceRecord
from lif_core.eventlog.store import Store
from lif_core.ingestion.pipeline import ingest_file
from lif_core.plugins.host import load_plugins
from lif_core.privacy.vault import DataKeys

SOURCE = "ofsted-social-care"


def _files(real_data: Path) -> list[Path]:
    files = sorted((real_data / "ofsted_csc_provider_level").glob("provider_at_march_*.csv"))
    assert len(files) == 12
    return files


def _data_rows(path: Path) -> int:
    """Rows after the header (the first row holding 'URN'), counted with the csv module alone."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        rows = list(csv.reader(handle))
    header = next(i for i, r in enumerate(rows) if "URN" in [c.strip() for c in r])
    return sum(1 for r in rows[header + 1 :] if any(c.strip() for c in r))


def _state(store: Store) -> dict[tuple[str, str], tuple[str, int]]:
    """Each record's content (opened) and whether it is withdrawn. Not its content hash: that
    is keyed by each store's own HMAC key, so two stores give one content two hashes."""
    keys = DataKeys(store)
    with store.read() as tx:
        rows = tx.execute(
            "SELECT record_kind, record_key, attributes, withdrawn FROM lif_source_index WHERE source = ?",
            (SOURCE,),
        ).fetchall()
    return {
        (kind, key): (json.dumps(keys.opened(json.loads(attributes)), sort_keys=True), int(gone))
        for kind, key, attributes, gone in rows
    }


def _ingest(store: Store, files: list[Path]) -> list:
    loaded = load_plugins().get(SOURCE)
    return [ingest_file(store, loaded, f) for f in files]


@pytest.fixture(scope="module")
def year_order(real_data: Path, tmp_path_factory: pytest.TempPathFactory):
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('year')}/lif.db")
    results = _ingest(store, _files(real_data))
    yield store, results
    store.close()


def test_every_file_is_read_whole_and_every_row_accounted_for(year_order, real_data: Path) -> None:
    store, results = year_order
    for path, result in zip(_files(real_data), results, strict=True):
        assert result.status == "completed", result.message
        assert result.counts["read"] == _data_rows(path), path.name
        events = store.recorder.select_events(IngestionRun.stream_id(result.run_id))
        kept = [e for e in events if e.topic.endswith("RecordRejected")]
        assert len(kept) == result.counts["rejected"]
    state = _state(store)
    providers = {k for (kind, k) in state if kind == "provider"}
    inspections = {k for (kind, k) in state if kind == "inspection"}
    assert len(providers) > 7000
    assert len(inspections) > 25000
    assert all("/" in key for key in inspections)


def test_ingesting_the_files_again_writes_nothing(year_order, real_data: Path) -> None:
    store, _ = year_order
    before = store.max_notification_id()
    again = _ingest(store, _files(real_data))
    assert all(r.status == "skipped" for r in again)
    assert store.max_notification_id() == before


def test_any_order_gives_the_same_histories_and_current_state(
    year_order, real_data: Path, tmp_path: Path
) -> None:
    store, _ = year_order
    files = _files(real_data)
    random.Random(20261128).shuffle(files)
    assert files != _files(real_data)
    with Store(f"sqlite:///{tmp_path}/shuffled.db") as shuffled:
        results = _ingest(shuffled, files)
        assert all(r.status == "completed" for r in results)
        assert _state(shuffled) == _state(store)


def test_a_provider_gone_from_a_later_snapshot_is_withdrawn_and_keeps_its_inspections(
    year_order,
) -> None:
    store, _ = year_order
    state = _state(store)
    gone = sorted(
        key for (kind, key), (_, withdrawn) in state.items() if kind == "provider" and withdrawn
    )
    assert gone, "some providers leave the register between 2015 and 2025"
    with_history = [
        urn
        for urn in gone
        if any(k.startswith(f"{urn}/") for (kind, k) in state if kind == "inspection")
    ]
    assert with_history
    urn = with_history[0]
    provider = store.get(SourceRecord, SourceRecord.record_id(SOURCE, "provider", urn))
    assert provider.withdrawn
    for (kind, key), (_, withdrawn) in state.items():
        if kind == "inspection" and key.startswith(f"{urn}/"):
            inspection = store.get(SourceRecord, SourceRecord.record_id(SOURCE, "inspection", key))
            assert not inspection.withdrawn and not withdrawn
            assert inspection.attributes["urn"] == urn
