"""The ingestion pipeline on both stores: idempotent, revising, withdrawing, order-independent, atomic per file."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from broken_plugins import good
from eventsourcing.utils import get_topic
from pydantic import BaseModel, Field

import lif_core.ingestion.pipeline as ingest_module
from lif_core.domain import IngestionRun, SourceRecord
from lif_core.eventlog.store import Store
from lif_core.ingestion import CHUNK, Origin, file_origin, ingest_file, ingest_rows, read_rows
from lif_core.plugins import (
    Columns,
    Emit,
    InputOptions,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
)
from lif_core.plugins.host import LoadedSource
from lif_core.privacy.vault import DataKeys, sealed_key

HERE = Path(__file__).resolve().parent
HEADER = "Year,Area,Referrals\n"


@pytest.fixture(autouse=True, params=["here", "in a child"])
def reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Every test of this module runs twice: files read in this process, and in a forked one.

    In the second run every file is read in a child (``LIF_INGEST_FORK=always``), and the
    test fails unless at least one ingestion of a file really was (so a thread left running
    cannot quietly send them all back to this process).
    """
    monkeypatch.setenv("LIF_INGEST_FORK", "never" if request.param == "here" else "always")
    calls: list[bool] = []
    real = ingest_module.ingest_rows

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(bool(kwargs.get("read_in_child")))
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest_module, "ingest_rows", spy)
    yield request.param
    if request.param == "in a child" and calls:
        assert any(calls), "no file was read in a child process: is a thread left running?"
    if request.param == "here":
        assert not any(calls)


def _loaded(source: Source = good.SOURCE) -> LoadedSource:
    return LoadedSource(source, "toy", "lif-plugin-toy", "1.2.0")


def _file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _events(store: Store, *classes: type) -> list[Any]:
    topics = [get_topic(c) for c in classes]
    return [store.decode(n) for n in store.iter_notifications(topics=topics)]


def _record_events(store: Store) -> list[Any]:
    return _events(store, SourceRecord.Recorded, SourceRecord.Revised, SourceRecord.Withdrawn)


# --- idempotency and revisions ---------------------------------------------------------------


def test_reingesting_the_same_file_writes_nothing_and_says_so(store: Store, tmp_path: Path) -> None:
    path = _file(tmp_path, "counts.csv", HEADER + "2024,Leeds,10\n2024,York,4\n")
    first = ingest_file(store, _loaded(), path)
    assert (first.status, first.counts["recorded"], first.counts["read"]) == ("completed", 2, 2)
    before = store.max_notification_id()

    again = ingest_file(store, _loaded(), path)

    assert again.status == "skipped" and again.ok
    assert again.run_id == first.run_id
    assert again.message.startswith(f"already ingested (run {first.run_id} at ")
    assert again.message.endswith("nothing written")
    assert store.max_notification_id() == before


def test_the_same_records_in_another_file_write_no_record_event(
    store: Store, tmp_path: Path
) -> None:
    ingest_file(store, _loaded(), _file(tmp_path, "a.csv", HEADER + "2024,Leeds,10\n"))
    before = len(_record_events(store))
    result = ingest_file(
        store, _loaded(), _file(tmp_path, "b.csv", "\n" + HEADER + "2024,Leeds,10\n")
    )
    assert result.status == "completed"
    assert result.counts == {
        "read": 1,
        "recorded": 0,
        "revised": 0,
        "unchanged": 1,
        "withdrawn": 0,
        "rejected": 0,
        "redecoded": 0,
        "rejected_before": 0,
    }
    assert len(_record_events(store)) == before


def test_without_the_file_shortcut_every_record_is_found_unchanged(
    store: Store, tmp_path: Path
) -> None:
    path = _file(tmp_path, "counts.csv", HEADER + "2024,Leeds,10\n2024,York,4\n")
    ingest_file(store, _loaded(), path)
    origin = dataclasses.replace(file_origin(path), dedupe=False)
    result = ingest_rows(store, _loaded(), read_rows(path, good.SOURCE.inputs), origin)
    assert (result.status, result.counts["unchanged"], result.counts["recorded"]) == (
        "completed",
        2,
        0,
    )
    assert len(_record_events(store)) == 2


