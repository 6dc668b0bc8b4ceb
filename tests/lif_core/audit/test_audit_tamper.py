"""A tampered database: raw SQL edits are caught by verify, marked in the trail, and fail the pack.

And the other half of the promise: no command of the ``lif`` CLI edits or deletes an event.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import typer
from audit_history import MEASURE, REFERENCE, REPO, History, done, lif_for, record_id

from lif_app.cli.app import app
from lif_core.audit import build_trail
from lif_core.audit.pack import check_pack
from lif_core.audit.verify import verify
from lif_core.domain import Learning, Measure
from lif_core.eventlog.log import events_table
from lif_core.eventlog.store import Store

NO_STORE = "postgresql://nobody@127.0.0.1:1/nothing"


def _param(store: Store, stream: str) -> object:
    from uuid import UUID

    value = UUID(stream)
    return value.hex if store.dialect == "sqlite" else value


def _state(store: Store, stream: str, version: int) -> bytes:
    with store.read() as tx:
        row = tx.execute(
            f"SELECT state FROM {events_table(store)} WHERE originator_id = ? AND originator_version = ?",
            (_param(store, stream), version),
        ).fetchone()
    assert row is not None
    return row[0].encode() if isinstance(row[0], str) else bytes(row[0])


def _rewrite(store: Store, stream: str, version: int, old: bytes, new: bytes) -> None:
    """What someone with write access to the database could do, bypassing the platform."""
    state = _state(store, stream, version)
    assert old in state
    with store.transaction() as tx:
        tx.execute(
            f"UPDATE {events_table(store)} SET state = ? WHERE originator_id = ? AND originator_version = ?",
            (state.replace(old, new), _param(store, stream), version),
        )


def _delete(store: Store, stream: str, version: int) -> None:
    with store.transaction() as tx:
        tx.execute(
            f"DELETE FROM {events_table(store)} WHERE originator_id = ? AND originator_version = ?",
            (_param(store, stream), version),
        )


LEARNING = str(Learning.stream_id(REFERENCE))


def test_an_altered_decision_is_caught_by_verify_marked_in_the_trail_and_fails_the_pack(
    fresh_history: History, tmp_path: Path
) -> None:
    h = fresh_history
    with h.store() as store:
        _rewrite(store, LEARNING, 3, b"Referrals rose in 2024.", b"Referrals fell in 2024.")
        report = verify(store, h.seal)
        trail = build_trail(store, REFERENCE)

    assert not report.ok
    first = report.first
    assert first is not None
    assert (first.stream_id, first.version, first.stream_type) == (LEARNING, 3, "Learning")
    assert "does not match its hash" in first.what
    result = h.lif("audit", "verify")
    assert result.exit_code == 1 and "TAMPERED" in result.stderr

    accepted = trail.events[2]
    assert accepted.rationale == "Referrals fell in 2024."  # shown as stored, and marked
    assert not accepted.integrity.intact
    assert accepted.integrity.problems == (
        "its content does not match its hash: it was altered, swapped or forged",
    )
    assert all(e.integrity.intact for e in trail.events if e.version != 3)
    assert not trail.intact
    assert trail.problems == [
        f"Learning.Accepted v3 (notification {accepted.notification_id}): "
        "its content does not match its hash: it was altered, swapped or forged"
    ]

    result = h.lif("audit", "trail", REFERENCE)
    assert result.exit_code == 1 and "PROBLEMS (1)" in result.stdout
    page = tmp_path / "trail.html"
    assert h.lif("audit", "trail", REFERENCE, "--html", str(page)).exit_code == 1
    assert "✗ its content does not match its hash" in page.read_text()
    assert "Problems found (1)" in page.read_text()

    out = tmp_path / "pack"
    result = h.lif("audit", "pack", REFERENCE, "--out", str(out))
    assert result.exit_code == 1 and "the pack will not check" in result.stderr
    checked = check_pack(out)
    assert [c.name for c in checked.checks if not c.ok] == ["hash links"]
    result = lif_for(NO_STORE)("audit", "check-pack", str(out))
    assert result.exit_code == 1 and "✗ hash links" in result.stdout


def test_a_deleted_event_is_named_on_the_one_after_it(fresh_history: History) -> None:
    h = fresh_history
    with h.store() as store:
        _delete(store, LEARNING, 2)
        trail = build_trail(store, REFERENCE)
        report = verify(store)
    assert [e.version for e in trail.events] == [1, 3, 4, 5]
    accepted = trail.events[1]
    assert accepted.integrity.problems == (
        "version 2 of this stream is missing: an event was deleted",
    )
    assert [p.version for p in report.problems] == [3]
    # The evidence the deleted decision cited is no longer cited by anyone in the trail.
    assert record_id("2023/leeds") not in {ev.stream_id for ev in trail.evidence}


def test_altered_evidence_is_marked_on_the_cited_version_and_hashes_rewritten_break_the_seal(
    fresh_history: History, tmp_path: Path
) -> None:
    h = fresh_history
    leeds = record_id("2024/leeds")
    with h.store() as store:
        _rewrite(store, leeds, 1, b'"referrals":120', b'"referrals":150')
        trail = build_trail(store, REFERENCE)
    [cited] = [
        ev for ev in trail.evidence if ev.cited and ev.cited.version == 1 and ev.stream_id == leeds
    ]
    assert cited.cited is not None
    assert cited.cited.attributes["referrals"] == 150
    assert not cited.cited.integrity.intact
    assert [v.integrity.intact for v in cited.later] == [True]
    assert all(e.integrity.intact for e in trail.events)
    assert trail.problems == [
        f"cited SourceRecord.Recorded v1 (notification {cited.cited.notification_id}): "
        "its content does not match its hash: it was altered, swapped or forged"
    ]

    # Someone who also rewrites the stored hash (and the next one's link) passes the chains,
    # but not the seal kept outside.
    with h.store() as store:
        state = _state(store, leeds, 1)
        from lif_core.eventlog.codec import GENESIS, chain_hash, split_state, stored_state

        body = split_state(state)[0]

        topic = "lif_core.domain.source_record:SourceRecord.Recorded"
        forged = chain_hash(GENESIS, leeds, 1, topic, body)
        with store.transaction() as tx:
            tx.execute(
                f"UPDATE {events_table(store)} SET state = ? WHERE originator_id = ? AND originator_version = 1",
                (stored_state(body, forged), _param(store, leeds)),
            )
        v2 = _state(store, leeds, 2)
        body2 = split_state(v2)[0]
        topic2 = "lif_core.domain.source_record:SourceRecord.Revised"
        with store.transaction() as tx:
            tx.execute(
                f"UPDATE {events_table(store)} SET state = ? WHERE originator_id = ? AND originator_version = 2",
                (
                    stored_state(body2, chain_hash(forged, leeds, 2, topic2, body2)),
                    _param(store, leeds),
                ),
            )
        plain = verify(store)
        assert plain.problems == []  # the chains alone are fooled; the Merkle tree is not
        assert plain.tree is not None and plain.tree.first is not None
        assert (plain.tree.first.stream_id, plain.tree.first.version) == (leeds, 1)
        sealed = verify(store, h.seal)
        trail = build_trail(store, REFERENCE)
    assert not sealed.ok and "no longer matches seal" in (sealed.seal_problem or "")
    assert trail.intact  # the trail recomputes chains; the seal is what catches this
    out = tmp_path / "pack"
    h.lif("audit", "pack", REFERENCE, "--out", str(out))
    failed = [c.name for c in check_pack(out).checks if not c.ok]
    assert failed == ["hash list reproduces the seal", "sealed"]


def test_a_cited_event_gone_from_the_log_is_shown_missing(fresh_history: History) -> None:
    h = fresh_history
    leeds_2023 = record_id("2023/leeds")
    with h.store() as store:
        build_trail(store, REFERENCE)  # the index has seen the record
        _delete(store, leeds_2023, 1)
        trail = build_trail(store, REFERENCE)
    [missing] = [ev for ev in trail.evidence if ev.status == "missing"]
    assert missing.stream_id == leeds_2023
    assert missing.cited_by == (trail.events[1].event_id,)
    assert "no longer holds it" in missing.note
    assert not trail.intact


def test_events_after_the_seal_are_shown_unsealed_and_the_pack_seals_first(
    fresh_history: History, tmp_path: Path
) -> None:
    h = fresh_history
    with h.store() as store:
        item = store.get(Measure, Measure.stream_id(MEASURE))
        item.retire("No longer reported.", "chair")
        store.save(item)
        trail = build_trail(store, MEASURE)
    assert [e.integrity.sealed for e in trail.events] == [True, True, True, False]
    out = tmp_path / "pack"
    summary = json.loads(done(h.lif("audit", "pack", MEASURE, "--out", str(out), "--json")).stdout)
    assert summary["sealed_now"] is True and summary["seal"] != h.seal.seal_id  # type: ignore[union-attr]
    assert check_pack(out).ok
    assert check_pack(out, h.seal).ok is False  # the new seal is newer than the one kept

    # A new seal is never made over a log that no longer matches the last one.
    with h.store() as store:
        _rewrite(store, LEARNING, 3, b'"hash":"', b'"hash":"0')
        item = store.get(Measure, Measure.stream_id(MEASURE))
        item.correct(
            trail.events[-1].event_id, "Retired by mistake.", {"status": "active"}, "chair"
        )
        store.save(item)
    result = h.lif("audit", "pack", MEASURE, "--out", str(tmp_path / "second"))
    assert result.exit_code == 1
    assert (
        "the log no longer matches seal" in result.stderr and "no pack was written" in result.stderr
    )
    assert not (tmp_path / "second").exists()


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}".strip()
        names.append(path)
        if isinstance(command, click.Group):
            names.extend(_commands(command, path))
    return names


def test_no_command_edits_or_deletes_an_event() -> None:
    commands = _commands(typer.main.get_group(app))
    assert "audit trail" in commands and "learning correct" in commands
    verbs = {
        "edit",
        "delete",
        "remove",
        "update",
        "rewrite",
        "purge",
        "erase",
        "drop",
        "amend",
        "truncate",
    }
    # `lif privacy erase` (issue 17) destroys data keys, never an event: the events' bytes
    # stay as stored (tests/lif_core/privacy/test_erasure.py verifies every chain after it).
    assert [c for c in commands if set(re.split(r"[ \-_]", c)) & verbs] == ["privacy erase"]
    # Nor does any code behind them: no UPDATE or DELETE of the events table anywhere.
    pattern = re.compile(
        r"(UPDATE|DELETE\s+FROM)\s+(\{[^}]*events_table[^}]*\}|stored_events|\S*lif_events)",
        re.IGNORECASE,
    )
    offenders = [
        str(path.relative_to(REPO))
        for folder in ("lif_core", "ingestors", "projections", "dagster_project")
        for path in (REPO / folder).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
