"""The web view and the API on PostgreSQL: the same rows, filters, pages and errors as on SQLite."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from starlette.testclient import TestClient

from lif_app.web.app import create_app
from lif_app.web.tables import LISTINGS
from lif_core.eventlog.store import Store

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo's flow on a PostgreSQL schema of its own (dropped afterwards): every sample
    through Dagster, the scripted decisions, the projections, a seal, then ``after_demo``."""
    import psycopg

    from dagster_project.run import materialize_all
    from lif_app.demo import BUSINESS_UNIT, record_decisions
    from lif_app.web.demo_hook import after_demo
    from lif_core.audit.verify import make_seal
    from lif_core.config import StoreURL

    admin = os.environ.get("LIF_TEST_POSTGRES", "postgresql://root@127.0.0.1:5432/test")
    u = StoreURL.parse(admin)
    try:
        psycopg.connect(
            host=u.host, port=u.port, user=u.user, dbname=u.dbname, connect_timeout=3
        ).close()
    except psycopg.Error as exc:
        pytest.fail(f"PostgreSQL at {u.masked} is required by the suite and unreachable: {exc}")
    schema = f"t_web_{uuid.uuid4().hex[:10]}"
    url = f"{admin}{'&' if '?' in admin else '?'}schema={schema}"
    home = tmp_path_factory.mktemp("pg-web") / "lif-home"
    (home / "dagster").mkdir(parents=True)
    (home / "dagster" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("LIF_HOME", str(home))
            mp.setenv("DAGSTER_HOME", str(home / "dagster"))
            assert materialize_all(url, samples=True).success
            with Store(url) as store:
                record_decisions(store)
            assert materialize_all(url, samples=True).success
            with Store(url) as store:
                make_seal(store, BUSINESS_UNIT)
            after_demo(url, Console(file=io.StringIO()))
        yield url
    finally:
        with psycopg.connect(
            host=u.host, port=u.port, user=u.user, dbname=u.dbname, autocommit=True
        ) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="module")
def client(pg_demo_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(pg_demo_url), raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("listing", LISTINGS, ids=lambda item: item.path)
def test_each_listing_pages_through_all_its_rows(
    client: TestClient, pg_demo_url: str, listing
) -> None:
    with Store(pg_demo_url) as store, store.read() as tx:
        (expected,) = tx.execute(f"SELECT COUNT(*) FROM {listing.table}").fetchone()
    seen = 0
    url: str | None = f"/api/v1/{listing.path}?limit=4"
    while url:
        body = client.get(url).json()
        assert body["total"] == expected
        seen += len(body["rows"])
        url = body["next"]
    assert seen == expected


def test_filters_search_and_sort_work_the_same(client: TestClient) -> None:
    neglect = client.get("/api/v1/learning-register?themes=neglect&sort=-reference").json()
    refs = [r["reference"] for r in neglect["rows"]]
    assert "LRN-2025-014" in refs and refs == sorted(refs, reverse=True)
    assert all("neglect" in r["themes"].lower() for r in neglect["rows"])
    found = client.get("/api/v1/learning-register?q=APPOINTMENTS&date_identified=2025-01-15").json()
    assert "LRN-2025-014" in {r["reference"] for r in found["rows"]}
    assert client.get("/api/v1/impact-monitoring?value=85.3").json()["total"] == 1
    assert client.get("/api/v1/action-status?q=%25_%5C").json()["total"] == 0


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/register?themes=Neglect&q=neglect",
        "/learning/LRN-2025-014",
        "/learning/CSPR-2024-02/LP04",
        "/actions",
        "/actions/ACT-2025-032",
        "/impact",
        "/measures/MEA-ICPC-15WD",
        "/sources",
        "/rejections",
        "/api/v1/seal",
        "/api/v1/report-cards",
        "/api/v1/measures/MEA-ICPC-15WD",
        "/api/v1/learning-register/LRN-2025-014",
    ],
)
def test_every_page_and_detail_is_served(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text[:1000]


def test_the_item_page_shows_the_audit_trail_read_only(client: TestClient) -> None:
    trail = client.get("/api/v1/learning-register/LRN-2025-014").json()["trail"]
    assert trail is not None and "unavailable" not in trail, trail
    # as in test_web_pages: the log's row (6), the review's point (1), the tracker's Blue rows
    # (2) and the demo's two decisions (2), its two cascades (2)
    assert trail["intact"] and len(trail["events"]) == 13
    page = client.get("/learning/LRN-2025-014").text
    assert page.count('class="trail-event') == 13


def test_bad_parameters_are_400_not_500(client: TestClient) -> None:
    for path in (
        "/api/v1/learning-register?actions_total=x",
        "/api/v1/learning-register?sort=nope",
        "/register?sort=nope",
    ):
        assert client.get(path).status_code == 400, path
    assert client.post("/api/v1/learning-register").status_code == 405


def test_the_report_builds_from_postgresql(pg_demo_url: str, tmp_path: Path) -> None:
    from lif_app.web.readonly import open_read_only
    from lif_app.web.report import build_report

    with open_read_only(pg_demo_url) as store:
        result = build_report(store, tmp_path / "site")
    assert (result.out / "report-cards.html").read_text(encoding="utf-8").count("<svg") == 5
    assert "demo:business-unit" not in (result.out / "data.json").read_text(encoding="utf-8")
