"""The end of ``make demo``: build the report into ``.lif/report/`` and say how to see it all."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from lif_app.web.readonly import open_read_only
from lif_app.web.report import build_report
from lif_core import config
from lif_core.audit import sync_event_ids
from lif_core.errors import LifError
from lif_core.eventlog.store import Store

__all__ = ["after_demo"]


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


def after_demo(store_url: str, console: Console) -> None:
    """Build the report from the demo's store into ``LIF_HOME/report`` and print where to look."""
    url = config.store_url(store_url)
    _sync_audit_index(url.url)
    try:
        with open_read_only(url) as store:
            result = build_report(store, config.lif_home() / "report")
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
