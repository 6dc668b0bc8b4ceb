"""LIF_HOME alone places an installation: the default store ``$LIF_HOME/lif.db`` sits beside the
key file ``$LIF_HOME/kek.key``, so every later command finds both; LIF_STORE still wins."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from lif_app.cli.app import app

LEARNING_LOG = (
    Path(__file__).resolve().parents[3]
    / "ingestors/samples/learning-log/learning-log-exported-2025-09-30.xlsx"
)
# The first item's learning statement in the sample: free text, sealed in the event log under a
# data key wrapped by the KEK, so it reads back in clear only where the KEK is found.
STATEMENT = "rarely showed what the children in the household said"


@pytest.fixture
def only_lif_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No store and no key setting but LIF_HOME; the commands run from another folder."""
    for name in ("LIF_STORE", "LIF_KEK", "LIF_KEK_FILE", "LIF_KMS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LIF_PLUGINS_ALLOW", "learning-log")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    home = tmp_path / "home"
    monkeypatch.setenv("LIF_HOME", str(home))
    return home


def _lif(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _done(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def _store_with_the_sample() -> None:
    """Ingest the learning log and run the policies, with whatever the environment says."""
    _done(_lif("ingest", "learning-log", str(LEARNING_LOG)))
    _done(_lif("policies", "run"))


def test_with_only_lif_home_the_store_and_its_key_are_made_there_and_found_again(
    only_lif_home: Path, tmp_path: Path
) -> None:
    home = only_lif_home
    _store_with_the_sample()

    # Both files are in LIF_HOME, nothing under the working folder's .lif.
    assert (home / "lif.db").is_file() and (home / "kek.key").is_file()
    assert not (tmp_path / "work" / ".lif").exists()
    with sqlite3.connect(home / "lif.db") as db:
        assert db.execute("SELECT COUNT(*) FROM lif_data_keys").fetchone()[0] > 0
    # The statement is stored sealed, never in clear, in the store's events.
    assert STATEMENT.encode() not in (home / "lif.db").read_bytes()

    # Later commands with the same setting find the store and the KEK: the projection opens
    # the sealed statement, the chain verifies, and the status counts what was ingested.
    _done(_lif("project"))
    out = tmp_path / "register.csv"
    _done(_lif("export", "learning_register", "--out", str(out)))
    assert STATEMENT in out.read_text(encoding="utf-8")
    verified = _done(_lif("audit", "verify"))
    assert verified.stdout.startswith("intact: "), verified.stdout
    status = _done(_lif("status"))
    assert str(home / "lif.db") in status.stdout


def test_lif_store_wins_over_the_store_in_lif_home(only_lif_home: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "lif.db"
    _done(_lif("--store", f"sqlite:///{elsewhere}", "ingest", "learning-log", str(LEARNING_LOG)))
    assert elsewhere.is_file()
    assert not (only_lif_home / "lif.db").exists()
    # The key file still follows LIF_HOME.
    assert (only_lif_home / "kek.key").is_file()


def test_lif_store_from_the_environment_wins_too(
    only_lif_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "env-store.db"
    monkeypatch.setenv("LIF_STORE", f"sqlite:///{elsewhere}")
    _done(_lif("ingest", "learning-log", str(LEARNING_LOG)))
    assert elsewhere.is_file()
    assert not (only_lif_home / "lif.db").exists()


def test_a_store_opened_under_another_kek_is_refused_naming_the_store_and_the_key_file(
    only_lif_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = only_lif_home
    _store_with_the_sample()
    _done(_lif("project"))
    before = _events_and_register(first / "lif.db")

    # The store of the first home, opened with a second home: its own, new key file.
    second = tmp_path / "second-home"
    monkeypatch.setenv("LIF_HOME", str(second))
    monkeypatch.setenv("LIF_STORE", f"sqlite:///{first / 'lif.db'}")
    refused = _lif("project", "--rebuild")

    assert refused.exit_code == 2, refused.output
    message = " ".join(refused.stderr.split())
    assert "does not unwrap under the key-encryption key" in message
    assert f"of the store sqlite:///{first / 'lif.db'}" in message
    assert f"from the key file {second / 'kek.key'}" in message
    assert "$LIF_HOME/lif.db" in message and "$LIF_HOME/kek.key" in message
    assert "Traceback" not in refused.output
    # Nothing of the store was lost: the events and the register are as they were, and the
    # first home's key file opens it again.
    assert _events_and_register(first / "lif.db") == before
    monkeypatch.setenv("LIF_HOME", str(first))
    _done(_lif("project", "--rebuild"))
    assert _events_and_register(first / "lif.db") == before
    _done(_lif("audit", "verify"))


def _events_and_register(db: Path) -> tuple[int, int]:
    """How many events the store holds, and how many rows its learning register."""
    with sqlite3.connect(db) as conn:
        events = conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
        register = conn.execute("SELECT COUNT(*) FROM learning_register").fetchone()[0]
    assert events > 0 and register > 0
    return events, register
