"""The one resource: the store URL (``LIF_STORE``; by default the SQLite file ``$LIF_HOME/lif.db``)."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from lif_core.config import lif_home, store_url
from lif_core.eventlog.store import Store


class LifStore(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Where the event log and the read tables live."""

    url: str = ""

    def resolved_url(self) -> str:
        """``url``, else ``LIF_STORE``, else ``$LIF_HOME/lif.db``: the CLI's rule (lif_core.config)."""
        return store_url(self.url or None).url

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
