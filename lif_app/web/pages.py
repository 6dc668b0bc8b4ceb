"""The HTML pages of ``lif serve``: plain links and GET forms, so everything works without JavaScript."""

from __future__ import annotations

from collections import Counter
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from lif_app.web.api import params_of, projection_position
from lif_app.web.story import (
    CATEGORIES,
    action_item,
    audit_trail,
    evidence_records,
    learning_item,
    measure_story,
    report_cards,
)
from lif_app.web.tables import (
    all_rows,
    distinct_values,
    listing_for_path,
    query_rows,
    require_table,
)
from lif_core.audit.verify import latest_seal
from lif_core.eventlog.store import Store

__all__ = ["PAGES", "render_page"]

RAGS = ("red", "amber", "green", "blue")


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def render_page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    store = _store(request)
    env = request.app.state.templates
    html = env.get_template(template).render(
        request_path=request.url.path,
        seal=latest_seal(store),
        projections=projection_position(store),
        **context,
    )
    return HTMLResponse(html, status_code=status)


def _link(request: Request, **changes: Any) -> str:
    """This page's URL with some parameters changed (None removes one)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += [(k, str(v)) for k, v in changes.items() if v is not None]
    from urllib.parse import urlencode

    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def home(request: Request) -> Response:
    store = _store(request)
    with store.read() as tx:
        require_table(tx, "learning_register")
        counts = dict(tx.execute("SELECT name, rows FROM lif_projection_tables").fetchall())
    return render_page(request, "site/home.html", counts=counts)


REGISTER_SORTS = {
    "-date_identified": "Newest identified first",
    "date_identified": "Oldest identified first",
    "reference": "Reference",
    "status": "Status",
    "-dissemination_count": "Most shared first",
    "-actions_overdue": "Most overdue actions first",
}


def register(request: Request) -> Response:
    store = _store(request)
    listing = listing_for_path("learning-register")
    assert listing is not None
    params = params_of(request)
    page = query_rows(store, listing, params)
    return render_page(
        request,
        "site/register.html",
        page=page,
        chosen={k: v[0] for k, v in params.items() if v},
        themes=distinct_values(store, listing, "themes"),
        source_kinds=distinct_values(store, listing, "source_kind"),
        statuses=distinct_values(store, listing, "status"),
        sorts=REGISTER_SORTS,
        link=lambda **c: _link(request, **c),
    )


def learning(request: Request) -> Response:
    reference = request.path_params["reference"]
    return render_page(request, "site/learning.html", **learning_item(_store(request), reference))


def actions(request: Request) -> Response:
    store = _store(request)
    listing = listing_for_path("action-status")
    assert listing is not None
    params = params_of(request)
    page = query_rows(store, listing, params)
    everything = all_rows(store, "action_status")
    by_agency: dict[str, Counter[str]] = {}
    for row in everything:
        counts = by_agency.setdefault(row["owner_agency"], Counter())
        counts[row["rag"] or "cancelled"] += 1
        counts["overdue"] += int(bool(row["overdue"]))
    return render_page(
        request,
        "site/actions.html",
        page=page,
        chosen={k: v[0] for k, v in params.items() if v},
        by_agency=sorted(by_agency.items()),
        rags=RAGS,
        agencies=distinct_values(store, listing, "owner_agency"),
        link=lambda **c: _link(request, **c),
    )


def action(request: Request) -> Response:
    reference = request.path_params["reference"]
    return render_page(request, "site/action.html", **action_item(_store(request), reference))


def impact(request: Request) -> Response:
    return render_page(
        request, "site/impact.html", cards=report_cards(_store(request)), categories=CATEGORIES
    )


def measure(request: Request) -> Response:
    store = _store(request)
    reference = request.path_params["reference"]
    story = measure_story(store, reference)
    return render_page(
        request,
        "site/measure.html",
        story=story,
        question=CATEGORIES.get(story.measure["category"], story.measure["category"]),
        evidence=evidence_records(store, story.evidence_ids),
        trail=audit_trail(store, reference),
    )


def sources(request: Request) -> Response:
    store = _store(request)
    listing = listing_for_path("source-catalogue")
    assert listing is not None
    params = params_of(request)
    params.setdefault("sort", ["freshness,source"])
    params.setdefault("limit", ["1000"])
    page = query_rows(store, listing, params)
    return render_page(
        request,
        "site/sources.html",
        page=page,
        chosen={k: v[0] for k, v in params.items() if v},
        freshness=distinct_values(store, listing, "freshness"),
    )


def rejections(request: Request) -> Response:
    store = _store(request)
    listing = listing_for_path("rejections")
    assert listing is not None
    params = params_of(request)
    if "status" not in params:
        params["status"] = ["awaiting review"]
    page = query_rows(store, listing, params)
    return render_page(
        request,
        "site/rejections.html",
        page=page,
        chosen={k: v[0] for k, v in params.items() if v},
        statuses=distinct_values(store, listing, "status"),
        sources=distinct_values(store, listing, "source"),
        link=lambda **c: _link(request, **c),
    )


# path, handler, name (the route name and the navigation key)
PAGES: list[tuple[str, Any, str]] = [
    ("/", home, "home"),
    ("/register", register, "register"),
    ("/learning/{reference:path}", learning, "learning"),
    ("/actions", actions, "actions"),
    ("/actions/{reference:path}", action, "action"),
    ("/impact", impact, "impact"),
    ("/measures/{reference:path}", measure, "measure"),
    ("/sources", sources, "sources"),
    ("/rejections", rejections, "rejections"),
]
