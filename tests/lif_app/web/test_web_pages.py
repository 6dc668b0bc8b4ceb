"""The HTML pages: each one served, accessible in structure, and unable to change the store."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from lif_app.web.app import create_app
from lif_app.web.readonly import open_read_only
from lif_core.domain import Learning
from lif_core.errors import RefusedError, StoreError
from lif_core.eventlog.store import Store

PAGES = [
    "/",
    "/register",
    "/register?themes=Neglect&source_kind=review&status=disseminated&q=neglect&sort=reference",
    "/learning/LRN-2025-014",
    "/learning/CSPR-2024-02/LP04",
    "/actions",
    "/actions?owner_agency=LCH&rag=blue",
    "/actions/ACT-2025-101",
    "/impact",
    "/measures/MEA-ICPC-15WD",
    "/measures/MEA-LEARNING-SHARED",
    "/sources",
    "/sources?freshness=stale",
    "/rejections",
    "/rejections?status=",
]


class Outline(HTMLParser):
    """What a page is made of, for the accessibility checks."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.h1: list[str] = []
        self.tables = 0
        self.captions = 0
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.tables += tag == "table"
        self.captions += tag == "caption"
        self._in_h1 = self._in_h1 or tag == "h1"
        if tag == "h1":
            self.h1.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1[-1] += data

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]


