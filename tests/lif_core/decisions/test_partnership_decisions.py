"""The partnership's decisions: partners and the names they go by, channels, cascade, priorities, narratives."""

from __future__ import annotations

import pytest

from lif_core.decisions import Recorded, create, decide, declaration
from lif_core.domain import Learning, Measure, Priority
from lif_core.errors import NotFoundError, RefusedError
from lif_core.eventlog.store import Store

ACTOR = "cli:business.unit"


def _create(store: Store, key: str, **given: object) -> Recorded:
    return create(store, declaration(*key.split()), given, actor=ACTOR)


def _decide(store: Store, key: str, reference: str, **given: object) -> Recorded:
    return decide(store, declaration(*key.split()), reference, given, actor=ACTOR)


def _partners(store: Store) -> None:
    _create(
        store,
        "partner add",
        ref="LCH",
        name="Leeds Community Healthcare NHS Trust",
        sector="health",
        statutory="yes",
        learning_link_role="Named nurse for safeguarding",
    )
    _create(
        store,
        "partner add",
        ref="WYP",
        name="West Yorkshire Police",
        sector="police",
        statutory="yes",
        alias=["Police"],
    )


def _raise(store: Store, agency: str) -> Recorded:
    return _create(
        store,
        "action raise",
        description="d",
        owner_agency=agency,
        due="2025-09-30",
        raised_on="2025-04-01",
    )


def _identify(store: Store) -> str:
    return _create(
        store,
        "learning identify",
        title="Was not brought",
        statement="A missed appointment is a sign of neglect.",
        source_kind="review",
        identified_on="2025-01-15",
    ).reference


def test_with_no_partner_in_the_register_an_agency_is_taken_as_written(store: Store) -> None:
    assert _raise(store, "Anyone At All").reference == "ACT-2025-001"


def test_an_unknown_agency_is_refused_with_the_close_matches_listed(store: Store) -> None:
    _partners(store)
    with pytest.raises(RefusedError) as refused:
        _raise(store, "Leeds Comunity Healthcare NHS Trust")
    message = str(refused.value)
    assert "--owner-agency" in message
    assert "'Leeds Comunity Healthcare NHS Trust' is not a partner" in message
    assert "'Leeds Community Healthcare NHS Trust'" in message
    assert store.max_notification_id() == 2  # the two partners; nothing else was written


def test_every_name_of_a_partner_is_accepted_whatever_its_case_and_punctuation(
    store: Store,
) -> None:
    _partners(store)
    for name in ("LCH", "leeds community healthcare nhs-trust", "police", "West Yorkshire Police"):
        _raise(store, name)
    _decide(store, "partner alias", "LCH", alias="Leeds Community Healthcare")
    _raise(store, "Leeds Community Healthcare")
    assert store.max_notification_id() == 2 + 4 + 1 + 1


def test_a_name_belongs_to_one_partner_only(store: Store) -> None:
    _partners(store)
    with pytest.raises(RefusedError, match="'police' is already a name of WYP"):
        _decide(store, "partner alias", "LCH", alias="police")
    with pytest.raises(RefusedError, match="already a name of LCH"):
        _create(store, "partner add", ref="LCHT", name="LCH", sector="health")
    with pytest.raises(RefusedError, match="sector must be one of"):
        _create(store, "partner add", ref="X", name="Xanadu Trust", sector="castle")


def test_a_retired_partner_is_refused_for_new_actions_but_still_named(store: Store) -> None:
    _partners(store)
    _decide(store, "partner retire", "WYP", rationale="Left the partnership")
    with pytest.raises(RefusedError, match="has left the partnership"):
        _raise(store, "Police")
    with pytest.raises(RefusedError, match="needs a rationale"):
        _decide(store, "partner retire", "LCH")


def test_a_channel_must_be_in_the_vocabulary_and_any_spelling_of_one_is_accepted(
    store: Store,
) -> None:
    reference = _identify(store)
    _decide(store, "learning disseminate", reference, channel="7 minute briefing", on="2025-02-01")
    _decide(store, "learning disseminate", reference, channel="7-minute-briefing", on="2025-02-02")
    with pytest.raises(RefusedError, match="'carrier pigeon' is not a dissemination channel"):
        _decide(store, "learning disseminate", reference, channel="carrier pigeon")


