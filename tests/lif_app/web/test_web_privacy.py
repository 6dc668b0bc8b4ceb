"""The web view serves a rejected row opened with its key, and ``[erased]`` once it is erased."""

from __future__ import annotations

from pathlib import Path

from broken_plugins import good
from starlette.testclient import TestClient

from lif_app.web.app import create_app
from lif_core.decisions.erasure import erase
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.plugins.host import LoadedSource
from projections import project

SECRET = "Zebedee Quartermaine"


def test_the_rejections_api_opens_sealed_rows_and_says_erased_after(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/lif.db"
    path = tmp_path / "in.csv"
    path.write_text(f"Year,Area,Referrals\n2024,Leeds,10\n2024,{SECRET},lots\n", encoding="utf-8")
    with Store(url) as store:
        run_id = ingest_file(
            store, LoadedSource(good.SOURCE, "toy", "lif-plugin-toy", "1.0"), path
        ).run_id
        project(store)
    with TestClient(create_app(url), raise_server_exceptions=False) as client:
        [row] = client.get("/api/v1/rejections").json()["rows"]
        assert row["raw"] == {"Year": "2024", "Area": SECRET, "Referrals": "lots"}
        assert row["reasons"] == ["column 'referrals': 'lots' is not a whole number"]
        with Store(url) as store:
            erase(store, run=run_id, rationale="named a person", actor="cli:dpo")
        [row] = client.get("/api/v1/rejections").json()["rows"]
        assert (row["raw"], row["reasons"]) == ("[erased]", "[erased]")
        page = client.get("/rejections")
        assert page.status_code == 200 and SECRET not in page.text and "[erased]" in page.text
