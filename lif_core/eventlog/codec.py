"""An event's stored bytes and its chain hash: the one place they are written, spliced and split.

An event is stored as its *body* (the transcoder's JSON of every field but its stream id,
version and hash) with the chain hash appended as one last field, ``,"hash":"<64 hex>"``.
The hash is ``sha256(previous hash | stream id | version | topic | body)``
(:func:`chain_hash`), taken when the event is made, so the chain costs one JSON encoding.

- **Writing bodies**: :func:`encode_body` (any event: the generic encoder), and the two hot
  paths written by hand, :func:`command_body` (a command's event) and :class:`RecordedBodies`
  (a new source record's first event). Tests hold the hand-written bytes equal to the generic
  encoder's.
- **The hash**: :func:`chain_hash`, :func:`sealed` (hash and stored bytes at once),
  :func:`stored_state` (the splice), :func:`split_state`, :func:`stored_hash` and
  :func:`intact_hash` (reading it back), :data:`GENESIS`, :data:`HASH_FIELD`.
- **Reading**: :class:`LifTranscoder`, the library's JSON transcoder with our types;
  :func:`decode_typed` (its decoding, leaner), :func:`plain_decode` (plain JSON values, no
  domain class or plugin needed) and :func:`stored_event_id`.
- :func:`json_encoder`: a compact JSON encoder made once (also the canonical JSON of records),
  and :func:`plain`, the one way a value becomes plain JSON data.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Transcoding
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel

__all__ = [
    "GENESIS",
    "HASH_FIELD",
    "DateAsISO",
    "LifTranscoder",
    "PydanticModelAsDict",
    "RecordedBodies",
    "chain_hash",
    "command_body",
    "day_json",
    "decode_typed",
    "encode_body",
    "encode_value",
    "intact_hash",
    "json_encoder",
    "locator_json",
    "plain",
    "plain_decode",
    "sealed",
    "split_state",
    "stored_event_id",
    "stored_hash",
    "stored_state",
]

GENESIS = "0" * 64
"""The "previous hash" of a stream's first event."""
HASH_FIELD = "hash"
"""The name of the stored field that holds the chain hash (the body's last field)."""
_SPLICE = b',"' + HASH_FIELD.encode() + b'":"'
_SPLICE_AT = len(_SPLICE)
_END = b'"}'


class DateAsISO(Transcoding):
    """``datetime.date`` as an ISO day (the library registers datetime, not date)."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class PydanticModelAsDict(Transcoding):
    """Any pydantic model: its class topic and its JSON-mode dump, validated back on read."""

    type = BaseModel
    name = "pydantic"

    def encode(self, obj: BaseModel) -> dict[str, Any]:
        return {"topic": get_topic(type(obj)), "data": obj.model_dump(mode="json")}

    def decode(self, data: dict[str, Any]) -> BaseModel:
        cls = resolve_topic(data["topic"])
        model: BaseModel = cls.model_validate(data["data"])
        return model


class LifTranscoder(JSONTranscoder):
    """The library's JSON transcoder with our types registered (pydantic by subclass too)."""

    def __init__(self) -> None:
        super().__init__()
        from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, UUIDAsHex

        for transcoding in (
            UUIDAsHex(),
            DecimalAsStr(),
            DatetimeAsISO(),
            DateAsISO(),
            PydanticModelAsDict(),
        ):
            self.register(transcoding)
        self._pydantic = self.names["pydantic"]

    def _encode_obj(self, o: Any) -> dict[str, Any]:
        # The library's hook (private in eventsourcing 9.5) finds a transcoding by exact type;
        # a pydantic model is found by its base class here. test_library_internals.py holds it.
        if isinstance(o, BaseModel):
            return {"_type_": "pydantic", "_data_": self._pydantic.encode(o)}
        return super()._encode_obj(o)


def _tagged(name: str, data: Any) -> dict[str, Any]:
    return {"_type_": name, "_data_": data}


_FAST: dict[type, Any] = {
    UUID: lambda v: {"_type_": "uuid_hex", "_data_": f"{v.int:032x}"},
    datetime: lambda v: {"_type_": "datetime_iso", "_data_": v.isoformat()},
    date: lambda v: {"_type_": "date_iso", "_data_": v.isoformat()},
    Decimal: lambda v: {"_type_": "decimal_str", "_data_": str(v)},
}