def test_a_changed_record_writes_one_revised_event_listing_the_changed_fields(
    store: Store, tmp_path: Path
) -> None:
    ingest_file(
        store, _loaded(), _file(tmp_path, "v1.csv", HEADER + "2024,Leeds,10\n2024,York,4\n")
    )
    result = ingest_file(
        store, _loaded(), _file(tmp_path, "v2.csv", HEADER + "2024,Leeds,12\n2024,York,4\n")
    )
    assert (result.counts["revised"], result.counts["unchanged"]) == (1, 1)
    [revised] = _events(store, SourceRecord.Revised)
    assert revised.changes == {"referrals": {"from": 10, "to": 12}}
    assert revised.attributes == {"year": 2024, "area": "Leeds", "referrals": 12}
    assert revised.originator_id == SourceRecord.record_id("toy-counts", "area-count", "2024/leeds")
    assert revised.originator_version == 2
    assert revised.provenance["locator"] == {"line": 2}


def test_every_record_carries_its_provenance_and_the_plugin_as_actor(
    store: Store, tmp_path: Path
) -> None:
    path = _file(tmp_path, "counts.csv", HEADER + "2024,Leeds,10\n")
    result = ingest_file(store, _loaded(), path)
    [recorded] = _events(store, SourceRecord.Recorded)
    assert recorded.actor == "plugin:toy-counts@1.2.0"
    assert recorded.correlation == result.run_id
    assert (recorded.source, recorded.record_kind, recorded.record_key) == (
        "toy-counts",
        "area-count",
        "2024/leeds",
    )
    assert (recorded.valid_from, recorded.valid_to) == (date(2024, 1, 1), date(2024, 12, 31))
    assert recorded.provenance == {
        "origin": str(path.resolve()),
        "origin_sha256": file_origin(path).sha256,
        "locator": {"line": 2},
        "file": "counts.csv",
        "plugin": "toy",
        "distribution": "lif-plugin-toy",
        "plugin_version": "1.2.0",
        "run_id": result.run_id,
    }
    started, completed = _events(store, IngestionRun.Started, IngestionRun.Completed)
    assert (started.source, started.plugin, started.plugin_version) == (
        "toy-counts",
        "toy",
        "1.2.0",
    )
    assert completed.counts == result.counts


def test_a_key_twice_in_one_file_with_different_content_is_rejected(
    store: Store, tmp_path: Path
) -> None:
    text = HEADER + "2024,Leeds,10\n2024,leeds,11\n2024,Leeds,10\n"
    result = ingest_file(store, _loaded(), _file(tmp_path, "dup.csv", text))
    assert (result.counts["recorded"], result.counts["rejected"], result.counts["unchanged"]) == (
        1,
        1,
        1,
    )
    [rejected] = _events(store, IngestionRun.RecordRejected)
    assert rejected.locator == {"line": 3}
    assert DataKeys(store).open(rejected.reasons) == [
        "record key '2024/leeds' appears twice in this input with different content"
    ]


# --- snapshots and order independence ------------------------------------------------------------


class Grade(BaseModel):
    provider: str = Field(description="Provider name.")
    grade: str = Field(description="Overall grade.")
    inspected: date = Field(description="Day of the inspection that gave the grade.")


def _graded(row: Row) -> list[Emit]:
    values = row.values
    fields = {k: values[k] for k in ("provider", "grade", "inspected")}
    return [Emit("grade", fields, as_of=date.fromisoformat(str(values["at"])))]


SNAPSHOT = Source(
    name="toy-grades",
    title="Toy grades at a date",
    provider="The test suite",
    kinds=(
        RecordKind(
            "grade",
            Grade,
            key=lambda r: r.provider,
            valid_time=lambda r: ValidTime(r.inspected),
            mode="snapshot",
        ),
    ),
    inputs=InputOptions(columns=Columns({"at": (), "provider": (), "grade": (), "inspected": ()})),
    map_row=_graded,
)
SNAPSHOTS = {
    # Each file is the whole list at its date. B closed before March; C was regraded in June.
    "at-2025-01-31.csv": "A,good,2023-05-01\nB,good,2022-01-10\nC,good,2021-09-09\n",
    "at-2025-03-31.csv": "A,good,2023-05-01\nC,good,2021-09-09\nD,outstanding,2025-02-02\n",
    "at-2025-06-30.csv": "A,good,2023-05-01\nC,inadequate,2025-06-01\nD,outstanding,2025-02-02\n",
}


