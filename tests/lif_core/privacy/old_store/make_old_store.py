"""How ``notes-before-sealing.db`` was made: with the code of main at d25c153 (before record
fields were sealed), not with this checkout's. Kept to show the fixture is honest; rerun it so:

    git archive d25c153 | tar -x -C /tmp/lif-d25c153
    cd /tmp/lif-d25c153 && PYTHONPATH=/tmp/lif-d25c153:REPO/tests/support \\
        REPO/.venv/bin/python REPO/tests/lif_core/privacy/old_store/make_old_store.py OUT.db

It ingests two team notes (free text, stored in clear then, with plain sha256 content hashes)
with the toy source of ``tests/support/noted_source.py``, which that code also accepts.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import noted_source

from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.plugins.host import LoadedSource

ROWS = (
    "Year,Area,Note\n"
    "2024,Leeds,the panel minutes were mislaid in the quartermaster's office\n"
    "2024,York,briefings reached every school cluster by March\n"
)

if __name__ == "__main__":
    out = Path(sys.argv[1]).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "notes-2024.csv"
        path.write_text(ROWS, encoding="utf-8")
        with Store(f"sqlite:///{out}") as store:
            loaded = LoadedSource(noted_source.SOURCE, "toy", "lif-plugin-toy", "1.0")
            result = ingest_file(store, loaded, path)
            assert result.status == "completed", result.message
            print(result.message)
