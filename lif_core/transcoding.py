"""How values are written into stored events: dates, decimals, UUIDs and pydantic models, exactly."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel

__all__ = ["DateAsISO", "LifTranscoder", "PydanticModelAsDict"]


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