def _default(value: Any) -> dict[str, Any]:
    convert = _FAST.get(type(value))
    if convert is not None:
        result: dict[str, Any] = convert(value)
        return result
    if isinstance(value, BaseModel):
        return _tagged(
            "pydantic", {"topic": get_topic(type(value)), "data": value.model_dump(mode="json")}
        )
    raise TypeError(
        f"cannot store a {type(value).__name__} in an event; register a transcoding for it"
    )


def json_encoder(
    *, sort_keys: bool = False, ensure_ascii: bool = True, default: Any = None
) -> Callable[[Any], str]:
    """A compact JSON encoder (``separators=(",", ":")``) made once and called many times.

    ``json.JSONEncoder.encode`` builds a new C encoder, a closure and a dict on every call,
    which costs more than encoding a small record; this builds the C encoder once. It gives
    the same text as ``JSONEncoder(separators=(",", ":"), ...).encode`` except that a
    circular structure ends in ``RecursionError`` rather than ``ValueError``.
    """
    python = json.JSONEncoder(
        separators=(",", ":"), sort_keys=sort_keys, ensure_ascii=ensure_ascii, default=default
    )
    # ``json.encoder.c_make_encoder`` is the standard library's private C encoder, called with
    # the arguments ``JSONEncoder.iterencode`` gives it (markers, default, encoder, indent,
    # key and item separators, sort_keys, skipkeys, allow_nan). Made once, it saves an
    # encoder's construction per call: a third of encoding a record. A test holds its output
    # equal to ``json.dumps``'s (tests/lif_core/eventlog/test_library_internals.py).
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator (another Python implementation)
        return python.encode
    strings = (
        json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring
    )
    c_encode = make(None, python.default, strings, None, ":", ",", sort_keys, False, True)

    def encode(value: Any) -> str:
        return "".join(c_encode(value, 0))

    return encode


# The C encoder does the plain values; Python is called back only for the few tagged ones.
_ENCODE = json_encoder(ensure_ascii=False, default=_default)
_string = json.encoder.encode_basestring  # how that encoder writes a str (ensure_ascii off)


def encode_body(state: Mapping[str, Any]) -> bytes:
    """An event's body: the JSON :class:`LifTranscoder` reads back, with a leaner callback
    than the library's (plain values are encoded in C; a UUID, date, datetime, decimal or
    pydantic model costs one small Python call)."""
    return _ENCODE(state).encode("utf8")


# One value as :func:`encode_body` writes it inside a body (text, not bytes). The encoder
# itself rather than a function around it: it runs once or more for every event made.
encode_value: Callable[[Any], str] = _ENCODE


def plain(value: Any) -> Any:
    """A value as plain JSON data: days and times as ISO text, UUIDs and decimals as text,
    pydantic models as their JSON dump, tuples and sets as lists, mapping keys as text.

    The one JSON-ifier of the platform: for read tables, history, envelopes, canonical
    record JSON (as an encoder's ``default``) and command output. Raises ``TypeError`` for a
    value with no JSON form.
    """
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, str | int | float):  # subclasses: enums and the like
        return value
    raise TypeError(f"a {kind.__name__} has no JSON form")


# --- the chain hash and its place in the stored bytes ---------------------------------------------


def chain_hash(prev: str, stream_id: UUID | str, version: int, topic: str, body: bytes) -> str:
    """sha256 over the previous event's hash, the event's place in its stream and its body.

    ``stream_id`` as canonical UUID text (``str(uuid)``).
    """
    sha = hashlib.sha256(f"{prev}|{stream_id}|{version}|{topic}|".encode())
    sha.update(body)
    return sha.hexdigest()


def stored_state(body: bytes, digest: str) -> bytes:
    """The stored bytes: the body with the chain hash appended as its last field."""
    return b"".join((body[:-1], _SPLICE, digest.encode(), _END))


def sealed(prev: str, stream_id: str, version: int, topic: str, body: bytes) -> tuple[str, bytes]:
    """(chain hash, stored bytes) of a body: :func:`chain_hash` and :func:`stored_state` at once."""
    sha = hashlib.sha256(f"{prev}|{stream_id}|{version}|{topic}|".encode())
    sha.update(body)
    digest = sha.hexdigest()
    return digest, b"".join((body[:-1], _SPLICE, digest.encode(), _END))


