"""Audit: replay and prove the history behind every learning decision.

- :mod:`~lif_core.audit.trail` — the trail of a learning item, action or measure.
- :mod:`~lif_core.audit.index` — finding events by event id (``lif_event_ids``).
- :mod:`~lif_core.audit.words` — each event in words.
- :mod:`~lif_core.audit.html` — the trail as a self-contained, printable HTML page.
- :mod:`~projections.history` — an item and the read tables as they stood; diffs.
- :mod:`~lif_core.audit.proof` — proving one event against a seal, and checking it offline.
- :mod:`~lif_core.audit.pack` — a self-contained, re-checkable folder for an auditor.

The hash chains and seals themselves live in :mod:`lif_core.audit.verify`. Corrections are
decisions (:mod:`lif_core.decisions.corrections`): they write events, the audit only reads.
"""

from lif_core.audit.index import rebuild_event_ids, sync_event_ids
from lif_core.audit.trail import Trail, build_trail

__all__ = ["Trail", "build_trail", "rebuild_event_ids", "sync_event_ids"]
