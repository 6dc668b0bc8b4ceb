"""The end of ``make demo``: build the report into ``.lif/report/STORE/`` and say how to see it all."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from rich.console import Console

from lif_app.web.readonly import open_read_only
from lif_app.web.report import build_report
from lif_core import config
from lif_core.audit import sync_event_ids
from lif_core.errors import LifError
from lif_core.eventlog.store import Store

__all__ = ["after_demo", "report_folder"]


def _sync_audit_index(url: str) -> None:
    """Bring the audit trail's event index up to the end of the log, while the demo can write.

    The web view opens the store read-only and cannot do it itself; without it, item pages
    would ask the user to run ``lif audit trail`` first.
    """
    with Store(url) as store:
        sync_event_ids(store)


def _is_configured(url: config.StoreURL) -> bool:
    """Whether ``lif serve`` run now, with no --store, would open this store."""
    configured = config.store_url(None)
    if url.kind == "sqlite" and configured.kind == "sqlite":
        assert url.path is not None and configured.path is not None
        return url.path.resolve() == configured.path.resolve()
    return url.url == configured.url


def report_folder(url: config.StoreURL) -> Path:
    """Where the demo writes the report of this store: one folder per store under LIF_HOME/report.

    ``sqlite-STEM-HASH`` for a SQLite file, ``postgresql-DB-SCHEMA-HASH`` for a PostgreSQL
    schema (the hash of the file's full path, or of host, port, database and schema, keeps two
    stores of the same name apart), so a SQLite demo and a PostgreSQL demo never share a report.
    """
    if url.kind == "sqlite":
        assert url.path is not None
        where = str(url.path.resolve())
        name = f"sqlite-{url.path.stem}"
    else:
        where = f"{url.host}:{url.port}/{url.dbname}/{url.schema}"
        name = f"postgresql-{url.dbname}-{url.schema}"
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    return config.lif_home() / "report" / f"{slug}-{hashlib.sha256(where.encode()).hexdigest()[:8]}"


def after_demo(store_url: str, console: Console) -> None:
    """Build the report from the demo's store into its :func:`report_folder` and print where to look."""
    url = config.store_url(store_url)
    _sync_audit_index(url.url)
    try:
        with open_read_only(url) as store:
            result = build_report(store, report_folder(url))
        console.print(
            f"report           {Path(result.out) / 'index.html'}   (small numbers suppressed; "
            f"built from seal {result.seal.seal_id})",
            highlight=False,
        )
    except LifError as exc:
        console.print(f"report           not built: {exc}", highlight=False)
    prefix = "" if _is_configured(url) else f"LIF_STORE='{url.masked}' "
    console.print(
        f"web view         {prefix}.venv/bin/lif serve   (then http://127.0.0.1:8000; read-only)",
        highlight=False,
    )
