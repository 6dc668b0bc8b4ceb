"""The JSON API: every route answers the projection rows it documents, and every bad request is a clear 4xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest
from openapi_spec_validator import validate as validate_openapi
from starlette.testclient import TestClient

from lif_app.web.api import ENDPOINTS
from lif_app.web.app import create_app
from lif_app.web.tables import LISTINGS
from lif_core.audit.verify import latest_seal
from lif_core.eventlog.store import Store

API = "/api/v1"


@pytest.fixture(scope="module")
def client(demo_store) -> Iterator[TestClient]:
    with TestClient(create_app(demo_store.url), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict[str, Any]:
    answer = client.get(f"{API}/openapi.json")
    assert answer.status_code == 200
    return answer.json()


@pytest.fixture(scope="module")
def store(demo_store) -> Iterator[Store]:
    with Store(demo_store.url) as s:
        yield s


def rows_of(store: Store, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with store.read() as tx:
        return tx.execute(sql, params).fetchall()


def conforms(spec: dict[str, Any], path: str, answer: Any, status: str = "200") -> None:
    """The answer matches the schema the OpenAPI document gives for ``path`` and ``status``."""
    schema = spec["paths"][path]["get"]["responses"][status]["content"]["application/json"][
        "schema"
    ]
    jsonschema.Draft202012Validator({**schema, "components": spec["components"]}).validate(answer)


# --- the OpenAPI document ----------------------------------------------------------------------


def test_openapi_document_is_valid_openapi_3_1_and_lists_every_route(
    client: TestClient, spec: dict[str, Any]
) -> None:
    validate_openapi(spec)
    assert spec["openapi"] == "3.1.0"
    served = {e.path for e in ENDPOINTS}
    assert set(spec["paths"]) == served
    assert {f"{API}/{listing.path}" for listing in LISTINGS} <= served
    for path, item in spec["paths"].items():
        assert set(item) == {"get"}, f"{path} documents more than GET"
        operation = item["get"]
        assert {"200", "405"} <= set(operation["responses"]), path
        for parameter in operation.get("parameters", []):
            assert parameter["in"] in ("query", "path") and parameter["description"], parameter
    conforms(spec, f"{API}/openapi.json", spec)


def test_every_table_column_is_documented_with_its_description(spec: dict[str, Any]) -> None:
    from projections import TABLES

    for name, table in TABLES.items():
        schema = spec["components"]["schemas"][name]
        assert list(schema["properties"]) == [c.name for c in table.columns]
        for column in table.columns:
            assert schema["properties"][column.name]["description"] == column.description


# --- listings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("listing", LISTINGS, ids=lambda item: item.path)
def test_each_listing_serves_all_its_rows_page_by_page(
    client: TestClient, spec: dict[str, Any], store: Store, listing
) -> None:
    (expected,) = rows_of(store, f"SELECT COUNT(*) FROM {listing.table}")[0]
    assert expected > 0, f"the demo store should hold {listing.table} rows"
    seen: list[dict[str, Any]] = []
    url: str | None = f"{API}/{listing.path}?limit=3"
    while url:
        answer = client.get(url)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        conforms(spec, f"{API}/{listing.path}", body)
        assert body["total"] == expected and body["limit"] == 3
        assert len(body["rows"]) <= 3
        seen.extend(body["rows"])
        url = body["next"]
    assert len(seen) == expected
    keys = [tuple(r[k] for k in listing.spec.key) for r in seen]
    assert len(set(keys)) == expected, "paging repeated or skipped rows"


def test_register_filters_by_theme_source_status_and_search(
    client: TestClient, store: Store
) -> None:
    rows = rows_of(
        store, "SELECT reference, themes, source_kind, status, statement FROM learning_register"
    )
    neglect = {r[0] for r in rows if "Neglect" in [t.strip() for t in r[1].split(";")]}
    body = client.get(f"{API}/learning-register?themes=Neglect&limit=1000").json()
    assert {r["reference"] for r in body["rows"]} == neglect and body["total"] == len(neglect)

    reviews = {r[0] for r in rows if r[2] == "practice-review" and r[3] == "identified"}
    body = client.get(
        f"{API}/learning-register?source_kind=practice-review&status=identified"
    ).json()
    assert {r["reference"] for r in body["rows"]} == reviews

    either = {r[0] for r in rows if r[3] in ("accepted", "declined")}
    body = client.get(f"{API}/learning-register?status=accepted&status=declined").json()
    assert {r["reference"] for r in body["rows"]} == either and len(either) == 2

    searched = {r[0] for r in rows if "appointments" in r[4].lower()}
    body = client.get(f"{API}/learning-register?q=APPOINTMENTS").json()
    assert searched and {r["reference"] for r in body["rows"]} >= searched


def test_register_sorts_by_any_column_either_way(client: TestClient) -> None:
    up = client.get(f"{API}/learning-register?sort=reference&limit=1000").json()["rows"]
    down = client.get(f"{API}/learning-register?sort=-reference&limit=1000").json()["rows"]
    refs = [r["reference"] for r in up]
    assert refs == sorted(refs) and [r["reference"] for r in down] == refs[::-1]
    shared = client.get(f"{API}/learning-register?sort=-dissemination_count,reference").json()
    counts = [r["dissemination_count"] for r in shared["rows"]]
    assert counts == sorted(counts, reverse=True)


def test_action_status_comes_overdue_first(client: TestClient, store: Store) -> None:
    rows = client.get(f"{API}/action-status").json()["rows"]
    overdue = [r["overdue"] for r in rows]
    assert overdue == sorted(overdue, reverse=True) and overdue[0] == 1
    (red,) = rows_of(store, "SELECT COUNT(*) FROM action_status WHERE rag = 'red'")[0]
    assert client.get(f"{API}/action-status?rag=red").json()["total"] == red


def test_rejections_are_listed_with_their_reasons_decoded(client: TestClient) -> None:
    body = client.get(f"{API}/rejections?status=awaiting review&source=cdop").json()
    assert body["total"] > 0
    first = body["rows"][0]
    assert isinstance(first["reasons"], list) and first["reasons"]
    assert isinstance(first["locator"], dict)


# --- detail views --------------------------------------------------------------------------------


def test_learning_item_has_its_actions_evidence_and_audit_trail(
    client: TestClient, spec: dict[str, Any], store: Store
) -> None:
    body = client.get(f"{API}/learning-register/LRN-2025-014").json()
    conforms(spec, f"{API}/learning-register/{{reference}}", body)
    assert body["item"]["reference"] == "LRN-2025-014"
    expected = {
        r[0]
        for r in rows_of(
            store,
            "SELECT reference FROM action_status WHERE learning_reference = ?",
            ("LRN-2025-014",),
        )
    }
    assert {a["reference"] for a in body["actions"]} == expected and expected
    # the review's learning point (linked by the demo), the log's evidence of impact, and the
    # tracker's two Blue rows for its actions (ACT-2025-032 and ACT-2025-036)
    assert len(body["evidence"]) == body["item"]["evidence_count"] == 4
    sources = sorted(e["source"] for e in body["evidence"])
    assert sources == ["action-plans", "action-plans", "learning-log", "practice-reviews"]
    assert all(e["origin"].endswith((".csv", ".xlsx")) for e in body["evidence"])
    trail = body["trail"]
    assert trail is not None and "unavailable" not in trail, trail
    assert trail["intact"] is True
    assert len(trail["events"]) == body["item"]["events"]
    assert all(e["actor"] for e in trail["events"])


def test_a_reference_with_a_slash_is_found_plain_or_percent_encoded(client: TestClient) -> None:
    plain = client.get(f"{API}/learning-register/CSPR-2024-02/LP04")
    encoded = client.get(f"{API}/learning-register/{quote('CSPR-2024-02/LP04', safe='')}")
    assert plain.status_code == encoded.status_code == 200
    assert (
        plain.json()["item"]["reference"]
        == encoded.json()["item"]["reference"]
        == "CSPR-2024-02/LP04"
    )


def test_action_has_its_learning_and_trail(client: TestClient, spec: dict[str, Any]) -> None:
    body = client.get(f"{API}/action-status/ACT-2025-032").json()
    conforms(spec, f"{API}/action-status/{{reference}}", body)
    assert body["action"]["status"] == "impact-verified"
    assert body["learning"]["reference"] == "LRN-2025-014"
    assert [e["type"] for e in body["trail"]["events"]][-1] == "Action.ImpactVerified"


def test_measure_has_its_periods_story_and_evidence(
    client: TestClient, spec: dict[str, Any], store: Store
) -> None:
    body = client.get(f"{API}/measures/MEA-ICPC-15WD").json()
    conforms(spec, f"{API}/measures/{{reference}}", body)
    periods = rows_of(
        store,
        "SELECT period_start, source_records FROM impact_monitoring WHERE measure = ? ORDER BY period_start",
        ("MEA-ICPC-15WD",),
    )
    assert [p["period_start"] for p in body["periods"]] == [p[0] for p in periods]
    # The learning log names the measure's indicator (ICPC-15WD) as the source of LRN-2025-019.
    assert "LRN-2025-019" in body["story"]["learning"]
    assert "ACT-2025-101" in body["story"]["actions"]
    import json

    cited = {i for p in periods for i in json.loads(p[1])}
    assert {e["id"] for e in body["evidence"]} == cited
    assert all(e["source"] == "performance" for e in body["evidence"])


def test_report_cards_group_measures_by_result_in_the_three_categories(
    client: TestClient, spec: dict[str, Any], store: Store
) -> None:
    body = client.get(f"{API}/report-cards").json()
    conforms(spec, f"{API}/report-cards", body)
    results = {r[0] for r in rows_of(store, "SELECT DISTINCT result FROM impact_monitoring")}
    assert {c["result"] for c in body} == results
    for card in body:
        assert [c["category"] for c in card["categories"]] == ["how-much", "how-well", "better-off"]
    measures = {
        m["measure"]["reference"]
        for card in body
        for c in card["categories"]
        for m in c["measures"]
    }
    assert measures == {
        r[0] for r in rows_of(store, "SELECT DISTINCT measure FROM impact_monitoring")
    }


def test_seal_endpoint_names_the_latest_seal_and_how_far_the_tables_reach(
    client: TestClient, spec: dict[str, Any], store: Store
) -> None:
    body = client.get(f"{API}/seal").json()
    conforms(spec, f"{API}/seal", body)
    seal = latest_seal(store)
    assert seal is not None
    assert body["seal"]["seal_id"] == seal.seal_id and body["seal"]["digest"] == seal.digest
    assert "actor" not in body["seal"]
    assert body["projections"]["position"] == seal.last_notification_id


def test_index_lists_every_endpoint(client: TestClient, spec: dict[str, Any]) -> None:
    body = client.get(API).json()
    conforms(spec, API, body)
    assert {e["path"] for e in body["endpoints"]} == set(spec["paths"])


def test_every_number_parameter_is_bounded_and_sort_lists_its_columns(
    spec: dict[str, Any],
) -> None:
    """The document says what the server takes: a number has its bounds, sort its choices."""
    numbers = 0
    for listing in LISTINGS:
        operation = spec["paths"][f"{API}/{listing.path}"]["get"]
        for param in operation["parameters"]:
            schema = param["schema"]
            items = schema.get("items", schema)
            typed = [
                s for s in items.get("anyOf", [items]) if s.get("type") in ("integer", "number")
            ]
            for number in typed:
                numbers += 1
                assert "minimum" in number and "maximum" in number, (listing.path, param["name"])
            if param["name"] == "sort":
                assert set(items["enum"]) == {k for c in listing.columns for k in (c, f"-{c}")}, (
                    listing.path
                )
                assert (param["style"], param["explode"]) == ("form", False)
        by_name = {p["name"]: p["schema"] for p in operation["parameters"]}
        assert by_name["offset"]["maximum"] == 2**63 - 1 and by_name["limit"]["maximum"] == 1000
        for column in listing.spec.columns:
            item = by_name[column.name]["items"]
            kinds = {s.get("type") for s in item.get("anyOf", [item])}
            expected = {"INTEGER": "integer", "REAL": "number"}.get(column.type, "string")
            assert expected in kinds, (listing.path, column.name, column.type)
    assert numbers >= 7


# --- bad requests ----------------------------------------------------------------------------------

BAD = [
    ("/learning-register?limit=x", 400, "limit='x' is not a whole number"),
    ("/learning-register?limit=0", 400, "out of range"),
    ("/learning-register?limit=1001", 400, "out of range"),
    ("/learning-register?offset=-1", 400, "out of range"),
    # An empty limit or offset is not a number (the fuzzer found it accepted as none given).
    ("/action-status?offset=", 400, "offset='' is not a whole number"),
    ("/partner-register?limit=&statutory=", 400, "limit='' is not a whole number"),
    ("/learning-register?limit=1&limit=2", 400, "limit given 2 times"),
    ("/learning-register?sort=colour", 400, "cannot be sorted by 'colour'"),
    ("/learning-register?sort=reference,-", 400, "cannot be sorted by ''"),
    ("/learning-register?colour=red", 400, "unknown parameter 'colour'"),
    ("/learning-register?actions_total=many", 400, "actions_total='many' is not a whole number"),
    (
        "/action-status?offset=9223372036854775808",
        400,
        "offset=9223372036854775808 is out of range",
    ),
    ("/learning-register?actions_total=-9223372036854775809", 400, "out of range"),
    ("/learning-register?actions_total=1" + "0" * 40, 400, "is not a whole number"),
    ("/impact-monitoring?value=1e400", 400, "a number from -1e300 to 1e300"),
    ("/impact-monitoring?value=nan", 400, "a number from -1e300 to 1e300"),
    ("/learning-register?q=a%00b", 400, "NUL character"),
    ("/ingestion-runs?started_at=yesterday", 400, "holds times like"),
    ("/learning-register?date_identified=31/03/2025", 400, "holds dates like 2025-03-31"),
    ("/impact-monitoring?value=high", 400, "value holds numbers"),
    ("/action-status?q=%25%27%3B--", 200, None),
    ("/learning-register/LRN-1999-999", 404, "no learning item 'LRN-1999-999'"),
    ("/action-status/ACT-1999-999", 404, "no action 'ACT-1999-999'"),
    ("/measures/MEA-NOTHING", 404, "no measure 'MEA-NOTHING'"),
    ("/no-such-table", 404, "nothing at /api/v1/no-such-table"),
]


@pytest.mark.parametrize(("path", "status", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_requests_get_a_clear_json_error_never_a_500(
    client: TestClient, spec: dict[str, Any], path: str, status: int, message: str | None
) -> None:
    answer = client.get(API + path)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    if message is None:
        return
    body = answer.json()
    jsonschema.Draft202012Validator(
        {"$ref": "#/components/schemas/Error", "components": spec["components"]}
    ).validate(body)
    assert body["error"]["status"] == status
    assert message in body["error"]["message"]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_every_route_refuses_every_method_but_get_and_head(client: TestClient, method: str) -> None:
    paths = [e.path.replace("{reference}", "LRN-2025-014") for e in ENDPOINTS]
    paths += [
        "/",
        "/register",
        "/learning/LRN-2025-014",
        "/impact",
        "/static/style.css",
        "/nowhere",
    ]
    for path in paths:
        answer = client.request(method, path, content=b'{"status": "closed"}')
        assert answer.status_code == 405, (method, path)
        assert answer.headers["allow"] == "GET, HEAD"
        if path.startswith(API):
            assert answer.json()["error"]["status"] == 405
            assert "read-only" in answer.json()["error"]["message"]


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    for path in (f"{API}/learning-register", "/register"):
        answer = client.head(path)
        assert answer.status_code == 200 and answer.content == b""


def test_every_endpoint_the_api_lists_is_in_the_web_page_of_the_docs(client: TestClient) -> None:
    """docs/web.md's endpoint table names every path GET /api/v1 lists (a listing by its
    short form `/name`, a reference as REF), so a table served without a doc line fails."""
    page = (Path(__file__).resolve().parents[3] / "docs" / "web.md").read_text(encoding="utf-8")
    listed = [e["path"] for e in client.get(API).json()["endpoints"]]
    assert len(listed) == len(ENDPOINTS)
    missing = [
        path
        for path in listed
        if f"`GET {path.replace('{reference}', 'REF')}`" not in page
        and f"`{path.removeprefix(API)}`" not in page
    ]
    assert not missing, f"served but not in docs/web.md: {missing}"
