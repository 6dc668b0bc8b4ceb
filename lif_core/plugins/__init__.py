"""Source plugins: how a data engineer adds a source of learning to the platform.

A plugin is a Python package with one entry point in the ``lif.ingestors`` group that
points at a module implementing :func:`~lif_core.plugins.hookspecs.register_sources`.
The module builds :class:`Source` declarations: the record kinds and their pydantic
models, how keys and valid time are derived, how files are read, and ``map_row``, the
one function that turns a raw row into records. The host does everything else: reading,
validation, provenance, idempotency, rejections, the event log. See docs/plugins.md.
"""

from lif_core.plugins.hookspecs import hookimpl
from lif_core.plugins.slugs import grade_slug, slug
from lif_core.plugins.spec import (
    Columns,
    Emit,
    InputOptions,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
)

__all__ = [
    "Columns",
    "Emit",
    "InputOptions",
    "RecordError",
    "RecordKind",
    "Row",
    "Source",
    "ValidTime",
    "grade_slug",
    "hookimpl",
    "slug",
]