def _snapshot_files(folder: Path) -> dict[str, Path]:
    return {
        name: _file(
            folder,
            name,
            "at,provider,grade,inspected\n"
            + "".join(f"{name[3:13]},{line}\n" for line in rows.splitlines()),
        )
        for name, rows in SNAPSHOTS.items()
    }


def _index(store: Store, source: str) -> list[tuple[Any, ...]]:
    with store.read() as tx:
        return tx.execute(
            "SELECT record_key, content_hash, withdrawn FROM lif_source_index WHERE source = ? ORDER BY record_key",
            (source,),
        ).fetchall()


def test_a_key_absent_from_a_newer_snapshot_is_withdrawn(store: Store, tmp_path: Path) -> None:
    files = _snapshot_files(tmp_path)
    ingest_file(store, _loaded(SNAPSHOT), files["at-2025-01-31.csv"])
    result = ingest_file(store, _loaded(SNAPSHOT), files["at-2025-03-31.csv"])
    assert (result.counts["recorded"], result.counts["unchanged"], result.counts["withdrawn"]) == (
        1,
        2,
        1,
    )
    [withdrawn] = _events(store, SourceRecord.Withdrawn)
    assert withdrawn.originator_id == SourceRecord.record_id("toy-grades", "grade", "B")
    assert withdrawn.reason == "absent from the snapshot of 2025-03-31"
    assert [key for key, _, gone in _index(store, "toy-grades") if gone] == ["B"]


def test_an_older_snapshot_revises_nothing_a_newer_one_set(store: Store, tmp_path: Path) -> None:
    files = _snapshot_files(tmp_path)
    ingest_file(store, _loaded(SNAPSHOT), files["at-2025-06-30.csv"])
    before = _index(store, "toy-grades")
    late = ingest_file(store, _loaded(SNAPSHOT), files["at-2025-03-31.csv"])
    assert late.counts["revised"] == 0 and late.counts["withdrawn"] == 0
    assert _index(store, "toy-grades") == before  # C stays inadequate


def test_snapshot_files_in_any_order_give_the_same_index_state(
    store: Store, tmp_path: Path
) -> None:
    files = _snapshot_files(tmp_path)
    states = set()
    for number, order in enumerate(itertools.permutations(sorted(files))):
        source = dataclasses.replace(SNAPSHOT, name=f"toy-grades-{number}")
        for name in order:
            assert ingest_file(store, _loaded(source), files[name]).ok
        states.add(tuple(_index(store, source.name)))
    [state] = states
    assert [(key, gone) for key, _, gone in state] == [("A", 0), ("B", 1), ("C", 0), ("D", 0)]


# --- rejections ------------------------------------------------------------------------------------


def test_rejections_are_kept_with_locator_reasons_and_raw_row(store: Store, tmp_path: Path) -> None:
    text = HEADER + "2024,Leeds,10\n2024,York,many\n2024,,3\n"
    result = ingest_file(store, _loaded(), _file(tmp_path, "mixed.csv", text))
    assert (result.status, result.counts["recorded"], result.counts["rejected"]) == (
        "completed",
        1,
        2,
    )
    rejected = _events(store, IngestionRun.RecordRejected)
    keys = DataKeys(store)  # the raw rows are sealed under the run's data key
    assert all(sealed_key(r.raw) == f"run:{result.run_id}" for r in rejected)
    assert [(r.locator, keys.open(r.reasons), keys.open(r.raw)) for r in rejected] == [
        (
            {"line": 3},
            ["column 'referrals': 'many' is not a whole number"],
            {"Year": "2024", "Area": "York", "Referrals": "many"},
        ),
        (
            {"line": 4},
            ["column 'area': the area is blank"],
            {"Year": "2024", "Area": None, "Referrals": "3"},
        ),
    ]
    assert all(r.correlation == result.run_id for r in rejected)


def test_a_corrected_file_accepts_the_rows_that_were_rejected(store: Store, tmp_path: Path) -> None:
    ingest_file(
        store, _loaded(), _file(tmp_path, "v1.csv", HEADER + "2024,Leeds,10\n2024,York,many\n")
    )
    fixed = ingest_file(
        store, _loaded(), _file(tmp_path, "v2.csv", HEADER + "2024,Leeds,10\n2024,York,7\n")
    )
    assert (fixed.counts["recorded"], fixed.counts["unchanged"], fixed.counts["rejected"]) == (
        1,
        1,
        0,
    )
    assert [e.record_key for e in _events(store, SourceRecord.Recorded)] == [
        "2024/leeds",
        "2024/york",
    ]


