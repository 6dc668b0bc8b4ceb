"""A scripted history on a real store, the same on SQLite and PostgreSQL, for every audit test.

What happens, in order (each step's recorded time is kept, so as-of and diff can be asked
about the moments in between):

1. ``first``: a toy source's file is ingested (three yearly referral counts).
2. ``decided``: LRN-2025-014 is identified, prioritised and accepted through the CLI, each
   decision citing a source record as evidence.
3. ``revised``: a second file changes Leeds 2024 from 120 to 125 (a Revised event).
4. ``corrected``: the acceptance is corrected (it should have been a decline), then declined,
   citing the revised record; a measure is defined, given a target by mistake, and corrected.
5. ``actions``: the action-plan tracker samples are ingested and the action-plans policy
   raises and progresses actions against LRN-2025-014.
6. A seal is recorded.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import Result
from pydantic import BaseModel, ConfigDict
from typer.testing import CliRunner

from lif_app.cli.app import app
from lif_core.audit.verify import Seal
from lif_core.config import StoreURL
from lif_core.domain import SourceRecord
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.plugins import Columns, Emit, InputOptions, RecordKind, Row, Source, ValidTime
from lif_core.plugins.host import LoadedSource, load_plugins
from lif_core.policies import run_policies

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "ingestors" / "samples" / "action-plans"
ACTOR = "chair"
REFERENCE = "LRN-2025-014"
MEASURE = "MEA-TOY-IDENTIFIED"


class AreaCount(BaseModel):
    """Children referred in one area in one year."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int
    area: str
    referrals: int


def _map_row(row: Row) -> list[Emit]:
    v = row.values
    return [
        Emit(
            "area-count",
            {"year": int(v["year"]), "area": str(v["area"]), "referrals": int(v["referrals"])},
        )
    ]


TOY = LoadedSource(
    Source(
        name="toy-audit",
        title="Toy yearly counts",
        provider="The audit tests",
        kinds=(
            RecordKind(
                name="area-count",
                model=AreaCount,
                key=lambda r: f"{r.year}/{r.area.casefold()}",
                valid_time=lambda r: ValidTime(date(r.year, 1, 1), date(r.year, 12, 31)),
                description="Referrals in one area in one year.",
            ),
        ),
        inputs=InputOptions(
            formats=("csv",),
            columns=Columns(
                variants={"year": ("Year",), "area": ("Area",), "referrals": ("Referrals",)},
                required=("year", "area", "referrals"),
            ),
        ),
        map_row=_map_row,
        description="Yearly referral counts per area, for the audit tests.",
    ),
    plugin="toy-audit",
    distribution="lif-audit-toy",
    version="1.0",
)

Lif = Callable[..., Result]


def lif_for(url: str) -> Lif:
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), env={"LIF_STORE": url, "LIF_ACTOR": ACTOR})

    return run


