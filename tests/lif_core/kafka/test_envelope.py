"""The envelope: documented, schema-valid for every stream type, faithful to the stored event."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import toy_source
from jsonschema import Draft202012Validator

from lif_core.decisions.erasure import erase
from lif_core.domain import STREAM_TYPES, Action, Learning, Measure, Partner, Priority
from lif_core.eventlog.codec import split_state
from lif_core.eventlog.store import Store
from lif_core.ingestion import Origin, ingest_rows
from lif_core.kafka import ENVELOPE_SCHEMA, envelope_of
from lif_core.kafka.envelope import _ENCODER, encode_envelopes
from lif_core.plugins import Row
from lif_core.privacy.vault import ERASED, DataKeys

DOCS = Path(__file__).resolve().parents[3] / "docs" / "kafka.md"


def a_bit_of_everything(store: Store, toy: Any) -> None:
    toy_source.fill(store, toy, keys=3, rounds=2)
    # Rejected rows keep whatever the source sent, even text that looks like the encoding.
    odd = {"key": '{"_type_":"date_iso","_data_":"2024-01-01"}', "_type_": "uuid_hex", "n": "1.50"}
    bad = Row(values={"key": "x"}, raw=odd, locator={"line": 9}, origin="toy.jsonl")
    result = ingest_rows(store, toy, [bad], Origin("toy:bad", "b" * 64, dedupe=False))
    erase(store, run=result.run_id, rationale="the row named a child", actor="cli:dpo")
    learning = Learning.identify(
        reference="LRN-2025-001",
        title="Escalation",
        statement="Practitioners did not escalate.",
        themes=["escalation"],
        source_kind="rapid-review",
        identified_on=date(2025, 1, 5),
        actor="alice",
        correlation="cmd-1",
    )
    learning.prioritise("high", "Seen in three reviews", actor="alice", causation=["e-1"])
    action = Action.raise_action(
        reference="ACT-2025-001",
        description="Refresh the escalation policy",
        owner_agency="LSCP",
        due=date(2025, 6, 30),
        raised_on=date(2025, 1, 6),
        actor="bob",
        learning_reference="LRN-2025-001",
    )
    measure = Measure.define(
        reference="MEA-1",
        name="Escalations resolved in time",
        category="how-well",
        unit="percent",
        polarity="higher-is-better",
        frequency="P3M",
        binding={"computed": "escalations"},
        target=Decimal("92.50"),
        actor="carol",
    )
    partner = Partner.add(
        reference="LSCP",
        name="Leeds Safeguarding Children Partnership business unit",
        sector="other",
        statutory=False,
        learning_link_role="Learning and development officer",
        aliases=["LSCP business unit"],
        actor="alice",
    )
    priority = Priority.set(
        reference="PRI-2025-01", title="Neglect", description=None, set_in=None, actor="alice"
    )
    priority.link("learning", "LRN-2025-001", "a neglect review", actor="alice")
    store.save(learning, action, measure, partner, priority)


def test_the_docs_hold_the_envelope_schema() -> None:
    text = DOCS.read_text()
    block = re.search(
        r"<!-- envelope-schema:start -->\s*```json\n(.*?)```\s*<!-- envelope-schema:end -->",
        text,
        re.S,
    )
    assert block, "docs/kafka.md lost its schema block"
    assert json.loads(block.group(1)) == ENVELOPE_SCHEMA
    Draft202012Validator.check_schema(ENVELOPE_SCHEMA)
    assert set(ENVELOPE_SCHEMA["properties"]["stream_type"]["enum"]) == set(STREAM_TYPES)
    for name in ENVELOPE_SCHEMA["properties"]:
        assert f"`{name}`" in text, f"docs/kafka.md does not describe {name}"


def test_every_kind_of_event_makes_a_valid_faithful_envelope(tmp_path: Path, toy: Any) -> None:
    store = Store(f"sqlite:///{tmp_path}/lif.db")
    a_bit_of_everything(store, toy)
    validator = Draft202012Validator(ENVELOPE_SCHEMA)
    page = store.notifications(1, 1000)
    encoded = encode_envelopes(store, page)
    types = set()
    for notification, value in zip(page, encoded, strict=True):
        event = store.decode(notification)
        # The direct encoding gives the very bytes the decoded event would.
        assert value == _ENCODER.encode(envelope_of(notification, event)).encode()
        env = json.loads(value)
        own = set(vars(event)) - {"originator_id", "originator_version", "originator_topic"}
        own -= {"timestamp", "event_id", "actor", "causation", "correlation", "hash"}
        own -= {"valid_from", "valid_to", "_lif_body"}
        assert set(env["data"]) == own
        errors = [e.message for e in validator.iter_errors(env)]
        assert not errors, (env["type"], errors)
        types.add(env["type"])
        assert env["notification_id"] == notification.id
        assert env["event_id"] == str(event.event_id)
        assert env["stream_id"] == str(notification.originator_id)
        assert env["version"] == notification.originator_version
        assert env["type"] == type(event).__qualname__
        assert env["hash"] == split_state(notification.state)[1] == event.hash
        assert env["recorded_at"] == event.timestamp.isoformat()
        assert not {"event_id", "timestamp", "originator_id", "hash"} & set(env["data"])
        if hasattr(event, "valid_from"):
            assert env["valid_from"] == event.valid_from.isoformat()
        else:
            assert "valid_from" not in env and "valid_to" not in env
    assert {t.partition(".")[0] for t in types} == set(STREAM_TYPES)
    assert {"SourceRecord.Recorded", "SourceRecord.Revised", "IngestionRun.RecordRejected"} <= types

    by_type = {json.loads(v)["type"]: json.loads(v) for v in encoded}
    assert by_type["Measure.Defined"]["data"]["target"] == "92.50"  # a decimal keeps its digits
    assert by_type["Learning.Identified"]["data"]["identified_on"] == "2025-01-05"
    assert by_type["Learning.Prioritised"]["causation"] == ["e-1"]
    assert by_type["Learning.Identified"]["correlation"] == "cmd-1"
    # The rejected row travels sealed; once erased, no one can open it (the erasure says so).
    raw = by_type["IngestionRun.RecordRejected"]["data"]["raw"]
    assert set(raw) == {"$sealed", "data"} and raw["$sealed"].startswith("run:")
    assert DataKeys(store).open(raw) == ERASED
    erased = by_type["Erasure.Erased"]
    assert erased["data"]["keys"] == [raw["$sealed"]] and erased["actor"] == "cli:dpo"
    assert erased["data"]["rationale"] == "the row named a child"
    recorded = by_type["SourceRecord.Recorded"]
    assert recorded["valid_to"] is None and recorded["data"]["record_kind"] == "reading"
    assert recorded["actor"] == "plugin:toy-readings@0"
    store.close()