def test_a_fail_fast_source_records_nothing_of_a_file_with_a_bad_row(
    store: Store, tmp_path: Path
) -> None:
    strict = dataclasses.replace(good.SOURCE, on_bad_record="fail-fast")
    text = HEADER + "2024,Leeds,10\n2024,York,many\n2024,Hull,3\n"
    result = ingest_file(store, _loaded(strict), _file(tmp_path, "strict.csv", text))
    assert (result.status, result.failure_kind, result.ok) == ("failed", "input", False)
    assert result.message == (
        "rejected at line 3: column 'referrals': 'many' is not a whole number (this source fails fast)"
    )
    assert _record_events(store) == []
    assert _events(store, IngestionRun.RecordRejected) == []
    [failed] = _events(store, IngestionRun.Failed)
    assert (failed.failure_kind, failed.reason, failed.correlation) == (
        "input",
        result.message,
        result.run_id,
    )


def test_more_rejections_than_max_reject_rate_fail_the_file(store: Store, tmp_path: Path) -> None:
    ceiling = dataclasses.replace(good.SOURCE, max_reject_rate=0.25)
    half = HEADER + "2024,A,1\n2024,B,x\n2024,C,x\n2024,D,4\n"
    result = ingest_file(store, _loaded(ceiling), _file(tmp_path, "half.csv", half))
    assert (result.status, result.failure_kind) == ("failed", "input")
    assert result.message == "2 of 4 rows rejected, above this source's ceiling of 25%"
    assert _record_events(store) == []
    quarter = HEADER + "2024,A,1\n2024,B,x\n2024,C,3\n2024,D,4\n"
    assert (
        ingest_file(store, _loaded(ceiling), _file(tmp_path, "quarter.csv", quarter)).status
        == "completed"
    )


def test_a_plugin_raising_in_map_row_is_a_plugin_bug_and_the_run_fails_with_no_records(
    store: Store, tmp_path: Path
) -> None:
    def buggy(row: Row) -> list[Emit]:
        if row.values["area"] == "York":
            raise ZeroDivisionError("division by zero")
        return good.map_row(row)

    source = dataclasses.replace(good.SOURCE, map_row=buggy)
    text = HEADER + "2024,Leeds,10\n2024,York,4\n"
    result = ingest_file(store, _loaded(source), _file(tmp_path, "bug.csv", text))
    assert (result.status, result.failure_kind) == ("failed", "plugin-bug")
    line = buggy.__code__.co_firstlineno + 2  # the line of the raise
    assert result.message == (
        f"map_row raised ZeroDivisionError('division by zero') at {__file__}, line {line}, "
        "in buggy (bug.csv, line 3)"
    )
    assert _record_events(store) == []
    started, failed = _events(store, IngestionRun.Started, IngestionRun.Failed)
    assert started.correlation == failed.correlation == result.run_id
    assert (failed.failure_kind, failed.reason) == ("plugin-bug", result.message)


def test_a_record_error_outside_map_row_rejects_the_row(store: Store, tmp_path: Path) -> None:
    def refuse(record: Any) -> ValidTime:
        raise RecordError("the year is in the future")

    kind = dataclasses.replace(good.KIND, valid_time=refuse)
    source = dataclasses.replace(good.SOURCE, kinds=(kind,))
    result = ingest_file(store, _loaded(source), _file(tmp_path, "f.csv", HEADER + "2024,A,1\n"))
    assert (result.status, result.counts["rejected"]) == ("completed", 1)


def test_an_unreadable_file_fails_as_input_and_the_run_is_recorded(
    store: Store, tmp_path: Path
) -> None:
    result = ingest_file(store, _loaded(), _file(tmp_path, "wrong.csv", "Name,Beds\nOak,4\n"))
    assert (result.status, result.failure_kind) == ("failed", "input")
    assert "no header row with the required columns 'year', 'area', 'referrals'" in result.message
    [failed] = _events(store, IngestionRun.Failed)
    assert failed.correlation == result.run_id
    missing = ingest_file(store, _loaded(), tmp_path / "absent.csv")
    assert (missing.status, missing.failure_kind) == ("failed", "input")


# --- dry runs, limits, progress ----------------------------------------------------------------------


