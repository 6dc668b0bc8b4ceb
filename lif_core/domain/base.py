"""The base of every stream: events that carry actor, causation and correlation, hash-chained."""

from __future__ import annotations

import copy
import hashlib
import os
import random
from collections.abc import Sequence
from typing import Any, ClassVar
from uuid import UUID, SafeUUID, uuid5

from eventsourcing.domain import Aggregate, AggregateCreated
from eventsourcing.utils import get_topic

from lif_core.errors import RefusedError
from lif_core.transcoding import encode_fast

__all__ = [
    "GENESIS",
    "LIF_NAMESPACE",
    "LifAggregate",
    "LifCorrected",
    "LifCreated",
    "LifEvent",
    "chain_hash",
    "dashed",
    "make_event",
    "new_event_hex",
    "new_event_id",
    "seal_event",
    "split_state",
    "uuid5_hex",
]

LIF_NAMESPACE = UUID("6c1f3b1e-2f7a-4c55-9d0e-4b1a0c2f6e11")
GENESIS = "0" * 64
_HASH_FIELD = b',"hash":"'


_random = random.Random()  # seeded from the OS, and again in every forked child (below)
os.register_at_fork(after_in_child=_random.seed)


# The bits a version 4 / version 5 UUID fixes (RFC 4122 variant, then the version nibble).
_KEEP = ~((0xC000 << 48) | (0xF000 << 64)) & ((1 << 128) - 1)
_V4 = (0x8000 << 48) | (4 << 76)


def new_event_id() -> UUID:
    """A random (version 4) UUID for an event, without a system call per event.

    Made as ``UUID.__new__`` plus its two slots, which is what ``UUID(int=..., version=4)``
    ends with, without that constructor's argument checks (a third of an event's making).
    """
    event_id = object.__new__(UUID)
    object.__setattr__(event_id, "int", _random.getrandbits(128) & _KEEP | _V4)
    object.__setattr__(event_id, "is_safe", SafeUUID.unknown)
    return event_id


def new_event_hex() -> str:
    """``new_event_id().hex`` without making the UUID object (the ingestion hot path)."""
    return f"{_random.getrandbits(128) & _KEEP | _V4:032x}"


_NAMESPACE_BYTES: dict[UUID, bytes] = {}
_VARIANT = {d: "89ab"[int(d, 16) & 3] for d in "0123456789abcdef"}


def uuid5_hex(namespace: UUID, name: str) -> str:
    """``uuid5(namespace, name).hex`` without making the UUID object."""
    space = _NAMESPACE_BYTES.get(namespace)
    if space is None:
        space = _NAMESPACE_BYTES[namespace] = namespace.bytes
    h = hashlib.sha1(space + name.encode(), usedforsecurity=False).hexdigest()
    # The version nibble becomes 5; the variant's top two bits become 10.
    return f"{h[:12]}5{h[13:16]}{_VARIANT[h[16]]}{h[17:32]}"


def dashed(hex32: str) -> str:
    """32 hex digits as the canonical UUID text (what ``str(UUID(hex32))`` gives)."""
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:]}"


def chain_hash(prev: str, originator_id: UUID | str, version: int, topic: str, body: bytes) -> str:
    """sha256 over the previous event's hash, the event's place in its stream and its body."""
    head = f"{prev}|{originator_id}|{version}|{topic}|".encode()
    return hashlib.sha256(head + body).hexdigest()


def split_state(state: bytes | str) -> tuple[bytes, str]:
    """A stored state -> (the body that was hashed, the hash stored with it)."""
    if isinstance(state, str):  # a row rewritten as text by hand
        state = state.encode()
    index = state.rfind(_HASH_FIELD)
    if index < 0 or not state.endswith(b'"}'):
        return state, ""
    return state[:index] + b"}", state[index + len(_HASH_FIELD) : -2].decode("ascii", "replace")


def seal_event(event: Any, prev: str) -> str:
    """Compute and attach the event's chain hash; keep the encoded body for the mapper."""
    state = dict(vars(event))
    originator_id = state.pop("originator_id")
    version = state.pop("originator_version")
    state.pop("hash", None)
    state.pop("_lif_body", None)
    body = encode_fast(state)
    digest = chain_hash(prev, originator_id, version, get_topic(type(event)), body)
    object.__setattr__(event, "hash", digest)
    object.__setattr__(event, "_lif_body", body)
    return digest


_FIELDS: dict[type, frozenset[str]] = {}


def make_event(
    event_class: type[Any],
    originator_id: UUID,
    version: int,
    prev: str,
    state: dict[str, Any],
    stream_text: str | None = None,
) -> Any:
    """Make a sealed event from its state without the dataclass constructor (the hot path).

    ``state`` holds every field but the stream id, version and hash. The body is encoded once,
    hashed, and kept for the mapper. As the library's own mapper does when it reads events,
    the object is made with ``object.__new__``; the field names are checked against the class.
    """
    fields = _FIELDS.get(event_class)
    if fields is None:
        fields = _FIELDS[event_class] = frozenset(event_class.__dataclass_fields__) - {
            "originator_id",
            "originator_version",
            "hash",
        }
    if state.keys() != fields:
        missing, unknown = sorted(fields - state.keys()), sorted(state.keys() - fields)
        raise TypeError(
            f"cannot make {event_class.__qualname__}: missing {missing}, unknown {unknown}"
        )
    body = encode_fast(state)
    digest = chain_hash(prev, stream_text or originator_id, version, get_topic(event_class), body)
    event = object.__new__(event_class)
    event.__dict__.update(
        originator_id=originator_id,
        originator_version=version,
        **state,
        hash=digest,
        _lif_body=body,
    )
    return event


