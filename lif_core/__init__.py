"""LIF platform core: the event-sourced domain, the store, ingestion, plugins, audit, CLI."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lif-platform")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
