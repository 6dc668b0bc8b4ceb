"""A source that states an action "in progress" with no progress note: the action is recorded in
progress (with a note saying what was stated and when), once, whatever the order of the runs.

Read from the shipped samples of the four sources whose trackers state a status and no progress
note: deep-dive, jtai, hmicfrs, other-inspections."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from lif_core.domain import Action
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.ingestion.samples import sample_inputs
from lif_core.plugins.host import load_plugins
from lif_core.policies import run_policies
from projections import context_for, project

SOURCES = ("deep-dive", "jtai", "hmicfrs", "other-inspections")
TODAY = date(2026, 1, 31)


def _said(on: str) -> str:
    return f"in progress in the source's statement of {on}, with no progress note"


JTAI = "JTAI-LEEDS-2025-02-03-"
HMICFRS_POLICE = "HMICFRS-WEST-YORKSHIRE-POLICE-2023-24-"
HMICFRS_FIRE = "HMICFRS-WEST-YORKSHIRE-FIRE-AND-RESCUE-SERVICE-2024-25-"
YJS = "HMI-PROBATION-LEEDS-YOUTH-JUSTICE-SERVICE-2024-09-09-"
PDU = "HMI-PROBATION-LEEDS-PROBATION-DELIVERY-UNIT-2025-03-10-"
YOI = "HMI-PRISONS-HMP-YOI-WETHERBY-2025-06-17-"

# (status, last progress note) of every action the four samples state, read off the files:
# ingestors/samples/deep-dive/actions.csv (no 'status as at' column: a row is stated on its
# 'Date agreed'):
#   DD-2024-03/A01 Complete, A02 Embedded, A03 Complete         -> completed, no note
#   DD-2025-01/A01 'In progress', agreed 28/03/2025              -> in-progress, stated 2025-03-28
#   DD-2025-01/A02 'Not started'                                 -> open
# ingestors/samples/jtai/leeds-jtai-tracker-2025-{06,12}.csv ('Status as at' 30/06, 15/12/2025):
#   A1.1 In progress 30/06, Complete 15/12                       -> completed, note of 2025-06-30
#   A1.2 Not started 30/06, In progress 15/12                    -> in-progress, note of 2025-12-15
#   A2.1 Complete 30/06, Complete and embedded 15/12             -> impact-verified, no note
#   A3.1 In progress 30/06, Complete 15/12                       -> completed, note of 2025-06-30
# ingestors/samples/hmicfrs/west-yorkshire-hmicfrs-tracker-2025-{03,09}.csv (31/03, 30/09/2025):
#   police AFI-1 In progress 31/03, Closed 30/09                 -> completed, note of 2025-03-31
#   police AFI-2 Closed 31/03                                    -> completed, no note
#   police AFI-3 Open 31/03, In progress 30/09                   -> in-progress, note of 2025-09-30
#   police CoC-1 Superseded 31/03                                -> cancelled, no note
#   fire AFI-1 In progress 31/03, Closed 30/09                   -> completed, note of 2025-03-31
#   fire AFI-2 Open 31/03                                        -> open
# ingestors/samples/other-inspections/…-tracker-2025-10.csv (as at 30/09/2025) and
# …-tracker-2026-01.csv (as at 15/01/2026):
#   youth justice R1 In progress 30/09, Closed 15/01             -> completed, note of 2025-09-30
#   youth justice R2 Open 30/09, In progress 15/01               -> in-progress, note of 2026-01-15
#   youth justice R3 Closed 30/09                                -> completed, no note
#   probation R1 In progress 30/09                               -> in-progress, note of 2025-09-30
#   probation R2 Open 30/09, Superseded 15/01                    -> cancelled, no note
#   Wetherby 1.1 Open 30/09                                      -> open
#   Wetherby 1.2 In progress 30/09                               -> in-progress, note of 2025-09-30
EXPECTED: dict[str, tuple[str, str | None]] = {
    "DD-2024-03/A01": ("completed", None),
    "DD-2024-03/A02": ("completed", None),
    "DD-2024-03/A03": ("completed", None),
    "DD-2025-01/A01": ("in-progress", _said("2025-03-28")),
    "DD-2025-01/A02": ("open", None),
    JTAI + "A1-1": ("completed", _said("2025-06-30")),
    JTAI + "A1-2": ("in-progress", _said("2025-12-15")),
    JTAI + "A2-1": ("impact-verified", None),
    JTAI + "A3-1": ("completed", _said("2025-06-30")),
    HMICFRS_POLICE + "AFI-1": ("completed", _said("2025-03-31")),
    HMICFRS_POLICE + "AFI-2": ("completed", None),
    HMICFRS_POLICE + "AFI-3": ("in-progress", _said("2025-09-30")),
    HMICFRS_POLICE + "COC-1": ("cancelled", None),
    HMICFRS_FIRE + "AFI-1": ("completed", _said("2025-03-31")),
    HMICFRS_FIRE + "AFI-2": ("open", None),
    YJS + "R1": ("completed", _said("2025-09-30")),
    YJS + "R2": ("in-progress", _said("2026-01-15")),
    YJS + "R3": ("completed", None),
    PDU + "R1": ("in-progress", _said("2025-09-30")),
    PDU + "R2": ("cancelled", None),
    YOI + "1-1": ("open", None),
    YOI + "1-2": ("in-progress", _said("2025-09-30")),
}
# None of the four sources has a progress-note column, so the only progress reports are these
# stated ones: exactly one for each action above with a note (once in progress, a later "in
# progress" changes nothing).
PROGRESSED = {reference for reference, (_, note) in EXPECTED.items() if note is not None}


def _ingest_one_by_one(store: Store) -> None:
    """Ingest the samples file by file, running the policies and the projections after each."""
    plugins = load_plugins()
    context = context_for(TODAY)
    for name in SOURCES:
        loaded = plugins.get(name)
        for path in sample_inputs(loaded.source):
            assert ingest_file(store, loaded, path).status == "completed", path
            run_policies(store)
            project(store, context=context)


def _statuses(store: Store) -> dict[str, tuple[str, str | None]]:
    with store.read() as tx:
        rows = tx.execute(
            "SELECT reference, status, last_progress_note FROM action_status"
        ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def _progress_reports(store: Store) -> Counter[str]:
    by_stream: Counter[Any] = Counter()
    for notification in store.iter_notifications():
        event = store.decode(notification)
        if isinstance(event, Action.ProgressReported):
            by_stream[event.originator_id] += 1
    return Counter(
        {store.get(Action, stream).reference: count for stream, count in by_stream.items()}
    )


@pytest.fixture
def loaded(store: Store) -> Store:
    _ingest_one_by_one(store)
    return store


def test_a_stated_in_progress_without_a_note_records_the_action_in_progress(
    loaded: Store,
) -> None:
    assert _statuses(loaded) == EXPECTED


def test_each_action_stated_in_progress_is_progressed_once(loaded: Store) -> None:
    assert _progress_reports(loaded) == Counter(dict.fromkeys(PROGRESSED, 1))


def test_policies_again_write_nothing_and_a_rebuild_equals_the_increments(loaded: Store) -> None:
    incremental = _statuses(loaded)
    top = loaded.max_notification_id()
    again = run_policies(loaded)
    assert again.events_written == {}
    assert loaded.max_notification_id() == top
    project(loaded, rebuild=True, context=context_for(TODAY))
    assert _statuses(loaded) == incremental == EXPECTED
