"""The one resource: the store URL (``LIF_STORE``; the embedded SQLite file by default)."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from lif_core.config import DEFAULT_STORE, lif_home
from lif_core.eventlog.store import Store


class LifStore(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Where the event log and the read tables live."""

    url: str = ""

    def resolved_url(self) -> str:
        return self.url or os.environ.get("LIF_STORE") or DEFAULT_STORE

    @contextmanager
    def open(self) -> Iterator[Store]:
        store = Store(self.resolved_url())
        try:
            yield store
        finally:
            store.close()

    def inbox(self, source: str) -> Path:
        folder = lif_home() / "inbox" / source
        folder.mkdir(parents=True, exist_ok=True)
        return folder


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"lif": LifStore()})