def test_the_channel_vocabulary_is_extended_by_a_file_without_code(
    store: Store, tmp_path, monkeypatch
) -> None:
    extra = tmp_path / "channels.toml"
    extra.write_text('[[channel]]\nname = "podcast"\naliases = ["audio briefing"]\n')
    monkeypatch.setenv("LIF_CHANNELS", str(extra))
    reference = _identify(store)
    _decide(store, "learning disseminate", reference, channel="Audio Briefing")


def test_a_partner_confirms_its_cascade_once(store: Store) -> None:
    _partners(store)
    reference = _identify(store)
    recorded = _decide(
        store,
        "learning cascade",
        reference,
        partner="LCH",
        channel="single-agency cascade",
        on="2025-03-01",
        note="Briefed every health visiting team",
    )
    event = recorded.events[0]
    assert (event.partner, str(event.cascaded_on)) == ("LCH", "2025-03-01")
    with pytest.raises(RefusedError, match="already confirmed"):
        _decide(store, "learning cascade", reference, partner="LCH", channel="training")
    with pytest.raises(RefusedError) as refused:
        _decide(
            store, "learning cascade", reference, partner="Yorkshire Police", channel="training"
        )
    assert "Did you mean 'West Yorkshire Police'?" in str(refused.value)
    assert declaration("learning", "cascade").agency_of is not None  # partners record their own


def test_good_practice_needs_a_rationale_and_is_marked_once(store: Store) -> None:
    reference = _identify(store)
    with pytest.raises(RefusedError, match="needs a rationale"):
        _decide(store, "learning good-practice", reference)
    _decide(store, "learning good-practice", reference, rationale="Audit found it in 9 of 10")
    assert store.get(Learning, Learning.stream_id(reference)).good_practice is True
    with pytest.raises(RefusedError, match="already marked"):
        _decide(store, "learning good-practice", reference, rationale="again")


def test_a_priority_links_one_existing_item_at_a_time(store: Store) -> None:
    reference = _identify(store)
    _create(
        store, "priority set", ref="PRI-2025-01", title="Neglect", set_in="Annual report 2024-25"
    )
    _decide(store, "priority link", "PRI-2025-01", learning=reference, rationale="a neglect review")
    priority = store.get(Priority, Priority.stream_id("PRI-2025-01"))
    assert priority.links == [{"kind": "learning", "reference": reference}]
    with pytest.raises(RefusedError, match="name one item"):
        _decide(store, "priority link", "PRI-2025-01")
    with pytest.raises(NotFoundError, match="LRN-2025-999 does not exist"):
        _decide(store, "priority link", "PRI-2025-01", learning="LRN-2025-999")
    with pytest.raises(RefusedError, match="already linked"):
        _decide(store, "priority link", "PRI-2025-01", learning=reference)
    _decide(store, "priority unlink", "PRI-2025-01", learning=reference, rationale="moved")
    assert store.get(Priority, Priority.stream_id("PRI-2025-01")).links == []


def test_a_narrative_records_its_story_partners_and_action_plan_with_who_and_why(
    store: Store,
) -> None:
    _partners(store)
    store.save(
        Measure.define(
            reference="MEA-X",
            name="x",
            category="how-well",
            unit="%",
            polarity="higher-is-better",
            frequency="yearly",
            binding={"computed": "actions-on-time"},
            actor=ACTOR,
        )
    )
    action = _raise(store, "LCH").reference
    given = {"period": "2024-25", "story": "Fewer conferences on time after the restructure."}
    with pytest.raises(RefusedError, match="needs a rationale"):
        _decide(store, "measure narrate", "MEA-X", **given)
    with pytest.raises(RefusedError, match="'Leeds Police' is not a partner"):
        _decide(store, "measure narrate", "MEA-X", partner=["Leeds Police"], rationale="r", **given)
    with pytest.raises(NotFoundError, match="ACT-2025-404 does not exist"):
        _decide(store, "measure narrate", "MEA-X", action=["ACT-2025-404"], rationale="r", **given)
    recorded = _decide(
        store,
        "measure narrate",
        "MEA-X",
        partner=["LCH", "Police"],
        action=[action],
        what_works="Daily review of conferences due",
        rationale="Agreed at the performance subgroup",
        **given,
    )
    event = recorded.events[0]
    assert (event.partners, event.actions, event.actor) == (["LCH", "Police"], [action], ACTOR)
