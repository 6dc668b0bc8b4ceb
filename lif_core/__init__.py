"""LIF platform core: the event-sourced domain, the store, ingestion, plugins, audit, CLI.

- ``domain/``: the five stream types and the hash-chained base event; ``transcoding``.
- ``store``: one URL -> the eventsourcing application and our tables; ``config``; ``errors``.
- ``plugins/``: the hookspecs and declarations plugin authors use; ``readers``, ``parse``
  (host readers, validation, the sensitive-data guard), ``samples``, ``testing`` (the kit).
- ``ingest``: the pipeline; ``policies``: evidence -> decisions; ``decisions``: references.
- ``chain`` and ``audit/``: verification, seals, trails, proofs, packs, corrections.
- ``kafka/``: the relay and the consumer; ``web/``: the read-only view and the report.
- ``cli/``: the ``lif`` command; ``demo``: the main job.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lif-platform")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