def split_state(state: bytes | str) -> tuple[bytes, str]:
    """Stored bytes -> (the body that was hashed, the hash stored with it; "" if none)."""
    if isinstance(state, str):  # a row rewritten as text by hand
        state = state.encode()
    cut = state.rfind(_SPLICE)
    if cut < 0 or not state.endswith(_END):
        return state, ""
    return state[:cut] + b"}", state[cut + _SPLICE_AT : -2].decode("ascii", "replace")


def stored_hash(state: bytes | str) -> str:
    """``split_state(state)[1]`` without copying the body."""
    raw = state.encode() if isinstance(state, str) else state
    cut = raw.rfind(_SPLICE)
    if cut < 0 or not raw.endswith(_END):
        return ""
    return raw[cut + _SPLICE_AT : -2].decode("ascii", "replace")


def intact_hash(prev: str, stream_id: str, version: int, topic: str, state: bytes) -> str:
    """The hash stored in ``state`` if its body hashes to it after ``prev``; else "".

    What :func:`split_state` and :func:`chain_hash` compute, hashed from the stored bytes in
    place (the audit runs it once for every event of the log).
    """
    cut = state.rfind(_SPLICE)
    if cut < 0 or not state.endswith(_END):
        return ""
    stored = state[cut + _SPLICE_AT : -2].decode("ascii", "replace")
    sha = hashlib.sha256(f"{prev}|{stream_id}|{version}|{topic}|".encode())
    sha.update(state[:cut])
    sha.update(b"}")
    return stored if stored and sha.hexdigest() == stored else ""


# --- bodies written by hand (the hot paths; tests hold them equal to encode_body's) --------------


def _text(value: Any) -> str:
    return _string(value) if type(value) is str else encode_value(value)


def command_body(
    iso: str,
    event_number: int,
    actor: str,
    causation: list[str],
    correlation: str | None,
    fields: Mapping[str, Any],
) -> bytes:
    """The body of a command's event: what :func:`encode_body` writes for
    ``{"timestamp", "event_id", "actor", "causation", "correlation", **fields}``.

    ``iso``: the recorded time's ``isoformat()``; ``event_number``: the event id's integer.
    The fields every event carries are written by hand, the command's own by the encoder.
    """
    head = (
        f'{{"timestamp":{{"_type_":"datetime_iso","_data_":"{iso}"}},'
        f'"event_id":{{"_type_":"uuid_hex","_data_":"{event_number:032x}"}},'
        f'"actor":{_text(actor)},"causation":{encode_value(causation) if causation else "[]"},'
        f'"correlation":{"null" if correlation is None else _text(correlation)},'
    )
    return (head + encode_value(fields)[1:] if fields else head[:-1] + "}").encode()


def day_json(value: date | None, iso: str | None = None) -> str:
    """A valid time as the encoder writes it (a plain day without a callback); ``iso``: its
    ISO form, if already made."""
    if value is None:
        return "null"
    if type(value) is date:
        return '{"_type_":"date_iso","_data_":"' + (iso or value.isoformat()) + '"}'
    return encode_value(value)


def locator_json(locator: Mapping[str, Any]) -> str:
    """Where a record was in its input, as JSON (a line number alone without the encoder)."""
    line = locator.get("line")
    if type(line) is int and len(locator) == 1:
        return f'{{"line":{line}}}'
    return encode_value(locator if type(locator) is dict else dict(locator))


