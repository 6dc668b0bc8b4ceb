"""A store built by the demo, once per session, for the web view, the API and the report."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

REPO = Path(__file__).resolve().parents[3]
REJECTED_FILE = REPO / "ingestors" / "samples" / "cdop" / "bad" / "cdop-errors.csv"


@dataclass(frozen=True)
class DemoStore:
    url: str
    home: Path
    report: Path
    after_demo_output: str
    demo_output: str


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> DemoStore:
    """The demo's store, with one file of rejected rows ingested, re-projected and sealed,
    then ``after_demo`` run on it as ``make demo`` does (the report into LIF_HOME/report)."""
    from lif_app.demo import run_demo
    from lif_app.web.demo_hook import after_demo, report_folder
    from lif_core import config
    from lif_core.audit.verify import make_seal
    from lif_core.eventlog.store import Store
    from lif_core.ingestion import ingest_file
    from lif_core.plugins.host import load_plugins
    from projections import project

    root = tmp_path_factory.mktemp("web-demo")
    home = root / "lif-home"
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True)
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    # `make demo` names no store: the demo's store is the default one, $LIF_HOME/lif.db.
    url = f"sqlite:///{home / 'lif.db'}"
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LIF_HOME", str(home))
        mp.setenv("DAGSTER_HOME", str(dagster_home))
        mp.delenv("LIF_STORE", raising=False)
        summary = run_demo(None, Console(file=out, width=160))
        assert summary["ok"], out.getvalue()[-3000:]
        with Store(url) as store:
            result = ingest_file(store, load_plugins().sources["cdop"], REJECTED_FILE)
            assert result.counts["rejected"] > 0, result.as_dict()
            project(store)
            make_seal(store, "test:web-fixture")
        hints = io.StringIO()
        after_demo(url, Console(file=hints, width=200))
        report = report_folder(config.store_url(url))
    return DemoStore(
        url=url,
        home=home,
        report=report,
        after_demo_output=hints.getvalue(),
        demo_output=out.getvalue(),
    )