class LifEvent(Aggregate.Event):
    """Fields every event carries.

    ``actor``: a person, ``plugin:NAME@VERSION`` or ``policy:NAME``. ``causation``: ids of
    the events that led to this one. ``correlation``: the run or command it belongs to.
    ``timestamp`` (from the library) is the recorded time, set when the event is made,
    never by the caller. ``hash``: the chain hash (see :func:`chain_hash`).
    """

    event_id: UUID
    actor: str
    causation: list[str]
    correlation: str | None
    hash: str

    def apply(self, aggregate: Any) -> None:
        if self.hash:
            aggregate._chain_head = self.hash
        self.evolve(aggregate)

    def evolve(self, aggregate: Any) -> None:
        """Change the aggregate's state; each event class says how."""


class LifCreated(LifEvent, AggregateCreated):
    """The first event of a stream."""


class LifCorrected(LifEvent):
    """An earlier event was wrong: the state it changed is put back; the event itself stays."""

    corrects: str
    reason: str
    restores: dict[str, Any]

    def evolve(self, agg: Any) -> None:
        for name, value in self.restores.items():
            setattr(agg, name, copy.deepcopy(value))
        agg.corrected = [*getattr(agg, "corrected", []), self.corrects]


class LifAggregate(Aggregate):
    """An aggregate whose events are hash-chained per stream as they are triggered."""

    kind: ClassVar[str] = ""
    CORRECTABLE: ClassVar[tuple[str, ...]] = ()
    _chain_head: str = GENESIS

    @classmethod
    def stream_id(cls, natural_key: str) -> UUID:
        """Streams with natural keys (references, source keys) get uuid5 ids."""
        return uuid5(LIF_NAMESPACE, f"{cls.kind}:{natural_key}")

    @classmethod
    def _start(
        cls,
        event_class: type[Any],
        *,
        natural_key: str,
        actor: str,
        causation: Sequence[str] = (),
        correlation: str | None = None,
        **fields: Any,
    ) -> Any:
        stream = cls.stream_id(natural_key)
        state = {
            "timestamp": event_class.create_timestamp(),
            "event_id": new_event_id(),
            "actor": actor,
            "causation": [str(c) for c in causation],
            "correlation": correlation,
            "originator_topic": get_topic(cls),
            **fields,
        }
        event = make_event(event_class, stream, cls.INITIAL_VERSION, GENESIS, state)
        agg = event.mutate(None)
        agg.pending_events.append(event)
        agg._chain_head = event.hash
        return agg

    def _record(
        self,
        event_class: type[Any],
        *,
        actor: str,
        causation: Sequence[str] = (),
        correlation: str | None = None,
        **fields: Any,
    ) -> Any:
        state = {
            "timestamp": event_class.create_timestamp(),
            "event_id": new_event_id(),
            "actor": actor,
            "causation": [str(c) for c in causation],
            "correlation": correlation,
            **fields,
        }
        text = self.__dict__.get("_stream_text")
        if text is None:
            text = self._stream_text = str(self.id)
        event = make_event(event_class, self.id, self.version + 1, self._chain_head, state, text)
        event.mutate(self)
        self.pending_events.append(event)
        self._chain_head = event.hash
        return event

    def correct(
        self,
        corrects: str,
        reason: str,
        restores: dict[str, Any],
        actor: str,
        correlation: str | None = None,
    ) -> Any:
        """Undo what event ``corrects`` changed (``restores``: the values before it); cites it.

        Each aggregate names what a correction may put back (``CORRECTABLE``) and its own
        ``Corrected`` event class (a :class:`LifCorrected`).
        """
        label = getattr(self, "reference", str(self.id))
        self.require(bool(reason and reason.strip()), "a correction needs a reason (--reason)")
        self.require(
            corrects not in getattr(self, "corrected", []),
            f"event {corrects} of {label} was already corrected",
        )
        self.require(bool(restores), f"event {corrects} changed nothing a correction can restore")
        unknown = sorted(set(restores) - set(self.CORRECTABLE))
        self.require(not unknown, f"a correction cannot restore {', '.join(unknown)}")
        corrected: Any = getattr(type(self), "Corrected")  # noqa: B009 - each aggregate's own event class
        return self._record(
            corrected,
            actor=actor,
            causation=[corrects],
            correlation=correlation,
            corrects=corrects,
            reason=reason,
            restores=restores,
        )

    @staticmethod
    def require(condition: bool, message: str) -> None:
        """Refuse a command (nothing is written) unless ``condition`` holds."""
        if not condition:
            raise RefusedError(message)