def test_a_dry_run_counts_everything_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    path = _file(tmp_path, "counts.csv", HEADER + "2024,Leeds,10\n2024,York,x\n")
    before = store.max_notification_id()
    result = ingest_file(store, _loaded(), path, dry_run=True)
    assert (result.status, result.counts["recorded"], result.counts["rejected"]) == (
        "dry-run",
        1,
        1,
    )
    assert "dry run, nothing written" in result.message
    assert store.max_notification_id() == before
    assert ingest_file(store, _loaded(), path).status == "completed"  # not remembered as ingested


def test_limit_and_progress(store: Store, tmp_path: Path) -> None:
    rows = "".join(f"2024,Area {i},{i}\n" for i in range(CHUNK + 500))
    path = _file(tmp_path, "many.csv", HEADER + rows)
    seen: list[int] = []
    result = ingest_file(store, _loaded(), path, limit=CHUNK + 10, progress=seen.append)
    assert result.counts["read"] == result.counts["recorded"] == CHUNK + 10
    assert sum(seen) == CHUNK + 10 and len(seen) == 2


def test_rows_from_anywhere_are_ingested_with_the_origin_given(store: Store) -> None:
    rows = [Row({"year": "2024", "area": "Leeds", "referrals": "3"}, {}, {"offset": 41}, "topic")]
    origin = Origin("kafka://referrals/0/41", "f" * 64, {"topic": "referrals"}, dedupe=False)
    result = ingest_rows(store, _loaded(), rows, origin, actor="relay:test")
    assert result.status == "completed"
    [recorded] = _events(store, SourceRecord.Recorded)
    assert recorded.provenance["origin"] == "kafka://referrals/0/41"
    assert recorded.provenance["locator"] == {"offset": 41}
    assert recorded.provenance["topic"] == "referrals"


# --- crash safety and memory -------------------------------------------------------------------------

