"""The JSON API under ``/api/v1``: the read tables' rows (filtered, paged) and the detail views.

Every endpoint is declared once in :data:`ENDPOINTS`: the route, the handler, its parameters and
its response schema. The OpenAPI document (:mod:`lif_app.web.openapi`) is generated from the
same declarations, so the two cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lif_app.web.access import Person, register_for
from lif_app.web.story import (
    action_item,
    audit_trail,
    evidence_records,
    learning_item,
    measure_story,
    report_cards,
)
from lif_app.web.tables import (
    INT_MAX,
    LISTINGS,
    MAX_LIMIT,
    NO_NUL,
    BadQuery,
    Listing,
    Page,
    parameter_schema,
    query_rows,
    require_table,
    sort_keys,
)
from lif_core.audit.verify import latest_seal
from lif_core.eventlog.store import Store

__all__ = [
    "API",
    "ENDPOINTS",
    "Endpoint",
    "json_response",
    "params_of",
    "projection_position",
    "trail_for",
]

API = "/api/v1"


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, default=str, ensure_ascii=False, indent=1)
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def params_of(request: Request) -> dict[str, list[str]]:
    """Query parameters as name -> every value given (a filter may repeat)."""
    out: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        out.setdefault(name, []).append(value)
    return out


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def projection_position(store: Store) -> dict[str, Any]:
    """The notification the read tables are built up to, and the date they were judged against."""
    with store.read() as tx:
        require_table(tx, "learning_register")
        row = tx.execute(
            "SELECT MAX(position) AS position, MAX(reference_date) AS reference_date, "
            "MAX(updated_at) AS updated_at FROM lif_projection_tables"
        ).fetchone()
    position, reference_date, updated = row if row else (None, None, None)
    return {
        "position": int(position) if position is not None else None,
        "reference_date": str(reference_date) if reference_date else None,
        "updated_at": str(updated) if updated else None,
    }


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One GET endpoint: where, what it answers, and how (handler and OpenAPI description)."""

    path: str  # as OpenAPI writes it, e.g. /api/v1/learning-register/{reference}
    operation_id: str
    summary: str
    handler: Callable[[Request], Response]
    response: dict[str, Any]  # JSON Schema of the 200 answer
    parameters: list[dict[str, Any]] = field(default_factory=list)
    description: str = ""

    @property
    def route(self) -> str:
        """The Starlette route: a reference may hold "/" (CSPR-2024-02/LP03)."""
        return self.path.replace("{reference}", "{reference:path}")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _page_url(request: Request, offset: int | None) -> str | None:
    if offset is None:
        return None
    return str(request.url.include_query_params(offset=offset))


def _list_handler(listing: Listing) -> Callable[[Request], Response]:
    def handler(request: Request) -> Response:
        params = params_of(request)
        if "" in params.get(
            "sort", ()
        ):  # the API documents sort's keys; the web form's blank is its own
            raise BadQuery(
                f"sort='': {listing.path} takes one of its columns (prefix '-' for descending)"
            )
        page: Page = query_rows(_store(request), listing, params)
        return json_response(
            {
                "table": listing.table,
                "total": page.total,
                "limit": page.limit,
                "offset": page.offset,
                "next": _page_url(request, page.next_offset),
                "previous": _page_url(request, page.previous_offset),
                "rows": page.rows,
            }
        )

    handler.__name__ = f"list_{listing.table}"
    return handler