class RecordedBodies:
    """The bodies of new source records' first events, for one run, spliced by hand.

    The run's constant fields (``constant``: every field but ``record_kind`` and a record's
    own) are encoded once per kind, the provenance once, and each record's own fields
    spliced in: :func:`encode_body` of the same state, keys in another order. The fields
    are those of ``SourceRecord.Recorded``, which checks that they still are.
    """

    __slots__ = ("_constant", "_heads", "_provenance")

    OWN = (
        "event_id",
        "record_key",
        "valid_from",
        "valid_to",
        "attributes",
        "content_hash",
        "provenance",
    )
    """The fields a record brings, in the order they are written (after the run's)."""

    def __init__(self, constant: Mapping[str, Any], provenance: Mapping[str, Any]) -> None:
        self._constant = dict(constant)
        self._heads: dict[str, str] = {}
        # The provenance up to its last field, the locator, which each record brings.
        self._provenance = ',"provenance":' + encode_value(dict(provenance))[:-1] + ',"locator":'

    def body(
        self,
        kind: str,
        event_hex: str,
        key: str,
        valid_from: date,
        valid_from_iso: str,
        valid_to: date | None,
        canonical: str,
        content_hash: str,
        located: str,
    ) -> bytes:
        """One record's body. ``canonical``: its attributes' canonical JSON; ``located``: its
        locator's JSON (:func:`locator_json`)."""
        head = self._heads.get(kind)
        if head is None:
            head = self._heads[kind] = encode_value({**self._constant, "record_kind": kind})[:-1]
        return (
            f'{head},"event_id":{{"_type_":"uuid_hex","_data_":"{event_hex}"}}'
            f',"record_key":{_string(key)}'
            f',"valid_from":{day_json(valid_from, valid_from_iso)},"valid_to":{day_json(valid_to)}'
            f',"attributes":{canonical},"content_hash":"{content_hash}"'
            f"{self._provenance}{located}}}}}"
        ).encode()


# --- reading stored bytes back -------------------------------------------------------------------

# The codec writes dates, date-times, decimals and UUIDs as {"_type_": NAME, "_data_": TEXT}.
# Replacing those by their text (UUIDs dashed, as str() writes them) gives plain JSON that
# json.loads reads at C speed; a marker inside a JSON string is escaped, so it never matches.
_MARKER = re.compile(
    rb'\{"_type_":"(date_iso|datetime_iso|decimal_str|uuid_hex)","_data_":"([^"\\]*)"\}'
)


def _marker_text(match: re.Match[bytes]) -> bytes:
    if match.group(1) == b"uuid_hex":
        return b'"' + str(UUID(match.group(2).decode("ascii"))).encode() + b'"'
    return b'"' + match.group(2) + b'"'


def _plain_object(obj: dict[str, Any]) -> Any:
    if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
        kind, data = obj["_type_"], obj["_data_"]
        if kind == "uuid_hex":
            return str(UUID(hex=data))
        if kind == "pydantic" and isinstance(data, dict):
            return data.get("data")
        return data  # dates, datetimes and decimals are stored as their ISO / decimal text
    return obj


def plain_decode(stored: bytes) -> Any:
    """Stored JSON with its typed values as plain JSON: dates, times and decimals as their
    text, UUIDs dashed, pydantic models as their JSON dump. Needs no domain class or plugin."""
    text = _MARKER.sub(_marker_text, stored)
    if b'"_type_"' not in text:
        return json.loads(text)
    return json.loads(stored.decode("utf-8"), object_hook=_plain_object)


_EVENT_ID = b'"event_id":{"_type_":"uuid_hex","_data_":"'


def stored_event_id(state: bytes) -> str | None:
    """The event id (UUID text) from stored bytes, without decoding the whole event."""
    at = state.find(_EVENT_ID)
    if at < 0:
        return None
    start = at + len(_EVENT_ID)
    hex_ = state[start : start + 32].decode("ascii", "replace")
    if len(hex_) != 32 or state[start + 32 : start + 33] != b'"':
        return None
    return f"{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}"


_TRANSCODER = LifTranscoder()
_TRANSCODINGS = _TRANSCODER.names


def _typed(d: dict[str, Any]) -> Any:
    """The transcoder's object hook (``{"_type_": name, "_data_": data}`` -> the value), leaner.

    Decoding is most of a projection rebuild's time and the hook runs for every JSON object.
    What this one does not know goes to the library's own hook (``_decode_obj``, private in
    eventsourcing 9.5; test_library_internals.py holds it), which raises the library's error.
    """
    if len(d) == 2 and "_type_" in d and "_data_" in d:
        try:
            transcoding = _TRANSCODINGS[d["_type_"]]
        except (KeyError, TypeError):
            return _TRANSCODER._decode_obj(d)
        return transcoding.decode(d["_data_"])
    return d


decode_typed: Callable[[str], Any] = json.JSONDecoder(object_hook=_typed).decode
"""Stored JSON (text) to typed values: what ``LifTranscoder().decode`` gives, leaner."""
