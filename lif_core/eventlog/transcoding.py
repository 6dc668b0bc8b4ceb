"""How values are written into stored events: dates, decimals, UUIDs and pydantic models, exactly."""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Transcoding
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel

__all__ = [
    "DateAsISO",
    "LifTranscoder",
    "PydanticModelAsDict",
    "encode_fast",
    "encode_value",
    "json_encoder",
]


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


def encode_fast(state: dict[str, Any]) -> bytes:
    """The same JSON :class:`LifTranscoder` reads back, with a leaner callback than the library's.

    Writing is the hot path of ingestion: plain values are encoded in C, and a UUID, date,
    datetime, decimal or pydantic model costs one small Python call.
    """
    return _ENCODE(state).encode("utf8")


# One value as :func:`encode_fast` writes it inside an event body (text, not bytes). The
# encoder itself rather than a function around it: it runs once or more for every event made.
encode_value: Callable[[Any], str] = _ENCODE