def _list_parameters(listing: Listing) -> list[dict[str, Any]]:
    """The parameters of a listing, typed and bounded exactly as :func:`query_rows` takes them."""
    params: list[dict[str, Any]] = [
        {
            "name": "limit",
            "in": "query",
            "description": f"Rows per page (1 to {MAX_LIMIT}, default 100).",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 100},
        },
        {
            "name": "offset",
            "in": "query",
            "description": f"Rows to skip (0 to {INT_MAX}, default 0).",
            "schema": {"type": "integer", "minimum": 0, "maximum": INT_MAX, "default": 0},
        },
        {
            "name": "sort",
            "in": "query",
            "description": "Columns separated by commas; '-' before a column sorts it descending. "
            f"Default: {','.join(listing.default_sort)}.",
            "schema": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "enum": sort_keys(listing)},
            },
            "style": "form",
            "explode": False,
        },
        {
            "name": "q",
            "in": "query",
            "description": "Text searched for (case-insensitive) in every text column.",
            "schema": {"type": "string", "pattern": NO_NUL},
        },
    ]
    for column in listing.spec.columns:
        how = (
            "Rows whose list holds this item"
            if column.name in listing.list_columns
            else "Rows whose value equals this"
        )
        params.append(
            {
                "name": column.name,
                "in": "query",
                "description": f"{how} (repeat for any of several; empty: no filter). "
                f"{column.description}",
                "schema": {"type": "array", "items": parameter_schema(listing, column.name)},
                "style": "form",
                "explode": True,
            }
        )
    return params


def _list_response(listing: Listing) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["table", "total", "limit", "offset", "next", "previous", "rows"],
        "properties": {
            "table": {"const": listing.table},
            "total": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer"},
            "offset": {"type": "integer"},
            "next": _nullable({"type": "string"}),
            "previous": _nullable({"type": "string"}),
            "rows": {"type": "array", "items": _ref(listing.table)},
        },
    }


_REFERENCE = [
    {
        "name": "reference",
        "in": "path",
        "required": True,
        "description": "The reference, e.g. LRN-2025-014 (it may contain '/', e.g. CSPR-2024-02/LP03).",
        "schema": {"type": "string"},
    }
]


def trail_for(request: Request, reference: str, agency: str | None = None) -> dict[str, Any] | None:
    """The audit trail of an item, or why the signed-in person's role does not show it.

    ``agency``: an action's owner agency (a partner sees its own agency's action trails).
    """
    person: Person | None = getattr(request.state, "person", None)
    if person is not None and not person.sees_trail(agency, register_for(person, _store(request))):
        return {"unavailable": person.trail_hidden(agency)}
    catch_up: Callable[[], Any] | None = getattr(request.app.state, "catch_up", None)
    return audit_trail(_store(request), reference, catch_up=catch_up)


def _learning(request: Request) -> Response:
    reference = request.path_params["reference"]
    found = learning_item(_store(request), reference)
    return json_response({**found, "trail": trail_for(request, reference)})


def _action(request: Request) -> Response:
    reference = request.path_params["reference"]
    found = action_item(_store(request), reference)
    agency = found["action"]["owner_agency"]
    return json_response({**found, "trail": trail_for(request, reference, agency)})


def _measure(request: Request) -> Response:
    store = _store(request)
    story = measure_story(store, request.path_params["reference"])
    data = story.to_dict()
    data["evidence"] = evidence_records(store, story.evidence_ids)
    return json_response(data)


def _report_cards(request: Request) -> Response:
    cards = report_cards(_store(request))
    return json_response(
        [
            {
                "result": card["result"],
                "categories": [
                    {
                        "category": c["category"],
                        "question": c["question"],
                        "measures": [m.to_dict() for m in c["measures"]],
                    }
                    for c in card["categories"]
                ],
            }
            for card in cards
        ]
    )


def _seal(request: Request) -> Response:
    store = _store(request)
    seal = latest_seal(store)
    return json_response(
        {
            "seal": None
            if seal is None
            else {
                "seal_id": seal.seal_id,
                "created_at": seal.created_at,
                "last_notification_id": seal.last_notification_id,
                "event_count": seal.event_count,
                "digest": seal.digest,
            },
            "projections": projection_position(store),
        }
    )


def _index(request: Request) -> Response:
    return json_response(
        {
            "openapi": f"{API}/openapi.json",
            "endpoints": [{"path": e.path, "summary": e.summary} for e in ENDPOINTS],
        }
    )


def _openapi(request: Request) -> Response:
    from lif_app.web.openapi import openapi_document

    return json_response(openapi_document())