def done(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def record_id(key: str) -> str:
    return str(SourceRecord.record_id("toy-audit", "area-count", key))


@dataclass
class History:
    url: str
    tmp: Path
    files: dict[str, Path] = field(default_factory=dict)
    runs: dict[str, str] = field(default_factory=dict)
    times: dict[str, datetime] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    seal: Seal | None = None

    @property
    def lif(self) -> Lif:
        return lif_for(self.url)

    def store(self) -> Store:
        return Store(self.url)


def build_history(url: str, tmp: Path) -> History:
    h = History(url, tmp)
    lif = h.lif
    h.files["first"] = tmp / "counts-2024.csv"
    h.files["first"].write_text(
        "Year,Area,Referrals\n2023,Leeds,100\n2024,Leeds,120\n2024,Bradford,80\n"
    )
    h.files["second"] = tmp / "counts-2024-revised.csv"
    h.files["second"].write_text("Year,Area,Referrals\n2024,Leeds,125\n")
    h.times["start"] = datetime.now(UTC)
    with Store(url) as store:
        result = ingest_file(store, TOY, h.files["first"])
        assert result.status == "completed", result.message
        h.runs["first"] = result.run_id
    h.times["first"] = datetime.now(UTC)

    def decide(name: str, *args: str) -> None:
        h.events[name] = json.loads(done(lif(*args, "--json")).stdout)

    decide(
        "identified",
        "learning",
        "identify",
        "--ref",
        REFERENCE,
        "--title",
        "Children not brought to appointments",
        "--statement",
        "Missed health appointments were not seen as possible neglect.",
        "--theme",
        "neglect",
        "--source-kind",
        "review",
        "--identified-on",
        "2025-01-15",
        "--evidence",
        record_id("2024/leeds"),
    )
    decide(
        "prioritised",
        "learning",
        "prioritise",
        REFERENCE,
        "--priority",
        "high",
        "--rationale",
        "Found in two reviews.",
        "--evidence",
        record_id("2023/leeds"),
    )
    decide(
        "accepted",
        "learning",
        "accept",
        REFERENCE,
        "--rationale",
        "Referrals rose in 2024.",
        "--evidence",
        record_id("2024/leeds"),
    )
    h.times["decided"] = datetime.now(UTC)
    with Store(url) as store:
        result = ingest_file(store, TOY, h.files["second"])
        assert result.counts["revised"] == 1, result.message
        h.runs["second"] = result.run_id
    h.times["revised"] = datetime.now(UTC)
    decide(
        "corrected",
        "learning",
        "correct",
        REFERENCE,
        "--event",
        h.events["accepted"]["event_id"],
        "--reason",
        "Accepted by mistake: the subgroup had agreed to decline it.",
    )
    decide(
        "declined",
        "learning",
        "decline",
        REFERENCE,
        "--rationale",
        "Covered by the neglect strategy.",
        "--evidence",
        record_id("2024/leeds"),
    )
    decide(
        "defined",
        "measure",
        "define",
        "--ref",
        MEASURE,
        "--name",
        "Learning items identified",
        "--category",
        "how-much",
        "--computed",
        "learning-identified",
        "--baseline-periods",
        "2",
    )
    decide(
        "target",
        "measure",
        "set-target",
        MEASURE,
        "--target",
        "12",
        "--rationale",
        "Typed in error.",
    )
    decide(
        "target_corrected",
        "measure",
        "correct",
        MEASURE,
        "--event",
        h.events["target"]["event_id"],
        "--reason",
        "The board set no target yet.",
    )
    h.times["corrected"] = datetime.now(UTC)
    plans = load_plugins(allow={"action-plans"}, third_party=False).get("action-plans")
    with Store(url) as store:
        for path in sorted(SAMPLES.glob("*.csv")):
            assert ingest_file(store, plans, path).status == "completed"
        run_policies(store, ["actions"])
    h.times["actions"] = datetime.now(UTC)
    h.seal = Seal.from_json(done(lif("audit", "seal", "--json")).stdout)
    return h


def _pg_admin_url() -> str:
    return os.environ.get("LIF_TEST_POSTGRES", "postgresql://root@127.0.0.1:5432/test")


@contextmanager
def store_of(kind: str, tmp: Path) -> Iterator[str]:
    """A fresh store URL of one kind (a PostgreSQL schema is dropped afterwards)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp}/lif.db"
        return
    base = _pg_admin_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield f"{base}{'&' if '?' in base else '?'}schema={schema}"
    u = StoreURL.parse(base)
    with psycopg.connect(
        host=u.host, port=u.port, user=u.user, dbname=u.dbname, autocommit=True
    ) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def history(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[History]:
    """The scripted history, built once per module and database (tests only read it)."""
    tmp = tmp_path_factory.mktemp(f"audit-{request.param}")
    with store_of(request.param, tmp) as url:
        yield build_history(url, tmp)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_history(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[History]:
    """The scripted history on a store this test alone may change (tamper with)."""
    with store_of(request.param, tmp_path) as url:
        yield build_history(url, tmp_path)
