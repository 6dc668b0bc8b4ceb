"""The domain: eight stream types, every event hash-chained and carrying actor and causation."""

from lif_core.domain.action import Action
from lif_core.domain.base import LifAggregate, LifEvent
from lif_core.domain.erasure import Erasure
from lif_core.domain.ingestion_run import IngestionRun
from lif_core.domain.learning import Learning
from lif_core.domain.measure import Measure
from lif_core.domain.partner import Partner
from lif_core.domain.priority import Priority
from lif_core.domain.source_record import SourceRecord

__all__ = [
    "STREAM_TYPES",
    "Action",
    "Erasure",
    "IngestionRun",
    "Learning",
    "LifAggregate",
    "LifEvent",
    "Measure",
    "Partner",
    "Priority",
    "SourceRecord",
]

STREAM_TYPES: dict[str, type[LifAggregate]] = {
    cls.__name__: cls
    for cls in (SourceRecord, IngestionRun, Learning, Action, Measure, Erasure, Partner, Priority)
}