_TRAIL = {
    "description": "The audit trail (every event with actor, rationale, evidence provenance and "
    "integrity status); {unavailable: why} where it cannot be built here or the signed-in "
    "person's role does not show it; null where the audit module is not installed.",
    "anyOf": [{"type": "object"}, {"type": "null"}],
}
_MEASURE_STORY = {
    "type": "object",
    "required": ["measure", "periods", "story", "evidence"],
    "properties": {
        "measure": {"type": "object", "required": ["reference", "name", "category", "unit"]},
        "periods": {"type": "array", "items": _ref("impact_monitoring")},
        "story": {
            "type": "object",
            "required": ["learning", "actions"],
            "properties": {
                "learning": {"type": "array", "items": {"type": "string"}},
                "actions": {"type": "array", "items": {"type": "string"}},
            },
        },
        "evidence": {"type": "array"},
    },
}

ENDPOINTS: list[Endpoint] = [
    Endpoint(
        API,
        "index",
        "The endpoints of this API",
        _index,
        {"type": "object", "required": ["openapi", "endpoints"]},
    ),
    Endpoint(
        f"{API}/openapi.json",
        "openapi",
        "This API described as OpenAPI 3.1",
        _openapi,
        {"type": "object", "required": ["openapi", "info", "paths"]},
    ),
    Endpoint(
        f"{API}/seal",
        "seal",
        "The latest seal of the log and how far the read tables reach",
        _seal,
        {
            "type": "object",
            "required": ["seal", "projections"],
            "properties": {"seal": _nullable(_ref("Seal")), "projections": {"type": "object"}},
        },
    ),
    *(
        Endpoint(
            f"{API}/{listing.path}",
            f"list_{listing.table}",
            f"{listing.title}: rows of {listing.table}, filtered and paged",
            _list_handler(listing),
            _list_response(listing),
            _list_parameters(listing),
            listing.spec.description,
        )
        for listing in LISTINGS
    ),
    Endpoint(
        f"{API}/learning-register/{{reference}}",
        "learning_item",
        "One learning item: its row, actions, evidence with provenance and audit trail",
        _learning,
        {
            "type": "object",
            "required": ["item", "actions", "evidence", "disseminations", "trail"],
            "properties": {
                "item": _ref("learning_register"),
                "actions": {"type": "array", "items": _ref("action_status")},
                "evidence": {"type": "array", "items": _ref("Evidence")},
                "disseminations": {"type": "array", "items": {"type": "object"}},
                "trail": _TRAIL,
            },
        },
        _REFERENCE,
    ),
    Endpoint(
        f"{API}/action-status/{{reference}}",
        "action_item",
        "One action: its row, the learning it answers and its audit trail",
        _action,
        {
            "type": "object",
            "required": ["action", "learning", "answers", "trail"],
            "properties": {
                "action": _ref("action_status"),
                # the item it was raised against; "answers": every item it answers
                "learning": _nullable(_ref("learning_register")),
                "answers": {"type": "array", "items": _ref("learning_register")},
                "trail": _TRAIL,
            },
        },
        _REFERENCE,
    ),
    Endpoint(
        f"{API}/measures/{{reference}}",
        "measure",
        "One measure: its periods, the story behind the curve and the evidence behind its values",
        _measure,
        {
            **_MEASURE_STORY,
            "properties": {
                **_MEASURE_STORY["properties"],  # type: ignore[dict-item]
                "evidence": {"type": "array", "items": _ref("Evidence")},
            },
        },
        _REFERENCE,
    ),
    Endpoint(
        f"{API}/report-cards",
        "report_cards",
        "OBA report cards: per result, the three categories and their measures with their stories",
        _report_cards,
        {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["result", "categories"],
                "properties": {
                    "result": {"type": "string"},
                    "categories": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["category", "question", "measures"],
                            "properties": {"measures": {"type": "array", "items": _MEASURE_STORY}},
                        },
                    },
                },
            },
        },
    ),
]
