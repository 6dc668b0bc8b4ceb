"""Each agency's link in the web view's "actions by owner agency" table lists exactly the actions
counted beside it, and the published report counts the same partners under the same names: a
partner's actions under every spelling of its name, a shared action under each of its partners,
an agency no partner answers to by its name as written."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from lif_app.web.app import create_app
from lif_core.domain import Action, Partner
from lif_core.eventlog.store import Store
from projections import project

ROW = re.compile(r'<tr><th scope="row"><a href="([^"]+)">([^<]+)</a></th>(.*?)</tr>')
CELL = re.compile(r'<td class="num">(\d+)</td>')


def _by_agency(client: TestClient) -> dict[str, tuple[str, int]]:
    """The web view's summary table: each agency's link and its 'All actions' count."""
    page = client.get("/actions")
    assert page.status_code == 200
    summary = page.text.split('<table class="summary">', 1)[1].split("</table>", 1)[0]
    assert "All actions" in summary
    out = {}
    for href, agency, cells in ROW.findall(summary):
        counts = [int(c) for c in CELL.findall(cells)]
        assert len(counts) == 6, cells  # red, amber, green, blue, overdue, all actions
        out[html.unescape(agency)] = (html.unescape(href), counts[-1])
    return out


def _followed(client: TestClient, href: str) -> list[str]:
    """The references the page behind ``href`` lists, checked against the API's answer to the
    same filter."""
    page = client.get(href)
    assert page.status_code == 200
    listed = page.text.split('<table class="actions">', 1)[1].split("</table>", 1)[0]
    on_page = re.findall(r'<th scope="row"><a href="/actions/([^"]+)">', listed)
    query = parse_qs(urlsplit(href).query)
    api = client.get("/api/v1/action-status", params={**query, "limit": "1000"}).json()
    assert api["total"] == len(on_page)
    assert sorted(r["reference"] for r in api["rows"]) == sorted(on_page)
    return sorted(on_page)


@pytest.fixture(scope="module")
def client(demo_store) -> Iterator[TestClient]:
    with TestClient(create_app(demo_store.url)) as c:
        yield c


JTAI = "JTAI-LEEDS-2025-02-03-"
# Worked by hand from the samples and the demo's partner register (lif_app/demo_partnership.py):
# Leeds City Council (LCC), whose actions are written "Leeds City Council Children and
# Families" (its alias: the action-plans tracker, the deep dives, the multi-agency audits, the
# demo's own ACT-2025-101) or "Leeds City Council" (the JTAI statement of action, HMI
# Probation's youth justice R3):
#   ACT-2025-031, ACT-2025-034 (tracker), ACT-2025-101 (demo), DD-2024-03/A02, DD-2025-01/A01,
#   JTAI A1.1, A1.2, A3.1, YJS R3, and the multi-agency audit areas with actions, shared with
#   other partners: MACA-2024-01 overall, quality of assessment, management oversight;
#   MACA-2024-02 voice of the child                                  = 9 + 4 = 13
# West Yorkshire Police: DD-2025-01/A02; HMICFRS AFI-1, AFI-2, AFI-3, CoC-1 (cancelled, still
#   listed and counted in 'All actions'); the same 4 MACA areas; Section 11 standards 4, 5 and
#   8; its single-agency audit's 2 areas (WYP-LDS-2024-07 overall, voice of the child) = 14
# Probation Service, West Yorkshire, written "Leeds Probation Delivery Unit" (HMI Probation's
#   PDU R1, and R2 Superseded: cancelled) and "National Probation Service" (Section 11
#   standard 7)                                                      = 3
MACA = [
    "MACA-2024-01-MANAGEMENT-OVERSIGHT",
    "MACA-2024-01-OVERALL",
    "MACA-2024-01-QUALITY-OF-ASSESSMENT",
    "MACA-2024-02-VOICE-OF-THE-CHILD",
]
BY_HAND = {
    "Leeds City Council": [
        "ACT-2025-031",
        "ACT-2025-034",
        "ACT-2025-101",
        "DD-2024-03/A02",
        "DD-2025-01/A01",
        "HMI-PROBATION-LEEDS-YOUTH-JUSTICE-SERVICE-2024-09-09-R3",
        JTAI + "A1-1",
        JTAI + "A1-2",
        JTAI + "A3-1",
        *MACA,
    ],
    "West Yorkshire Police": [
        "DD-2025-01/A02",
        "HMICFRS-WEST-YORKSHIRE-POLICE-2023-24-AFI-1",
        "HMICFRS-WEST-YORKSHIRE-POLICE-2023-24-AFI-2",
        "HMICFRS-WEST-YORKSHIRE-POLICE-2023-24-AFI-3",
        "HMICFRS-WEST-YORKSHIRE-POLICE-2023-24-COC-1",
        *MACA,
        "S11-2024-25-WEST-YORKSHIRE-POLICE-4",
        "S11-2024-25-WEST-YORKSHIRE-POLICE-5",
        "S11-2024-25-WEST-YORKSHIRE-POLICE-8",
        "WYP-LDS-2024-07-OVERALL",
        "WYP-LDS-2024-07-VOICE-OF-THE-CHILD",
    ],
    "Probation Service, West Yorkshire": [
        "HMI-PROBATION-LEEDS-PROBATION-DELIVERY-UNIT-2025-03-10-R1",
        "HMI-PROBATION-LEEDS-PROBATION-DELIVERY-UNIT-2025-03-10-R2",
        "S11-2024-25-NATIONAL-PROBATION-SERVICE-7",
    ],
}


def test_a_partners_link_lists_its_actions_under_every_spelling_worked_by_hand(
    client: TestClient,
) -> None:
    table = _by_agency(client)
    for partner, references in BY_HAND.items():
        href, counted = table[partner]
        assert counted == len(references) == len(set(references)), partner
        assert _followed(client, href) == sorted(references), partner


def test_every_agencys_link_in_the_web_view_and_the_report_lists_what_is_counted_beside_it(
    client: TestClient, demo_store
) -> None:
    table = _by_agency(client)
    assert len(table) == 12  # the demo's partners that own actions (its register has 13)
    for agency, (href, counted) in table.items():
        assert len(_followed(client, href)) == counted, agency
    report = json.loads((demo_store.report / "data.json").read_text(encoding="utf-8"))
    published = {row["agency"]: row["total"] for row in report["actions_by_agency"]}
    # The report prints the same names with the same totals, so the web view's link for a name
    # the report prints lists what the report counts.
    assert published == {agency: counted for agency, (_, counted) in table.items()}


def test_an_agency_no_partner_answers_to_is_linked_by_its_name_as_written(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'lif.db'}"
    with Store(url) as store:
        store.save(
            Partner.add(
                reference="LCC",
                name="Leeds City Council",
                sector="local-authority",
                statutory=True,
                learning_link_role=None,
                aliases=["Leeds City Council Children and Families"],
                actor="jane.smith",
            )
        )
        owners = {
            "ACT-1": "Leeds City Council Children and Families",  # LCC by its alias
            "ACT-2": "Leeds City Council",  # LCC by its name
            "ACT-3": "Leeds City Council Housing",  # no partner: as written
            "ACT-4": "Leeds City Council; Schools Forum",  # one part unknown: as written
            "ACT-5": "Leeds City Council Housing",
        }
        for reference, owner in owners.items():
            store.save(
                Action.raise_action(
                    reference=reference,
                    description="Do it",
                    owner_agency=owner,
                    due=date(2026, 3, 31),
                    raised_on=date(2025, 6, 1),
                    actor="jane.smith",
                )
            )
        project(store, reference_date=date(2026, 1, 31))
    with TestClient(create_app(url)) as c:
        table = _by_agency(c)
        # By hand: LCC owns ACT-1 and ACT-2 (2); "Leeds City Council Housing" as written owns
        # ACT-3 and ACT-5 (2); the half-known shared owner ACT-4 (1).
        assert {a: n for a, (_, n) in table.items()} == {
            "Leeds City Council": 2,
            "Leeds City Council Housing": 2,
            "Leeds City Council; Schools Forum": 1,
        }
        assert _followed(c, table["Leeds City Council"][0]) == ["ACT-1", "ACT-2"]
        assert _followed(c, table["Leeds City Council Housing"][0]) == ["ACT-3", "ACT-5"]
        assert _followed(c, table["Leeds City Council; Schools Forum"][0]) == ["ACT-4"]
