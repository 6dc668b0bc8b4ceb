"""The OpenAPI 3.1 document of ``/api/v1``, generated from the endpoint declarations and the tables' column docs."""

from __future__ import annotations

from functools import cache
from typing import Any

from projections import TABLES

__all__ = ["openapi_document"]

_TYPES: dict[str, dict[str, Any]] = {
    "TEXT": {"type": "string"},
    "INTEGER": {"type": "integer"},
    "REAL": {"type": "number"},
    "BOOLEAN": {"type": "boolean"},
    "DATE": {"type": "string", "format": "date"},
    "TIMESTAMP": {"type": "string", "format": "date-time"},
    "JSON": {},
}

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "message"],
            "properties": {
                "status": {"type": "integer"},
                "message": {"type": "string", "description": "What was wrong and what to do."},
            },
        }
    },
}

_SEAL = {
    "type": "object",
    "required": ["seal_id", "created_at", "last_notification_id", "event_count", "digest"],
    "properties": {
        "seal_id": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "last_notification_id": {"type": "integer"},
        "event_count": {"type": "integer"},
        "digest": {
            "type": "string",
            "description": "sha256 over (notification id, hash) in log order.",
        },
    },
}

_EVIDENCE = {
    "type": "object",
    "required": ["id", "source"],
    "description": "A source record cited as evidence, with where it came from.",
    "properties": {
        "id": {"type": "string", "description": "The source record's stream id."},
        "source": {"type": ["string", "null"]},
        "record_kind": {"type": ["string", "null"]},
        "record_key": {"type": ["string", "null"]},
        "version": {"type": ["integer", "null"]},
        "valid_from": {"type": ["string", "null"]},
        "withdrawn": {"type": "boolean"},
        "run_id": {
            "type": ["string", "null"],
            "description": "The ingestion run that last wrote it.",
        },
        "origin": {
            "type": ["string", "null"],
            "description": "The file or message it was read from.",
        },
        "origin_sha256": {"type": ["string", "null"]},
        "plugin_version": {"type": ["string", "null"]},
        "ingested_at": {"type": ["string", "null"]},
        "note": {"type": "string"},
    },
}


def _table_schema(name: str) -> dict[str, Any]:
    table = TABLES[name]
    return {
        "type": "object",
        "description": table.description,
        "required": [c.name for c in table.columns],
        "properties": {
            c.name: (
                {"description": c.description}
                if c.type == "JSON"
                else {
                    "anyOf": [_TYPES.get(c.type, {"type": "string"}), {"type": "null"}],
                    "description": c.description,
                }
            )
            for c in table.columns
        },
    }


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


@cache
def openapi_document() -> dict[str, Any]:
    """The whole document (built once: it depends on code only)."""
    from lif_app.web.api import ENDPOINTS

    paths: dict[str, Any] = {}
    for endpoint in ENDPOINTS:
        responses: dict[str, Any] = {
            "200": {
                "description": endpoint.summary,
                "content": {"application/json": {"schema": endpoint.response}},
            },
            "405": _error_response("Only GET and HEAD are served: the API is read-only."),
            "503": _error_response("The store has no read tables yet (run `lif project`)."),
        }
        if endpoint.operation_id not in ("index", "openapi"):
            responses["409"] = _error_response(
                "A read table it reads was changed outside `lif project` (its rows differ from "
                "the checksum recorded when it was built): not published until rebuilt."
            )
        if endpoint.parameters:
            responses["400"] = _error_response("A parameter is malformed or unknown.")
        if "{reference}" in endpoint.path:
            responses["404"] = _error_response("No such reference.")
        operation: dict[str, Any] = {
            "operationId": endpoint.operation_id,
            "summary": endpoint.summary,
            "responses": responses,
        }
        if endpoint.description:
            operation["description"] = endpoint.description
        if endpoint.parameters:
            operation["parameters"] = endpoint.parameters
        paths[endpoint.path] = {"get": operation}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "LIF platform read API",
            "version": "1",
            "description": "Read-only access to the learning register, action status, impact "
            "monitoring, the source catalogue, ingestion runs, rejections and learning candidates "
            "(the projections of the event log). GET and HEAD only.",
        },
        "paths": paths,
        "components": {
            "schemas": {
                **{name: _table_schema(name) for name in sorted(TABLES)},
                "Error": _ERROR,
                "Seal": _SEAL,
                "Evidence": _EVIDENCE,
            }
        },
    }
