"""The publishable report: small numbers suppressed, nobody named, sealed, never half written."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lif_app.cli.app import app
from lif_app.web.readonly import open_read_only
from lif_app.web.report import build_report
from lif_core.audit.verify import latest_seal
from lif_core.domain import Learning
from lif_core.errors import RefusedError
from lif_core.eventlog.store import Store

THRESHOLD = 5
NOT_COUNTS = {"threshold", "last_notification_id", "event_count", "up_to_notification"}


class Counts(HTMLParser):
    """The text of every element marked as a published count."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: list[str] = []
        self._open: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        self._open.append("count" in classes)
        if "count" in classes:
            self.counts.append("")

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if any(self._open):
            self.counts[-1] += data


def published_counts(folder: Path) -> list[str]:
    found = []
    for page in sorted(folder.glob("*.html")):
        parser = Counts()
        parser.feed(page.read_text(encoding="utf-8"))
        found += [c.strip() for c in parser.counts]
    return found


def ints_in(data: Any, key: str = "") -> Iterator[tuple[str, int]]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield from ints_in(v, k)
    elif isinstance(data, list):
        for v in data:
            yield from ints_in(v, key)
    elif isinstance(data, int) and not isinstance(data, bool):
        yield key, data


def keys_in(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield k
            yield from keys_in(v)
    elif isinstance(data, list):
        for v in data:
            yield from keys_in(v)


@pytest.fixture(scope="module")
def store(demo_store) -> Iterator[Store]:
    with Store(demo_store.url) as s:
        yield s


@pytest.fixture(scope="module")
def report(demo_store) -> Path:
    """The report ``after_demo`` built into LIF_HOME/report, as `make demo` does."""
    return demo_store.report


def test_after_demo_builds_the_report_and_says_how_to_start_lif_serve(demo_store) -> None:
    text = demo_store.after_demo_output
    assert f"{demo_store.report / 'index.html'}" in text
    assert "lif serve" in text and "http://127.0.0.1:8000" in text
    # The demo was given only LIF_HOME: its store is $LIF_HOME/lif.db, which `lif serve` with
    # the same setting opens, so the hint needs no LIF_STORE.
    assert f"store            sqlite:///{demo_store.home}/lif.db" in demo_store.demo_output
    assert (demo_store.home / "lif.db").is_file()
    assert "LIF_STORE" not in text
    assert sorted(p.name for p in demo_store.report.iterdir()) == [
        ".lif-report.json",
        "actions.html",
        "data.json",
        "index.html",
        "learning.html",
        "report-cards.html",
        "seal.json",
        "style.css",
    ]


def test_the_demo_report_folder_is_per_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lif_app.web.demo_hook import report_folder
    from lif_core.config import StoreURL

    monkeypatch.setenv("LIF_HOME", str(tmp_path / "home"))
    sqlite = report_folder(StoreURL.parse(f"sqlite:///{tmp_path}/lif.db"))
    other_sqlite = report_folder(StoreURL.parse(f"sqlite:///{tmp_path}/b/lif.db"))
    pg = report_folder(StoreURL.parse("postgresql://u@127.0.0.1:5432/test?schema=lif"))
    other_pg = report_folder(StoreURL.parse("postgresql://u@127.0.0.1:5432/test?schema=demo"))
    assert len({sqlite, other_sqlite, pg, other_pg}) == 4
    assert all(p.parent == tmp_path / "home" / "report" for p in (sqlite, pg))
    assert sqlite.name.startswith("sqlite-lif-") and pg.name.startswith("postgresql-test-lif-")


def test_the_demo_hook_says_lif_serve_alone_for_the_store_in_lif_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``lif serve`` with no setting opens $LIF_HOME/lif.db, so for that store the hint needs no
    LIF_STORE; for a store elsewhere it names it. (Empty stores: no seal, so no report.)"""
    import io

    from rich.console import Console

    from lif_app.web.demo_hook import after_demo

    monkeypatch.delenv("LIF_STORE", raising=False)
    monkeypatch.setenv("LIF_HOME", str(tmp_path / "home"))
    hints = {}
    for name, url in (
        ("home", f"sqlite:///{tmp_path}/home/lif.db"),
        ("elsewhere", f"sqlite:///{tmp_path}/elsewhere/lif.db"),
    ):
        Store(url).close()
        out = io.StringIO()
        after_demo(url, Console(file=out, width=200))
        [hints[name]] = [
            line for line in out.getvalue().splitlines() if line.startswith("web view")
        ]
    assert hints["home"].split() == ["web", "view", ".venv/bin/lif", "serve", *SERVE_TAIL]
    assert hints["elsewhere"].split() == [
        *("web", "view", f"LIF_STORE='sqlite:///{tmp_path}/elsewhere/lif.db'", ".venv/bin/lif"),
        *("serve", *SERVE_TAIL),
    ]


SERVE_TAIL = ["(then", "http://127.0.0.1:8000;", "read-only)"]


def test_the_public_report_shows_action_and_learning_counts_as_they_are(
    report: Path, store: Store
) -> None:
    """Counts of actions and learning items are not people: even the small ones are published."""
    with store.read() as tx:
        # Totals by agency count each partner once, under its full name, and a shared action
        # ("A; B") once for each partner that shares it (issue 15).
        rows = tx.execute(
            "SELECT COALESCE(owner_partner_name, owner_agency), rag FROM action_status"
        ).fetchall()
        items = tx.execute("SELECT COUNT(*) FROM learning_register").fetchone()[0]
    cells = Counter(
        (agency, rag or "cancelled") for owners, rag in rows for agency in owners.split("; ")
    )
    assert any(0 < n < THRESHOLD for n in cells.values())
    data = json.loads((report / "data.json").read_text(encoding="utf-8"))
    published = {a["agency"]: a for a in data["actions_by_agency"]}
    for (agency, rag), n in cells.items():
        if rag != "cancelled":
            assert published[agency][rag] == n
    for agency, line in published.items():
        assert line["total"] == sum(n for (a, _), n in cells.items() if a == agency)
    assert data["dissemination"]["learning_items"] == items
    assert all(isinstance(t["learning_items"], int) for t in data["themes"])
    assert data["suppression"]["counts_of_people"][:2] == ["children", "young people"]


def test_no_small_count_of_people_is_published(report: Path) -> None:
    """Every measure that counts people: no period shows a count from 1 to 4."""
    data = json.loads((report / "data.json").read_text(encoding="utf-8"))
    people = [
        m
        for card in data["report_cards"]
        for c in card["categories"]
        for m in c["measures"]
        if m["counts"] in data["suppression"]["counts_of_people"]
    ]
    assert {m["reference"] for m in people} >= {"MEA-CPP-REPEAT", "MEA-SAFE-AT-SCHOOL"}
    for measure in people:
        if measure["unit"] != "count":
            continue
        for period in measure["periods"]:
            value = period["value"]
            assert value.startswith("withheld") or not 0 < float(value) < THRESHOLD, measure


@pytest.fixture(scope="module")
def people_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Rules that say "Times learning was shared" counts children: its small values are hidden."""
    path = tmp_path_factory.mktemp("rules") / "rules.toml"
    path.write_text('[measures]\nMEA-LEARNING-SHARED = "children"\n', encoding="utf-8")
    return path


def test_a_small_count_of_people_is_withheld_from_its_chart_and_table(
    demo_store, store: Store, people_rules: Path, tmp_path: Path
) -> None:
    with store.read() as tx:
        values = [
            v
            for (v,) in tx.execute(
                "SELECT value FROM impact_monitoring WHERE measure = 'MEA-LEARNING-SHARED' ORDER BY period_start"
            ).fetchall()
        ]
    small = sum(1 for v in values if 0 < v < THRESHOLD)
    assert small >= 1, values
    chart_of = re.compile(
        r'<svg[^>]*aria-labelledby="chart-MEA-LEARNING-SHARED-title[^"]*"[^>]*>.*?</svg>', re.S
    )
    built = {}
    for name, extra in (("people", ["--rules", str(people_rules)]), ("as-is", [])):
        out = tmp_path / name
        result = CliRunner().invoke(
            app, ["--store", demo_store.url, "report", "--out", str(out), *extra]
        )
        assert result.exit_code == 0, result.output
        chart = chart_of.search((out / "report-cards.html").read_text(encoding="utf-8"))
        assert chart is not None
        built[name] = chart.group(0)
    assert built["people"].count("<circle") == len(values) - small
    assert 'class="forecast"' not in built["people"], (
        "a forecast resting on a withheld value is hidden"
    )
    # Without the rule it counts learning shared, not people: every point is drawn.
    assert built["as-is"].count("<circle") == len(values)


def test_nobody_is_named_only_agencies(report: Path, store: Store) -> None:
    actors = set()
    for n in store.iter_notifications():
        actors.add(store.decode(n).actor)
    with store.read() as tx:
        actors |= {
            r[0]
            for r in tx.execute(
                "SELECT last_decision_by FROM learning_register WHERE last_decision_by IS NOT NULL"
            ).fetchall()
        }
    assert "demo:business-unit" in actors and len(actors) > 3
    for path in report.iterdir():
        text = path.read_text(encoding="utf-8")
        for actor in actors:
            assert actor not in text, f"{actor!r} named in {path.name}"
    data = json.loads((report / "data.json").read_text(encoding="utf-8"))
    for key in keys_in(data):
        assert not re.search(r"actor|_by$|rationale|progress|person|name_of", key), key
    assert json.loads((report / "seal.json").read_text())["actor"] == ""
    agencies = (report / "actions.html").read_text(encoding="utf-8")
    # The tracker says "West Yorkshire ICB"; the partner register's full name is published.
    assert "NHS West Yorkshire Integrated Care Board" in agencies


def test_the_report_states_its_seal_and_a_reader_can_check_it_against_the_log(
    report: Path, demo_store, store: Store
) -> None:
    seal = latest_seal(store)
    assert seal is not None
    index = (report / "index.html").read_text(encoding="utf-8")
    for value in (seal.seal_id, seal.digest, str(seal.last_notification_id)):
        assert value in index
    check = CliRunner().invoke(
        app, ["--store", demo_store.url, "audit", "verify", "--seal", str(report / "seal.json")]
    )
    assert check.exit_code == 0, check.output
    assert seal.seal_id in check.output


def test_a_report_past_the_latest_seal_is_refused(demo_store, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    source_path = demo_store.url.removeprefix("sqlite:///")
    with sqlite3.connect(source_path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    url = f"sqlite:///{copy}"
    with Store(url) as store:
        item = store.get(Learning, Learning.stream_id("CSPR-2024-02/LP04"))
        item.accept("Agreed at the subgroup.", "test:someone")
        store.save(item)
        from projections import project

        project(store)
    with open_read_only(url) as store, pytest.raises(RefusedError, match="lif audit seal"):
        build_report(store, tmp_path / "site")
    assert not (tmp_path / "site").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site")]


def test_a_store_never_sealed_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'unsealed.db'}"
    with Store(url) as store:
        from projections import project

        project(store)
    with open_read_only(url) as store, pytest.raises(RefusedError, match="no seal recorded"):
        build_report(store, tmp_path / "site")


def test_a_failed_build_leaves_the_previous_report_whole(
    demo_store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    shutil.copytree(demo_store.report, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def disk_full() -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("lif_app.web.report.stylesheet", disk_full)
    with open_read_only(demo_store.url) as store, pytest.raises(OSError, match="No space"):
        build_report(store, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"], "no temporary folder left behind"


def test_a_rebuild_replaces_the_report_it_wrote_before(demo_store, tmp_path: Path) -> None:
    out = tmp_path / "site"
    with open_read_only(demo_store.url) as store:
        build_report(store, out)
        (out / "index.html").write_text("an older report's page")
        result = build_report(store, out)
    assert result.out == out.resolve()
    assert "an older report" not in (out / "index.html").read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize(
    "held",
    [
        {"notes.txt": b"my notes"},  # a folder of the user's
        {"stale.html": b"not written by lif report"},
        {"lif.db": b"SQLite format 3\x00"},  # a store (by name or not, it is not ours)
    ],
)
def test_report_out_on_a_folder_with_other_files_refuses_and_deletes_nothing(
    demo_store, tmp_path: Path, held: dict[str, bytes]
) -> None:
    out = tmp_path / "site"
    out.mkdir()
    for name, body in held.items():
        (out / name).write_bytes(body)
    result = CliRunner().invoke(app, ["--store", demo_store.url, "report", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "choose a new or empty folder" in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert _tree(out) == held
    assert [p.name for p in tmp_path.iterdir()] == ["site"], "nothing written beside it"


def test_report_out_on_a_report_folder_with_a_file_added_refuses(
    demo_store, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    with open_read_only(demo_store.url) as store:
        build_report(store, out)
    (out / "mine.txt").write_text("added by hand")
    before = _tree(out)
    with open_read_only(demo_store.url) as store, pytest.raises(RefusedError, match=r"mine\.txt"):
        build_report(store, out)
    assert _tree(out) == before


def test_report_out_on_the_stores_own_folder_or_the_current_folder_refuses(
    demo_store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    url = f"sqlite:///{folder / 'lif.db'}"
    source_path = demo_store.url.removeprefix("sqlite:///")
    with sqlite3.connect(source_path) as source, sqlite3.connect(folder / "lif.db") as target:
        source.backup(target)
    before = _tree(folder)
    monkeypatch.chdir(folder)
    for out in (".", str(folder)):
        result = CliRunner().invoke(app, ["--store", url, "report", "--out", out])
        assert result.exit_code == 1, result.output
        assert "holds the store" in result.output
        after = _tree(folder)  # opening the store may add its -wal and -shm files, nothing else
        assert {k: after.get(k) for k in before} == before
        assert set(after) <= {"lif.db", "lif.db-wal", "lif.db-shm"}
    root = CliRunner().invoke(app, ["--store", url, "report", "--out", "/"])
    assert root.exit_code == 1 and "Traceback" not in root.output, root.output
    assert "choose a new or empty folder" in root.output


def test_lif_report_prints_where_it_wrote_and_the_seal(
    demo_store, tmp_path: Path, people_rules: Path
) -> None:
    result = CliRunner().invoke(
        app,
        [
            *("--store", demo_store.url, "report", "--out", str(tmp_path / "r"), "--json"),
            *("--rules", str(people_rules)),
        ],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["threshold"] == 5 and body["suppressed"] > 0
    assert "actor" not in body["seal"]
    bad = CliRunner().invoke(
        app, ["--store", demo_store.url, "report", "--out", str(tmp_path / "r"), "--threshold", "0"]
    )
    assert bad.exit_code == 2


def test_an_edited_read_table_is_refused_by_report_and_serve_naming_it(
    demo_store, tmp_path: Path
) -> None:
    from starlette.testclient import TestClient

    from lif_app.web.app import create_app
    from projections import TableDrifted

    copy = tmp_path / "copy.db"
    with sqlite3.connect(demo_store.url.removeprefix("sqlite:///")) as source:
        with sqlite3.connect(copy) as target:
            source.backup(target)
        edited = sqlite3.connect(copy)
        edited.execute("UPDATE action_status SET rag = 'green' WHERE rag = 'red'")
        edited.commit()
        edited.close()
    url = f"sqlite:///{copy}"
    with open_read_only(url) as store, pytest.raises(TableDrifted, match="action_status"):
        build_report(store, tmp_path / "site")
    assert not (tmp_path / "site").exists()
    with TestClient(create_app(url), raise_server_exceptions=False) as client:
        answer = client.get("/api/v1/action-status")
        assert answer.status_code == 409
        assert "read table action_status differs" in answer.json()["error"]["message"]
        assert client.get("/api/v1/learning-register").status_code == 200
        assert client.get("/actions").status_code == 409