_CRASHING = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    from broken_plugins import good
    from lif_core.ingestion import ingest_file
    from lif_core.plugins.host import LoadedSource
    from lif_core.eventlog.store import Store

    store = Store(sys.argv[1])
    written = 0

    def progress(rows):
        global written
        written += rows
        if written >= int(sys.argv[3]):
            print("inside the transaction", written, flush=True)
            sys.stdin.readline()  # hold here, mid-file, until killed

    ingest_file(store, LoadedSource(good.SOURCE, "toy", "local", "0"), Path(sys.argv[2]), progress=progress)
    print("finished", flush=True)
    """
)


def _big_file(folder: Path, rows: int) -> Path:
    path = folder / f"big-{rows}.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for i in range(rows):
            handle.write(f"2024,Area {i:07d},{i % 997}\n")
    return path


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(HERE.parents[1] / "support"), os.environ.get("PYTHONPATH", "")]
        ),
    }


@pytest.mark.slow
def test_a_file_killed_mid_ingest_leaves_nothing_and_the_rerun_records_it_whole(
    store_url: str, tmp_path: Path
) -> None:
    rows = 5 * CHUNK
    path = _big_file(tmp_path, rows)
    script = _file(tmp_path, "crashing.py", _CRASHING)
    process = subprocess.Popen(
        [sys.executable, str(script), store_url, str(path), str(3 * CHUNK)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line.startswith("inside the transaction"), (
            process.stderr.read() if process.stderr else ""
        )
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL

    with Store(store_url) as store:
        assert _record_events(store) == []
        assert [e.origin for e in _events(store, IngestionRun.Started)] == []

        rerun = ingest_file(store, _loaded(), path)

        assert (rerun.status, rerun.counts["recorded"]) == ("completed", rows)
        recorded = _events(store, SourceRecord.Recorded)
        assert len(recorded) == len({e.originator_id for e in recorded}) == rows


_MEASURE = textwrap.dedent(
    """
    import resource, sys
    from pathlib import Path

    from broken_plugins import good
    from lif_core.ingestion import ingest_file
    from lif_core.plugins.host import LoadedSource
    from lif_core.eventlog.store import Store

    store = Store(sys.argv[1])
    result = ingest_file(store, LoadedSource(good.SOURCE, "toy", "local", "0"), Path(sys.argv[2]))
    assert result.status == "completed", result.message
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """
)


@pytest.mark.slow
def test_memory_stays_flat_as_the_file_grows(tmp_path: Path) -> None:
    script = _file(tmp_path, "measure.py", _MEASURE)
    peaks = {}
    for rows in (5_000, 50_000):
        out = subprocess.run(
            [
                sys.executable,
                str(script),
                f"sqlite:///{tmp_path}/m{rows}.db",
                str(_big_file(tmp_path, rows)),
            ],
            capture_output=True,
            text=True,
            env=_env(),
            check=True,
        )
        peaks[rows] = int(out.stdout.split()[-1]) / 1024
    assert peaks[50_000] - peaks[5_000] < 20, json.dumps(peaks)


# --- the event written on the hot path, and reading in a child -----------------------------------


def test_a_recorded_event_is_what_the_domain_would_make_and_its_chain_verifies(
    store: Store, tmp_path: Path
) -> None:
    """The pipeline splices a Recorded event's JSON together; it must decode to the event the
    generic path (make_event over the same state) gives, and carry a hash the audit accepts."""
    from lif_core.audit.verify import verify
    from lif_core.domain.base import make_event
    from lif_core.eventlog.codec import GENESIS

    path = _file(tmp_path, "counts.csv", HEADER + '2024,Léeds "north",10\n')
    ingest_file(store, _loaded(), path)
    [recorded] = _events(store, SourceRecord.Recorded)
    state = {
        name: getattr(recorded, name)
        for name in SourceRecord.Recorded.__dataclass_fields__
        if name not in ("originator_id", "originator_version", "hash")
    }
    generic = make_event(SourceRecord.Recorded, recorded.originator_id, 1, GENESIS, state)
    again = store.decode(store.app.mapper.to_stored_event(generic))
    assert {k: v for k, v in vars(again).items() if k != "hash"} == {
        k: v for k, v in vars(recorded).items() if k != "hash"
    }
    assert recorded.attributes == {"year": 2024, "area": 'Léeds "north"', "referrals": 10}
    assert recorded.originator_id == SourceRecord.record_id(
        "toy-counts", "area-count", '2024/léeds "north"'
    )
    assert recorded.event_id.version == 4
    assert verify(store).ok


def test_a_bad_byte_mid_file_rejects_its_row_naming_the_column_and_the_rest_is_recorded(
    store: Store, tmp_path: Path
) -> None:
    rows = "".join(f"2024,Area {i},{i}\n" for i in range(CHUNK + 10))
    path = tmp_path / "bad-byte.csv"
    path.write_bytes((HEADER + rows).encode() + b"2024,Caf\xe9,3\n")
    result = ingest_file(store, _loaded(), path)
    assert result.status == "completed", result.message
    assert (result.counts["recorded"], result.counts["rejected"]) == (CHUNK + 10, 1)
    [rejected] = _events(store, IngestionRun.RecordRejected)
    assert rejected.locator == {"line": CHUNK + 12}
    assert (
        DataKeys(store)
        .open(rejected.reasons)[0]
        .startswith(
            "column 'Area' holds bytes that are not valid UTF-8 (shown as \ufffd): correct the file"
        )
    )
    assert DataKeys(store).open(rejected.raw) == {
        "Year": "2024",
        "Area": "Caf\ufffd",
        "Referrals": "3",
    }


def test_cells_redecoded_with_a_declared_fallback_are_counted_in_the_run(
    store: Store, tmp_path: Path
) -> None:
    inputs = dataclasses.replace(good.SOURCE.inputs, fallback_encoding="cp1252")
    source = dataclasses.replace(good.SOURCE, inputs=inputs)
    rows = "".join(f"2024,Area {i},{i}\n" for i in range(CHUNK + 10))
    path = tmp_path / "cp1252.csv"
    path.write_bytes(
        HEADER.encode()
        + "2024,Caf\u00e9 \u2013 North,3\n".encode("cp1252")
        + rows.encode()
        + "2024,Bront\u00eb,4\n".encode("cp1252")
    )
    result = ingest_file(store, _loaded(source), path)
    assert result.status == "completed", result.message
    assert (result.counts["recorded"], result.counts["redecoded"]) == (CHUNK + 12, 2)
    assert result.message.startswith(
        f"{CHUNK + 12} recorded, 0 revised, 0 unchanged, 0 withdrawn, 0 rejected (2 cells decoded "
        "with the fallback encoding)"
    )
    [completed] = _events(store, IngestionRun.Completed)
    assert completed.counts["redecoded"] == 2
    areas = {e.attributes["area"] for e in _events(store, SourceRecord.Recorded)}
    assert {"Caf\u00e9 \u2013 North", "Bront\u00eb"} <= areas