@pytest.fixture(scope="module")
def client(demo_store) -> Iterator[TestClient]:
    with TestClient(create_app(demo_store.url), raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("path", PAGES)
def test_each_page_is_served_with_a_heading_captions_and_labelled_controls(
    client: TestClient, path: str
) -> None:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text[:2000]
    assert answer.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    page = Outline()
    page.feed(answer.text)
    assert page.all("html")[0]["lang"] == "en-GB"
    assert len(page.h1) == 1 and page.h1[0].strip()
    assert page.tables == page.captions, "every table has a caption"
    assert page.all("main") and page.all("nav")
    labels = {a["for"] for a in page.all("label")}
    for tag in ("select", "input"):
        for control in page.all(tag):
            assert control.get("id") in labels, f"{tag} {control} has no label"
    assert not [a for a in page.tags if a[1].get("style")], "no inline style (CSP)"
    assert "<script" not in answer.text, "the view works without JavaScript"


def test_the_register_filters_and_sorts_through_get_parameters(client: TestClient) -> None:
    text = client.get("/register?themes=Safer+sleeping").text
    assert "LRN-2025-018" in text and "LRN-2025-014" not in text
    assert "1 learning item match" in text
    ordered = client.get("/register?sort=reference").text
    assert ordered.index("CSPR-2024-02/LP04") < ordered.index("LRN-2024-031")


def test_actions_page_lists_overdue_actions_first(client: TestClient) -> None:
    text = client.get("/actions").text
    listing = text[text.index("overdue first, then by due date") :]
    body = listing[listing.index("<tbody>") : listing.index("</tbody>")]
    overdue = [row.startswith(' class="is-overdue"') for row in body.split("<tr")[1:]]
    # 50 actions stated by the sources' samples (6 tracker, 6 HMICFRS, 4 JTAI, 7 other
    # inspectorates, 5 CDOP, 7 Section 11, 5 Section 175, 4 + 6 audits), 5 deep dive actions
    # and ACT-2025-101
    assert len(overdue) == 56 and overdue[0]
    assert overdue == sorted(overdue, reverse=True)


def test_the_actions_page_links_every_learning_item_a_shared_action_answers(
    client: TestClient,
) -> None:
    # ACT-2025-036 (the CSPR-2024-02 tracker) answers LRN-2025-014, -015 and -016: its row links
    # each, not only the item it was raised against.
    text = client.get("/actions?reference=ACT-2025-036").text
    row = text[text.index('href="/actions/ACT-2025-036"') :]
    row = row[: row.index("</tr>")]
    for item in ("LRN-2025-014", "LRN-2025-015", "LRN-2025-016"):
        assert f'<a href="/learning/{item}">{item}</a>' in row


def test_measure_page_links_to_the_actions_and_evidence_behind_it(client: TestClient) -> None:
    text = client.get("/measures/MEA-ICPC-15WD").text
    assert 'href="/actions/ACT-2025-101"' in text
    assert 'href="/learning/LRN-2025-019"' in text
    assert "Source records the values of MEA-ICPC-15WD were read from" in text
    assert text.count('class="point"') == 3


def test_item_page_shows_the_audit_trail_as_a_timeline_with_provenance(
    client: TestClient,
) -> None:
    text = client.get("/learning/LRN-2025-014").text
    # the log's row: identified, cited, shared three times, its evidence of impact (6); the
    # review's learning point LP01 cited (1); the tracker's Blue rows of ACT-2025-032 and -036
    # linked as evidence (2); the demo's priority and evidence (2); the two partners' confirmations of its cascade (2, issue 15): 13
    assert text.count('class="trail-event') == 13
    assert "By demo:business-unit" in text and "Found in two reviews" in text
    assert "On evidence: practice-reviews review" in text
    assert "Hash verifies" in text


def test_bad_parameters_and_unknown_pages_get_a_page_that_says_why(client: TestClient) -> None:
    bad = client.get("/register?sort=shoe-size")
    assert bad.status_code == 400 and "cannot be sorted by" in bad.text
    missing = client.get("/learning/LRN-1999-001")
    assert missing.status_code == 404 and "no learning item" in missing.text
    nowhere = client.get("/nowhere")
    assert nowhere.status_code == 404 and "nothing at /nowhere" in nowhere.text


def test_a_trail_whose_index_is_behind_the_log_is_explained_not_a_500(
    demo_store, tmp_path: Path
) -> None:
    copy = tmp_path / "behind.db"
    with (
        sqlite3.connect(demo_store.url.removeprefix("sqlite:///")) as source,
        sqlite3.connect(copy) as target,
    ):
        source.backup(target)
    url = f"sqlite:///{copy}"
    with Store(url) as store:
        item = store.get(Learning, Learning.stream_id("CSPR-2024-02/LP04"))
        item.accept("Agreed at the subgroup.", "test:someone")
        store.save(item)
    with TestClient(create_app(url), raise_server_exceptions=False) as c:
        body = c.get("/api/v1/learning-register/LRN-2025-014").json()
        assert "lif audit trail LRN-2025-014" in body["trail"]["unavailable"]
        page = c.get("/learning/LRN-2025-014")
        assert page.status_code == 200 and "lif audit trail LRN-2025-014" in page.text


def test_the_application_cannot_write_to_its_store(demo_store) -> None:
    app = create_app(demo_store.url)
    store = app.state.store
    with pytest.raises(RefusedError, match="read-only"), store.transaction() as tx:
        tx.execute("DELETE FROM learning_register")
    with store.read() as tx:
        assert tx.execute("SELECT COUNT(*) FROM learning_register").fetchone()[0] > 0
    store.close()


def test_postgresql_is_opened_read_only_too(pg_url: str) -> None:
    with Store(pg_url) as writable, writable.transaction() as tx:
        tx.execute("CREATE TABLE web_probe (n INTEGER)")
    store = open_read_only(pg_url)
    try:
        for _ in range(6):  # every pooled connection refuses
            with pytest.raises(RefusedError), store.transaction() as tx:
                tx.execute("INSERT INTO web_probe VALUES (1)")
        with store.read() as tx:
            assert tx.execute("SELECT COUNT(*) FROM web_probe").fetchone()[0] == 0
    finally:
        store.close()


def test_every_pooled_postgresql_connection_starts_read_only(pg_url: str) -> None:
    """Not only our own transactions: each connection of the library's pool, those it made
    before the read-only option was set included, starts read-only, so the library's own
    save is refused as well (lif_app.web.readonly._pool_connections_read_only)."""
    with Store(pg_url) as writable:
        head = writable.max_notification_id()
    store = open_read_only(pg_url)
    try:
        datastore = store.recorder.datastore
        with contextlib.ExitStack() as held:  # all the pool may hold at once: 4 + 4 overflow
            connections = [held.enter_context(datastore.get_connection()) for _ in range(8)]
            settings = [
                c.execute("SHOW default_transaction_read_only").fetchone() for c in connections
            ]
        assert settings == [{"default_transaction_read_only": "on"}] * 8
        item = Learning.identify(
            reference="LRN-2025-099",
            title="Probe",
            statement="Written through the library's own save.",
            themes=["probe"],
            source_kind="review",
            identified_on=date(2025, 3, 3),
            actor="probe",
        )
        with pytest.raises(Exception, match="read-only transaction"):
            store.app.save(item)
        assert store.max_notification_id() == head
    finally:
        store.close()


def test_a_missing_store_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="lif demo"):
        create_app(f"sqlite:///{tmp_path / 'absent.db'}")
    assert not (tmp_path / "absent.db").exists()


def test_lif_serve_refuses_a_missing_store_before_listening(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from lif_app.cli.app import app

    result = CliRunner().invoke(app, ["--store", f"sqlite:///{tmp_path / 'none.db'}", "serve"])
    assert result.exit_code == 2
    assert "no store at" in result.output and "lif demo" in result.output


def test_a_store_without_read_tables_answers_503_saying_run_lif_project(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    Store(url).close()
    with TestClient(create_app(url), raise_server_exceptions=False) as c:
        api = c.get("/api/v1/learning-register")
        assert api.status_code == 503 and "lif project" in api.json()["error"]["message"]
        for path in ("/", "/register", "/impact", "/api/v1/seal"):
            page = c.get(path)
            assert page.status_code == 503 and "lif project" in page.text, path
