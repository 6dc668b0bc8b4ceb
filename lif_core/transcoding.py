"""How values are written into stored events: dates, decimals, UUIDs and pydantic models, exactly."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Transcoding
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel

__all__ = ["DateAsISO", "LifTranscoder", "PydanticModelAsDict", "encode_fast"]


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
    UUID: lambda v: _tagged("uuid_hex", v.hex),
    datetime: lambda v: _tagged("datetime_iso", v.isoformat()),
    date: lambda v: _tagged("date_iso", v.isoformat()),
    Decimal: lambda v: _tagged("decimal_str", str(v)),
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


# The C encoder does the plain values; Python is called back only for the few tagged ones.
_ENCODER = json.JSONEncoder(default=_default, separators=(",", ":"), ensure_ascii=False)


def encode_fast(state: dict[str, Any]) -> bytes:
    """The same JSON :class:`LifTranscoder` reads back, with a leaner callback than the library's.

    Writing is the hot path of ingestion: plain values are encoded in C, and a UUID, date,
    datetime, decimal or pydantic model costs one small Python call.
    """
    return _ENCODER.encode(state).encode("utf8")
