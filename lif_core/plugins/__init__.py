"""Source plugins: how a data engineer adds a source of learning to the platform.

A plugin is a Python package with one entry point in the ``lif.ingestors`` group that
points at a module implementing :func:`~lif_core.plugins.hookspecs.register_sources`.
The module builds :class:`Source` declarations: the record kinds and their pydantic
models, how keys and valid time are derived, how files are read, and ``map_row``, the
one function that turns a raw row into records. Each kind may also declare what its records
mean for learning (:class:`Finding`, :class:`ActionDeclaration`, :class:`LearningDeclaration`,
:class:`MeasureDeclaration`). The host does everything else: reading,
validation, provenance, idempotency, rejections, the event log. See docs/plugins.md.

The functions that read the values sources write (:func:`blank`, :func:`parse_date`,
:func:`parse_period`, :func:`read_period`, :func:`period_shape`, :func:`quarter_period`) and
name grade words (:func:`slug`, :func:`grade_slug`) are the ones the built-in plugins use.
"""

from lif_core.plugins.hookspecs import hookimpl
from lif_core.plugins.loop import (
    ActionDeclaration,
    Dimension,
    Finding,
    LearningDeclaration,
    Measurable,
    MeasureDeclaration,
)
from lif_core.plugins.reviews import MILESTONES, ReviewKind
from lif_core.plugins.slugs import grade_slug, slug
from lif_core.plugins.spec import (
    Columns,
    Emit,
    FreeText,
    InputOptions,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
    free_text_fields,
)
from lif_core.plugins.values import (
    blank,
    parse_date,
    parse_period,
    period_shape,
    quarter_period,
    read_period,
)

__all__ = [
    "MILESTONES",
    "ActionDeclaration",
    "Columns",
    "Dimension",
    "Emit",
    "Finding",
    "FreeText",
    "InputOptions",
    "LearningDeclaration",
    "Measurable",
    "MeasureDeclaration",
    "RecordError",
    "RecordKind",
    "ReviewKind",
    "Row",
    "Source",
    "ValidTime",
    "blank",
    "free_text_fields",
    "grade_slug",
    "hookimpl",
    "parse_date",
    "parse_period",
    "period_shape",
    "quarter_period",
    "read_period",
    "slug",
]
