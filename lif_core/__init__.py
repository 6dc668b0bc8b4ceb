"""LIF platform core: what the apps, Dagster and the plugins stand on (layers in docs/design.md).

- ``errors``, ``config``: the one exception hierarchy; settings from the environment.
- ``eventlog/``: the store behind one URL, the transcoder, the stored bytes and hashes of events.
- ``domain/``: the five stream types and the hash-chained base event.
- ``plugins/``: the public plugin API (declarations, hooks) and the host that loads plugins.
- ``ingestion/``: the pipeline, the readers, validation and the sensitive-data guard, samples.
- ``policies``: evidence -> decisions; ``decisions/``: the decision table and the application
  functions every app calls (references, corrections).
- ``kafka/``: the relay out and the consumer in.
- ``audit/``: verification, seals, trails, proofs, packs.
- ``testing``: the plugin conformance kit (also a pytest plugin).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lif-platform")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
