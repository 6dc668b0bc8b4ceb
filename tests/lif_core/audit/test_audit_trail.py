"""The trail behind a learning item, an action and a measure: every event, its evidence, proven."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from audit_history import MEASURE, REFERENCE, TOY, History, done, record_id

from lif_core.audit import build_trail, rebuild_event_ids, sync_event_ids
from lif_core.audit.index import locate_events
from lif_core.domain import Action, Learning
from lif_core.errors import NotFoundError


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_learning_trail_lists_every_event_in_order_in_words(history: History) -> None:
    with history.store() as store:
        trail = build_trail(store, REFERENCE)

    assert (trail.reference, trail.kind) == (REFERENCE, "learning")
    assert trail.stream_id == str(Learning.stream_id(REFERENCE))
    assert [e.type for e in trail.events] == [
        "Learning.Identified",
        "Learning.Prioritised",
        "Learning.Accepted",
        "Learning.Corrected",
        "Learning.Declined",
    ]
    assert [e.version for e in trail.events] == [1, 2, 3, 4, 5]
    names = ["identified", "prioritised", "accepted", "corrected", "declined"]
    assert [e.event_id for e in trail.events] == [history.events[n]["event_id"] for n in names]
    assert [e.recorded_at for e in trail.events] == [
        history.events[n]["recorded_at"] for n in names
    ]
    assert all(e.actor == "cli:chair" for e in trail.events)
    identified, prioritised, accepted, _corrected, declined = trail.events
    assert identified.summary == (
        "identified “Children not brought to appointments” from a review (themes: neglect)"
    )
    assert identified.valid_time == "2025-01-15"
    assert identified.rationale is None
    assert identified.data["statement"] == (
        "Missed health appointments were not seen as possible neglect."
    )
    assert (prioritised.summary, prioritised.rationale) == (
        "prioritised as high",
        "Found in two reviews.",
    )
    assert (accepted.summary, accepted.rationale) == (
        "accepted for action",
        "Referrals rose in 2024.",
    )
    assert (declined.summary, declined.rationale) == (
        "declined",
        "Covered by the neglect strategy.",
    )
    assert all(e.valid_time is None for e in trail.events[1:])
    assert trail.events[0].notification_id < trail.events[-1].notification_id


def test_the_original_decision_and_its_correction_are_both_shown_and_linked(
    history: History,
) -> None:
    with history.store() as store:
        trail = build_trail(store, REFERENCE)
    accepted, corrected = trail.events[2], trail.events[3]

    assert accepted.corrected_by == (corrected.event_id,)
    assert corrected.corrects == accepted.event_id
    assert corrected.causation == (accepted.event_id,)
    assert corrected.cites == ()  # the corrected event is in the same stream: not evidence
    assert corrected.summary == (
        "corrected version 3 (Learning.Accepted): status back to prioritised"
    )
    assert corrected.rationale == "Accepted by mistake: the subgroup had agreed to decline it."
    assert corrected.data["restores"] == {"status": "prioritised"}


def test_each_cited_record_shows_the_version_the_decision_rested_on_and_its_provenance(
    history: History,
) -> None:
    with history.store() as store:
        trail = build_trail(store, REFERENCE)
    identified, prioritised, accepted, _, declined = trail.events
    evidence = {ev.event_id: ev for ev in trail.evidence}

    assert len(trail.evidence) == 3
    [leeds_v1] = accepted.cites
    assert identified.cites == (leeds_v1,)
    ev = evidence[leeds_v1]
    assert (ev.status, ev.source, ev.record_kind, ev.record_key) == (
        "revised",
        "toy-audit",
        "area-count",
        "2024/leeds",
    )
    assert ev.stream_id == record_id("2024/leeds") and ev.stream_type == "SourceRecord"
    assert ev.cited_by == (identified.event_id, accepted.event_id)
    assert ev.cited is not None and ev.cited.version == 1
    assert ev.cited.type == "SourceRecord.Recorded"
    assert ev.cited.attributes == {"year": 2024, "area": "Leeds", "referrals": 120}
    assert ev.cited.valid_time == "2024-01-01 to 2024-12-31"
    prov = ev.cited.provenance
    assert prov is not None
    assert prov.origin == str(history.files["first"].resolve())
    assert prov.origin_sha256 == _sha256(history.files["first"])
    assert prov.locator == {"line": 3}
    assert (prov.plugin, prov.plugin_version, prov.distribution) == (
        "toy-audit",
        "1.0",
        "lif-audit-toy",
    )
    assert prov.run_id == history.runs["first"]
    assert prov.actor == f"plugin:toy-audit@{TOY.version}"
    assert ev.cited.recorded_at < accepted.recorded_at
    # What changed after the decision: version 2 from the second file.
    [v2] = ev.later
    assert (v2.version, v2.type) == (2, "SourceRecord.Revised")
    assert v2.changes == {"referrals": {"from": 120, "to": 125}}
    assert v2.provenance is not None and v2.provenance.origin_sha256 == _sha256(
        history.files["second"]
    )
    assert v2.provenance.run_id == history.runs["second"]
    assert v2.recorded_at > accepted.recorded_at
    assert ev.note == (
        "these 2 decisions cited version 1 of 2 from counts-2024.csv (line 3); "
        f"version 2 arrived on {v2.recorded_at} (after them) from "
        "counts-2024-revised.csv (line 2): revised at the source: referrals 120 → 125"
    )
    # The decline cited the record as it is now: version 2, still current.
    [leeds_v2] = declined.cites
    assert leeds_v2 == v2.event_id
    current = evidence[leeds_v2]
    assert (current.status, current.cited.version if current.cited else None) == ("current", 2)
    assert current.later == ()
    assert current.note.endswith("it is still the current version")
    [leeds_2023] = prioritised.cites
    assert evidence[leeds_2023].record_key == "2023/leeds"
    assert evidence[leeds_2023].cited.provenance.locator == {"line": 2}  # type: ignore[union-attr]


def test_the_integrity_of_every_event_shown_is_checked_and_sealed(history: History) -> None:
    with history.store() as store:
        trail = build_trail(store, REFERENCE)

    assert trail.intact and trail.problems == []
    assert trail.seal is not None and history.seal is not None
    assert trail.seal["seal_id"] == history.seal.seal_id
    versions = [v for ev in trail.evidence for v in (ev.cited, *ev.later) if v is not None]
    for integrity in [e.integrity for e in trail.events] + [v.integrity for v in versions]:
        assert (integrity.intact, integrity.problems, integrity.sealed) == (True, (), True)


def test_a_learning_trail_names_the_actions_that_answer_it(history: History) -> None:
    with history.store() as store:
        trail = build_trail(store, REFERENCE)

    assert [r.reference for r in trail.related] == [
        "ACT-2025-031",
        "ACT-2025-032",
        "ACT-2025-033",
        "ACT-2025-036",
    ]
    first = trail.related[0]
    assert first.relation == "action that answers this learning item"
    assert first.stream_id == str(Action.stream_id("ACT-2025-031"))
    assert first.actor == "policy:actions" and first.found
    assert first.summary.startswith("raised for Leeds City Council Children and Families")
    assert first.integrity is not None and first.integrity.intact


def test_an_action_answering_three_items_names_each_and_the_index_links_it_to_each(
    history: History,
) -> None:
    # The tracker's 'Linked learning' for ACT-2025-036: "LRN-2025-014; LRN-2025-015;
    # LRN-2025-016". Of those, this history identifies LRN-2025-014 only: the other two are
    # named, not found.
    with history.store() as store:
        trail = build_trail(store, "ACT-2025-036")
        with store.read() as tx:
            links = tx.execute(
                "SELECT learning_reference, linked_by FROM lif_action_links "
                "WHERE action_reference = 'ACT-2025-036' ORDER BY notification_id"
            ).fetchall()
    assert [(r.reference, r.found) for r in trail.related] == [
        ("LRN-2025-014", True),
        ("LRN-2025-015", False),
        ("LRN-2025-016", False),
    ]
    assert [r.relation for r in trail.related] == ["the learning item this action answers"] * 3
    assert [e.type for e in trail.events[:3]] == [
        "Action.Raised",
        "Action.LearningAdded",
        "Action.LearningAdded",
    ]
    assert trail.events[1].summary == "answers LRN-2025-015 as well"
    assert links == [
        ("LRN-2025-014", "Action.Raised"),
        ("LRN-2025-015", "Action.LearningAdded"),
        ("LRN-2025-016", "Action.LearningAdded"),
    ]


def test_an_action_links_index_of_the_old_shape_is_read_again_into_the_new(
    history: History,
) -> None:
    """A store indexed before an action could answer several items has one row per action
    (primary key the action's stream): it is replaced and the log read again."""
    with history.store() as store:
        sync_event_ids(store)
        with store.transaction() as tx:
            tx.execute("DROP TABLE lif_action_links")
            tx.execute(
                "CREATE TABLE lif_action_links (action_stream_id TEXT PRIMARY KEY, "
                "action_reference TEXT NOT NULL, learning_reference TEXT, "
                "notification_id BIGINT NOT NULL)"
            )
        assert sync_event_ids(store) == store.max_notification_id()  # the whole log again
        assert sync_event_ids(store) == 0
        with store.read() as tx:
            shared = tx.execute(
                "SELECT learning_reference FROM lif_action_links "
                "WHERE action_reference = 'ACT-2025-036' ORDER BY notification_id"
            ).fetchall()
    assert shared == [("LRN-2025-014",), ("LRN-2025-015",), ("LRN-2025-016",)]


def test_a_policy_made_action_shows_the_tracker_rows_it_rests_on(history: History) -> None:
    with history.store() as store:
        trail = build_trail(store, "ACT-2025-031")

    assert trail.kind == "action"
    # Per export: the row is cited, then what it says is applied (the 30 September export's
    # 'Date completed' says 19/09/2025: completed on that day).
    assert [(e.type, e.actor) for e in trail.events] == [
        ("Action.Raised", "policy:actions"),
        ("Action.Cited", "policy:actions"),
        ("Action.ProgressReported", "policy:actions"),
        ("Action.Rescheduled", "policy:actions"),
        ("Action.Cited", "policy:actions"),
        ("Action.ProgressReported", "policy:actions"),
        ("Action.Cited", "policy:actions"),
        ("Action.ProgressReported", "policy:actions"),
        ("Action.Completed", "policy:actions"),
    ]
    assert trail.events[0].valid_time == "2025-03-31"
    assert trail.events[3].summary == "due date moved to 2025-09-30"
    assert trail.events[8].valid_time == "2025-09-19"
    # Each policy event's causation is the tracker row version it acted on.
    assert [ev.cited.version for ev in trail.evidence if ev.cited] == [1, 2, 3]
    assert [ev.status for ev in trail.evidence] == ["revised", "revised", "current"]
    exports = [
        "AP-CSPR-2024-02-exported-2025-03-31.csv",
        "AP-CSPR-2024-02-exported-2025-06-30.csv",
        "AP-CSPR-2024-02-exported-2025-09-30.csv",
    ]
    for ev, export in zip(trail.evidence, exports, strict=True):
        assert ev.source == "action-plans" and ev.record_key.endswith("ACT-2025-031")  # type: ignore[union-attr]
        assert ev.cited is not None and ev.cited.provenance is not None
        assert Path(ev.cited.provenance.origin or "").name == export
        assert ev.cited.provenance.locator == {"line": 5}
        assert ev.cited.provenance.plugin == "action-plans"
    assert trail.evidence[0].cited_by == tuple(e.event_id for e in trail.events[:3])
    assert [v.version for v in trail.evidence[0].later] == [2, 3]
    assert "(before them)" in trail.evidence[0].note  # the policy ran after all three exports
    [learning] = trail.related
    assert (learning.reference, learning.relation, learning.found) == (
        REFERENCE,
        "the learning item this action answers",
        True,
    )


def test_a_measure_trail_shows_its_target_and_the_correction(history: History) -> None:
    with history.store() as store:
        trail = build_trail(store, MEASURE)
    assert trail.kind == "measure"
    assert [e.summary for e in trail.events[:3]] == [
        "defined “Learning items identified” (how-much, count, higher-is-better)",
        "target set to 12",
        "corrected version 2 (Measure.TargetSet): target back to (none)",
    ]
    assert trail.events[1].corrected_by == (trail.events[2].event_id,)
    assert trail.evidence == () and trail.related == ()


def test_an_unknown_reference_is_a_clear_error_with_near_matches(history: History) -> None:
    with history.store() as store, pytest.raises(NotFoundError, match="Did you mean LRN-2025-014"):
        build_trail(store, "LRN-2025-041")
    with history.store() as store, pytest.raises(NotFoundError, match="not a learning item"):
        build_trail(store, "XYZ-1")
    result = history.lif("audit", "trail", "ACT-2025-013")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ACT-2025-013 does not exist. Did you mean ACT-2025-0")


def test_the_event_id_index_follows_the_log_and_rebuilds_from_it(history: History) -> None:
    with history.store() as store:
        sync_event_ids(store)
        assert sync_event_ids(store) == 0  # up to date: nothing read again
        before = locate_events(store, [history.events["accepted"]["event_id"]])
        with store.read() as tx:
            count = tx.execute("SELECT COUNT(*) FROM lif_event_ids").fetchone()
            position = tx.execute(
                "SELECT position FROM lif_tracking WHERE name = 'audit:event-ids'"
            ).fetchone()
        assert count == (store.max_notification_id(),)
        assert position == (store.max_notification_id(),)
        assert rebuild_event_ids(store) == store.max_notification_id()
        assert locate_events(store, [history.events["accepted"]["event_id"]]) == before
    [(_nid, stream, version)] = before.values()
    assert (stream, version) == (str(Learning.stream_id(REFERENCE)), 3)


def test_lif_audit_trail_prints_json_and_writes_a_self_contained_page(
    history: History, tmp_path: Path
) -> None:
    data = json.loads(done(history.lif("audit", "trail", REFERENCE, "--json")).stdout)
    with history.store() as store:
        expected = build_trail(store, REFERENCE).to_dict()
    data.pop("generated_at")
    expected.pop("generated_at")
    assert data == expected

    page = tmp_path / "out" / "trail.html"
    result = done(history.lif("audit", "trail", REFERENCE, "--html", str(page)))
    assert f"wrote the trail of {REFERENCE} to {page}" in result.stdout
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert "<style>" in html and "@media print" in html
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert "<caption>" in html and 'scope="col"' in html and 'aria-labelledby="events"' in html
    assert f"<h1>Audit trail: {REFERENCE}</h1>" in html
    assert "Referrals rose in 2024." in html
    assert "corrected version 3 (Learning.Accepted): status back to prioritised" in html
    assert f'id="ev-{history.events["accepted"]["event_id"]}"' in html
    assert "counts-2024.csv" in html and _sha256(history.files["first"]) in html
    assert "✓ intact" in html and "✗" not in html

    text = done(history.lif("audit", "trail", REFERENCE)).stdout
    assert "intact" in text and "toy-audit/area-count/2024/leeds [revised]" in text


# --- the trail of a source record ----------------------------------------------------------------


def test_a_source_record_trail_by_source_kind_and_key_shows_its_versions_and_who_cites_it(
    history: History,
) -> None:
    with history.store() as store:
        trail = build_trail(store, "toy-audit/area-count/2024/leeds")
    assert (trail.kind, trail.reference) == ("source-record", "toy-audit/area-count/2024/leeds")
    assert trail.stream_id == record_id("2024/leeds")
    assert [(e.version, e.type) for e in trail.events] == [
        (1, "SourceRecord.Recorded"),
        (2, "SourceRecord.Revised"),
    ]
    first, second = trail.events
    assert first.data["provenance"]["origin"] == str(history.files["first"].resolve())
    assert first.data["provenance"]["locator"] == {"line": 3}
    assert second.summary == "revised at the source: referrals 120 → 125"
    assert trail.intact
    [cited_by] = trail.related
    assert (cited_by.reference, cited_by.found) == (REFERENCE, True)
    assert cited_by.relation == "an item whose decisions cite this record"
    assert cited_by.stream_id == str(Learning.stream_id(REFERENCE))


def test_a_source_record_trail_by_its_id_is_the_same_trail(history: History) -> None:
    with history.store() as store:
        by_key = build_trail(store, "toy-audit/area-count/2024/leeds").to_dict()
        by_id = build_trail(store, record_id("2024/leeds")).to_dict()
    by_key.pop("generated_at")
    by_id.pop("generated_at")
    assert by_id == by_key


def test_a_source_record_no_decision_cites_has_no_related_items(history: History) -> None:
    with history.store() as store:
        trail = build_trail(store, "toy-audit/area-count/2024/bradford")  # cited by nobody
    assert [e.type for e in trail.events] == ["SourceRecord.Recorded"]
    assert trail.related == ()


def test_a_source_record_that_does_not_exist_is_named_part_by_part(history: History) -> None:
    with history.store() as store:
        with pytest.raises(NotFoundError) as missing:
            build_trail(store, "toy-audit/area-count/2024/york")
        with pytest.raises(NotFoundError) as not_a_record:
            build_trail(store, str(Learning.stream_id(REFERENCE)))
    assert str(missing.value).startswith(
        "no source record of the kind 'area-count' with the key '2024/york' from the source "
        "'toy-audit': check the three parts"
    )
    assert str(not_a_record.value).startswith(
        f"{Learning.stream_id(REFERENCE)} is the id of a Learning stream, not of a source record"
    )


def test_lif_audit_trail_of_a_source_record_prints_where_each_version_came_from(
    history: History,
) -> None:
    text = done(history.lif("audit", "trail", "toy-audit/area-count/2024/leeds")).stdout
    lines = text.splitlines()
    assert lines[0].startswith(
        f"toy-audit/area-count/2024/leeds (source-record, stream {record_id('2024/leeds')}): "
        "2 events"
    )
    first_sha = _sha256(history.files["first"])
    assert (
        f"v1 from counts-2024.csv (line 3), file sha256 {first_sha}, plugin toy-audit 1.0, "
        f"run {history.runs['first']}"
    ) in lines
    assert any(line.startswith("v2 from counts-2024-revised.csv (line 2)") for line in lines)
    assert f"→ an item whose decisions cite this record: {REFERENCE} " in text


def test_the_text_trail_to_a_pipe_is_full_width_with_event_ids_and_provenance(
    history: History,
) -> None:
    """Piped (not a terminal), every event is one whole line, never cut to 80 columns, with
    its event id; each cited record says its file's full sha256, plugin version and run."""
    text = done(history.lif("audit", "trail", REFERENCE)).stdout
    lines = text.splitlines()
    accepted = history.events["accepted"]["event_id"]
    [line] = [x for x in lines if f"event {accepted}" in x]
    assert len(line) > 80 and line.startswith("v3 | recorded ")
    assert "…" not in line
    assert f"file sha256 {_sha256(history.files['first'])}, plugin toy-audit 1.0" in text
    assert f"run {history.runs['first']}" in text


def test_control_characters_from_source_text_are_shown_escaped(history: History) -> None:
    from lif_app.cli._common import console
    from lif_app.cli.trail_text import print_trail, shown
    from lif_core.audit import build_trail

    assert shown("red\x1b[31m\r\nbell\x07\x9b") == "red\\x1b[31m\\r\\nbell\\x07\\x9b"
    with history.store() as store:
        trail = build_trail(store, REFERENCE).to_dict()
    trail["events"][0]["summary"] = "Identified \x1b]0;pwned\x07\x1b[2J"
    trail["events"][0]["rationale"] = "line one\rline two"
    with console.capture() as captured:
        print_trail(trail)
    out = captured.get()
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert "Identified \\x1b]0;pwned\\x07\\x1b[2J" in out
    assert "why line one\\rline two" in out
