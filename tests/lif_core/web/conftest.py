"""A store built by the demo, once per session, for the web view, the API and the report."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

REPO = Path(__file__).resolve().parents[3]
# tests/lif_core (no __init__.py) on sys.path is a namespace package that can shadow the real
# lif_core, and tests/lif_core/web would then hide lif_core.web: the repository on sys.path, and
# the real folder added to a namespace already imported, make the real package win.
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))
import lif_core  # noqa: E402

if getattr(lif_core, "__file__", None) is None and str(REPO / "lif_core") not in lif_core.__path__:
    lif_core.__path__.append(str(REPO / "lif_core"))
REJECTED_FILE = REPO / "ingestors" / "samples" / "cdop" / "bad" / "cdop-errors.csv"


@dataclass(frozen=True)
class DemoStore:
    url: str
    home: Path
    report: Path
    after_demo_output: str


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> DemoStore:
    """The demo's store, with one file of rejected rows ingested, re-projected and sealed,
    then ``after_demo`` run on it as ``make demo`` does (the report into LIF_HOME/report)."""
    from lif_core.chain import make_seal
    from lif_core.demo import run_demo
    from lif_core.ingest import ingest_file
    from lif_core.plugins._manager import load_plugins
    from lif_core.store import Store
    from lif_core.web.demo_hook import after_demo
    from projections import project

    root = tmp_path_factory.mktemp("web-demo")
    home = root / "lif-home"
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True)
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    url = f"sqlite:///{root / 'lif.db'}"
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LIF_HOME", str(home))
        mp.setenv("DAGSTER_HOME", str(dagster_home))
        summary = run_demo(url, Console(file=out, width=160))
        assert summary["ok"], out.getvalue()[-3000:]
        with Store(url) as store:
            result = ingest_file(store, load_plugins().sources["cdop"], REJECTED_FILE)
            assert result.counts["rejected"] > 0, result.as_dict()
            project(store)
            make_seal(store, "test:web-fixture")
        hints = io.StringIO()
        after_demo(url, Console(file=hints, width=200))
    return DemoStore(url=url, home=home, report=home / "report", after_demo_output=hints.getvalue())
