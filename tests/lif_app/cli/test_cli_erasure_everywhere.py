"""Issue 17's done-when: after ``lif privacy erase`` the erased text is nowhere — not in the
database's bytes (the SQLite files, a pg_dump), an export, the report or a pack — and
``lif audit verify`` passes, on both stores. The text is a real source's free text that the
policies carry into the learning register."""

from __future__ import annotations

import json
import re
from pathlib import Path

from database_bytes import database_bytes
from typer.testing import CliRunner

from lif_app.cli.app import app
from lif_core.eventlog.store import Store

LEARNING_LOG = (
    Path(__file__).resolve().parents[3]
    / "ingestors/samples/learning-log/learning-log-exported-2025-09-30.xlsx"
)
# The first item's learning statement in the sample (a FreeText field): the register's
# statement and title are made from it.
ERASED_TEXT = "rarely showed what the children in the household said"
KEPT_TEXT = "One in ten Year 10 pupils said someone online had"  # another item's statement
ENV = {"LIF_PLUGINS_ALLOW": "learning-log"}


def _lif(store: str, *args: str) -> str:
    result = CliRunner().invoke(app, ["--store", store, *args], env=ENV)
    assert result.exit_code == 0, result.output
    return result.stdout


def _everything(store_url: str, out: Path) -> bytes:
    """The database bytes, an export of the register, the report and a pack of the item."""
    _lif(store_url, "project")
    _lif(store_url, "export", "learning_register", "--out", str(out / "register.csv"))
    _lif(store_url, "audit", "seal")
    _lif(store_url, "report", "--out", str(out / "report"))
    _lif(store_url, "audit", "pack", "LRN-2024-031", "--out", str(out / "pack"))
    files = [p for p in out.rglob("*") if p.is_file()]
    with Store(store_url) as store:
        stored = database_bytes(store)
    return stored + b"".join(p.read_bytes() for p in files)


def test_erased_text_is_nowhere_and_every_chain_verifies(store_url: str, tmp_path: Path) -> None:
    _lif(store_url, "ingest", "learning-log", str(LEARNING_LOG))
    _lif(store_url, "policies", "run")
    before = _everything(store_url, tmp_path / "before")
    # Published while the key lives (the register and the report show the statement)...
    assert ERASED_TEXT.encode() in before and KEPT_TEXT.encode() in before
    erased = json.loads(
        _lif(
            store_url, "privacy", "erase", "--matching", ERASED_TEXT,
            "--rationale", "erasure request (test)", "--json",
        )
    )  # fmt: skip
    assert len(erased["destroyed"]) == 1 and erased["destroyed"][0].startswith("record:")
    after = _everything(store_url, tmp_path / "after")
    assert ERASED_TEXT.encode() not in after
    assert ERASED_TEXT[:30].encode() not in after  # nor the title cut from it
    assert KEPT_TEXT.encode() in after  # the other items are as they were
    register = (tmp_path / "after" / "register.csv").read_text(encoding="utf-8")
    assert "[erased]" in register
    assert "intact" in _lif(store_url, "audit", "verify")

    # A trail (and so a pack) carries the sealed form, never the text: before the erasure it
    # says where the text was sealed, after it that the key was destroyed (the same key).
    def sealed_under(text: str) -> str:
        return text.split("identified “[sealed under ", 1)[1].split("]", 1)[0]

    pack_before = (tmp_path / "before" / "pack").rglob("*")
    text_before = "".join(p.read_text(encoding="utf-8") for p in pack_before if p.is_file())
    key = sealed_under(text_before)
    assert key.startswith("record:") and key in erased["destroyed"]
    trail = _lif(store_url, "audit", "trail", "LRN-2024-031")
    assert "[sealed under" not in trail
    [erased_words] = re.findall(rf"identified “(\[erased on \d{{4}}-\d\d-\d\d: {key}\])", trail)
    pack_after = (tmp_path / "after" / "pack").rglob("*")
    text_after = "".join(p.read_text(encoding="utf-8") for p in pack_after if p.is_file())
    assert erased_words in text_after and "[sealed under" not in text_after
    # the pack made after the erasure still checks with no store (its trail rebuilt from its rows)
    assert "the pack checks" in _lif(
        store_url, "audit", "check-pack", str(tmp_path / "after" / "pack")
    )
