"""The base of every stream: events that carry actor, causation and correlation, hash-chained."""

from __future__ import annotations

import copy
import hashlib
import os
import random
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar, NoReturn
from uuid import UUID, SafeUUID, uuid5

from eventsourcing.domain import TZINFO, Aggregate, AggregateCreated
from eventsourcing.utils import get_topic

from lif_core.errors import RefusedError
from lif_core.eventlog.codec import GENESIS, HASH_FIELD, chain_hash, command_body, encode_body
from lif_core.privacy.vault import is_sealed

__all__ = [
    "LIF_NAMESPACE",
    "LifAggregate",
    "LifCorrected",
    "LifCreated",
    "LifEvent",
    "dashed",
    "make_event",
    "new_event_hex",
    "new_event_id",
    "uuid5_hex",
]

LIF_NAMESPACE = UUID("6c1f3b1e-2f7a-4c55-9d0e-4b1a0c2f6e11")

_UNKNOWN = SafeUUID.unknown
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
    return _event_id(_random.getrandbits(128) & _KEEP | _V4)


def _event_id(number: int) -> UUID:
    event_id = object.__new__(UUID)
    _set_int(event_id, number)
    _set_safe(event_id, _UNKNOWN)
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


_FIELDS: dict[type, frozenset[str]] = {}


def _fields_of(event_class: type[Any]) -> frozenset[str]:
    """The fields of an event's state: all but its stream id, version and hash."""
    fields = _FIELDS[event_class] = frozenset(event_class.__dataclass_fields__) - {
        "originator_id",
        "originator_version",
        HASH_FIELD,
    }
    return fields


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
        fields = _fields_of(event_class)
    if state.keys() != fields:
        missing, unknown = sorted(fields - state.keys()), sorted(state.keys() - fields)
        raise TypeError(
            f"cannot make {event_class.__qualname__}: missing {missing}, unknown {unknown}"
        )
    body = encode_body(state)
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


_HEADER = frozenset({"timestamp", "event_id", "actor", "causation", "correlation"})
_OWN: dict[type, frozenset[str]] = {}
# UUID's slots, set as its constructor sets them (``UUID.__setattr__`` refuses): a UUID made
# this way costs a third of ``UUID(int=...)``. Held by tests/lif_core/eventlog/test_library_internals.py.
_set_int = UUID.__dict__["int"].__set__
_set_safe = UUID.__dict__["is_safe"].__set__
_set_dict = object.__setattr__
_time = time.time
_at = datetime.fromtimestamp
# The recorded time's text up to its seconds, and its UTC offset, for the second last seen:
# (second, seen at, "YYYY-MM-DDTHH:MM:SS", offset). The same ``second`` seen again less than
# 30 seconds later is the same second (a clock set back is not later).
_second: list[Any] = [-1, 0.0, "", ""]


def _stamp() -> tuple[datetime, str]:
    """The recorded time (what the library's ``create_timestamp()`` gives) and its ISO text.

    ``datetime.isoformat`` formats every field through C's printf on each call; within a
    second only the microseconds change, so the rest is formatted once a second.
    """
    now = _time()
    stamp = _at(now, TZINFO)
    known = _second
    if stamp.second != known[0] or not known[1] <= now < known[1] + 30.0:
        text = stamp.replace(microsecond=0).isoformat()
        known[:] = [stamp.second, now, text[:19], text[19:]]
    micro = stamp.microsecond
    return stamp, f"{known[2]}.{micro:06d}{known[3]}" if micro else f"{known[2]}{known[3]}"


def _decided(
    event_class: type[Any],
    originator_id: UUID,
    stream_text: str,
    version: int,
    prev: str,
    actor: str,
    causation: Sequence[str],
    correlation: str | None,
    fields: dict[str, Any],
) -> Any:
    """:func:`make_event` for a command's event (the domain's hot path).

    The body is byte for byte what :func:`make_event` writes (a test holds them equal): the
    codec writes the fields every event carries by hand (:func:`command_body`).
    """
    own = _OWN.get(event_class)
    if own is None:
        own = _OWN[event_class] = (_FIELDS.get(event_class) or _fields_of(event_class)) - _HEADER
    timestamp, iso = _stamp()
    number = _random.getrandbits(128) & _KEEP | _V4
    causes = [str(c) for c in causation] if causation else []
    if fields.keys() != own:
        clash = sorted(fields.keys() & _HEADER)
        if clash:
            raise TypeError(
                f"cannot make {event_class.__qualname__}: {clash} are set when it is made, "
                "not by the command"
            )
        state = {"actor": actor, "causation": causes, "correlation": correlation, **fields}
        return make_event(
            event_class,
            originator_id,
            version,
            prev,
            {"timestamp": timestamp, "event_id": _event_id(number), **state},
            stream_text,
        )  # raises, naming what is missing or unknown
    body = command_body(iso, number, actor, causes, correlation, fields)
    digest = chain_hash(prev, stream_text, version, get_topic(event_class), body)
    event = object.__new__(event_class)
    _set_dict(
        event,
        "__dict__",
        {
            "originator_id": originator_id,
            "originator_version": version,
            "timestamp": timestamp,
            "event_id": _event_id(number),
            "actor": actor,
            "causation": causes,
            "correlation": correlation,
            **fields,
            "hash": digest,
            "_lif_body": body,
        },
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
        text = str(stream)
        fields = {"originator_topic": get_topic(cls), **fields}
        event = _decided(
            event_class, stream, text, cls.INITIAL_VERSION, GENESIS,
            actor, causation, correlation, fields,
        )  # fmt: skip
        agg = event.mutate(None)
        agg.pending_events.append(event)
        agg._chain_head = event.hash
        agg._stream_text = text
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
        # The library's own attributes behind its ``id``, ``version``, ``modified_on`` and
        # ``pending_events`` properties (private in eventsourcing 9.5): a property call apiece
        # is a tenth of making an event. tests/lif_core/eventlog/test_library_internals.py
        # fails if the properties stop reading them.
        state = self.__dict__
        text = state.get("_stream_text")
        if text is None:
            text = self._stream_text = str(state["_id"])
        version = state["_version"] + 1
        event = _decided(
            event_class, state["_id"], text, version, self._chain_head,
            actor, causation, correlation, fields,
        )  # fmt: skip
        # What the library's ``mutate`` does, without its checks that the event is this
        # stream's next: it was made for this stream at this version just above. ``apply``
        # moves the chain head on.
        event.apply(self)
        state["_version"] = version
        state["_modified_on"] = event.timestamp
        state["_pending_events"].append(event)
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

    @staticmethod
    def given(text: Any) -> bool:
        """Whether a text is given: not blank, or sealed (a record's free text carried over
        by a policy, sealed under the record's key; it was checked in clear before sealing)."""
        return is_sealed(text) or bool(text and str(text).strip())

    @staticmethod
    def refuse(message: str) -> NoReturn:
        """Refuse a command: nothing is written. For a message worth building only when it
        is needed (``if bad: self.refuse(f"...")``); see also :meth:`require`."""
        raise RefusedError(message)
