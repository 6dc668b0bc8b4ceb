"""An action answering several learning items (the demo's ACT-2025-036) is shown under each:
in ``lif audit trail`` of every item, on each item's page and on the action's own page.

action-plans/AP-CSPR-2024-02-exported-2025-*.csv, 'Linked learning':
  ACT-2025-034 -> LRN-2025-015; ACT-2025-035 -> LRN-2025-016;
  ACT-2025-036 -> "LRN-2025-014; LRN-2025-015; LRN-2025-016".
"""

from __future__ import annotations

import json
import re

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from lif_app.cli.app import app
from lif_app.web.app import create_app


@pytest.mark.parametrize(
    ("reference", "actions"),
    [
        ("LRN-2025-015", ["ACT-2025-034", "ACT-2025-036"]),
        ("LRN-2025-016", ["ACT-2025-035", "ACT-2025-036"]),
    ],
)
def test_lif_audit_trail_of_an_item_names_the_shared_action_too(
    demo_store, reference: str, actions: list[str]
) -> None:
    result = CliRunner().invoke(
        app, ["--store", demo_store.url, "audit", "trail", reference, "--json"]
    )
    assert result.exit_code == 0, result.stderr
    related = json.loads(result.stdout)["related"]
    assert sorted(r["reference"] for r in related) == actions
    assert all(r["found"] and r["integrity"]["intact"] for r in related)


def test_the_item_pages_list_the_shared_action_and_its_page_lists_every_item(demo_store) -> None:
    with TestClient(create_app(demo_store.url)) as client:
        item = client.get("/learning/LRN-2025-015")
        action = client.get("/actions/ACT-2025-036")
        listed = client.get("/api/v1/action-status", params={"learning_references": "LRN-2025-016"})
    assert item.status_code == action.status_code == listed.status_code == 200
    table = item.text.split('<h2 id="actions">', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'href="/actions/([^"]+)"', table) == ["ACT-2025-034", "ACT-2025-036"]
    learning = action.text.split("<dt>Learning</dt>", 1)[1].split("</dd>", 1)[0]
    assert re.findall(r'href="/learning/([^"]+)"', learning) == [
        "LRN-2025-014",
        "LRN-2025-015",
        "LRN-2025-016",
    ]
    # the list column filters on each item it holds
    assert sorted(r["reference"] for r in listed.json()["rows"]) == ["ACT-2025-035", "ACT-2025-036"]


def test_the_api_gives_the_shared_action_every_item_it_answers(demo_store) -> None:
    with TestClient(create_app(demo_store.url)) as client:
        body = client.get("/api/v1/action-status/ACT-2025-036").json()
    assert body["learning"]["reference"] == "LRN-2025-014"  # raised against, as before
    assert [r["reference"] for r in body["answers"]] == [
        "LRN-2025-014",
        "LRN-2025-015",
        "LRN-2025-016",
    ]
