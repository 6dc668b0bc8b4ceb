"""The HTML pages of ``lif serve``: plain links and GET forms, so everything works without JavaScript.

With sign-in, a page also shows who is signed in, what their roles let them decide on it (links to
the decision forms, :mod:`lif_app.web.forms`), and the audit trail only where their role sees it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from lif_app.web.access import Person, register_for
from lif_app.web.api import API, json_response, params_of, projection_position, trail_for
from lif_app.web.story import (
    CATEGORIES,
    action_item,
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
from lif_core.decisions import DECISIONS, Creation
from lif_core.domain import Action
from lif_core.errors import ForbiddenError
from lif_core.eventlog.store import Store
from projections.action_status import counts_by_owner, owner_names

__all__ = [
    "ITEM_PAGES",
    "PAGES",
    "error_page",
    "item_url",
    "render_page",
    "wants_json",
]

RAGS = ("red", "amber", "green", "blue")
ITEM_PAGES = {"learning": "/learning/", "action": "/actions/", "measure": "/measures/"}
"""Where the page of an item of each kind is: the prefix its reference follows."""

TITLES = {
    400: "Bad request",
    401: "Sign in first",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Not recorded",
    503: "Not available",
}


def item_url(group: str, reference: str) -> str:
    # Partners and priorities have no page of their own: their tables are on the register.
    return ITEM_PAGES.get(group, "/register#") + reference


def wants_json(path: str) -> bool:
    return path == API or path.startswith(API + "/")


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _person(request: Request) -> Person | None:
    person: Person | None = getattr(request.state, "person", None)
    return person


def _session_context(request: Request) -> dict[str, Any]:
    """Who is signed in, the CSRF token of their forms, and a message from their last decision."""
    if "session" not in request.scope:
        return {"person": None, "csrf": "", "flash": None, "signin": False}
    return {
        "person": _person(request),
        "csrf": str(request.session.get("csrf", "")),
        "flash": request.session.pop("flash", None),
        "signin": True,
    }


def render_page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    store = _store(request)
    env = request.app.state.templates
    html = env.get_template(template).render(
        request_path=request.url.path,
        seal=latest_seal(store),
        projections=projection_position(store),
        **(_session_context(request) | context),
    )
    return HTMLResponse(html, status_code=status)


def error_page(
    request: Request, status: int, message: str, *, person: Person | None = None
) -> Response:
    """An error as JSON under the API and as a page elsewhere: what was wrong and what to do."""
    if wants_json(request.url.path):
        return json_response({"error": {"status": status, "message": message}}, status)
    env = request.app.state.templates
    context = _session_context(request) | ({"person": person} if person else {})
    html = env.get_template("site/error.html").render(
        request_path=request.url.path,
        status=status,
        title=TITLES.get(status, "Error"),
        message=message,
        seal=None,
        projections=None,
        **context,
    )
    return HTMLResponse(html, status_code=status)


def _pack(request: Request, reference: str) -> str | None:
    """Where to download the item's audit pack, for someone signed in who reads packs (the
    read-only view without sign-in stays as it was: `lif audit pack` writes one)."""
    person = _person(request)
    if person is None or not person.reads("audit"):
        return None
    return "/audit/pack/" + reference


def _decisions(
    request: Request, group: str, reference: str | None = None, item: Any = None
) -> list[dict[str, str]]:
    """The decisions the signed-in person may record here, as links to their forms."""
    person = _person(request)
    if person is None:
        return []
    out = []
    directory = register_for(person, _store(request))
    for declaration in DECISIONS:
        creates = isinstance(declaration, Creation)
        if declaration.group != group or creates != (reference is None):
            continue
        try:
            person.grant_for(declaration, item, None, directory)
        except ForbiddenError:
            continue
        path = f"/decide/{declaration.group}/{declaration.name}"
        out.append(
            {
                "name": declaration.name.replace("-", " "),
                "help": declaration.help,
                "url": path + (f"/{reference}" if reference else ""),
            }
        )
    return out


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
        identify=_decisions(request, "learning"),
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
    item = learning_item(_store(request), reference)
    return render_page(
        request,
        "site/learning.html",
        decisions=_decisions(request, "learning", reference),
        raise_action=_decisions(request, "action"),
        trail=trail_for(request, reference),
        pack=_pack(request, reference),
        **item,
    )


def actions(request: Request) -> Response:
    store = _store(request)
    listing = listing_for_path("action-status")
    assert listing is not None
    params = params_of(request)
    page = query_rows(store, listing, params)
    everything = all_rows(store, "action_status")
    # Each partner once, whatever spelling its actions used; a shared action once for each
    # partner that shares it (issue 15), as the published report counts them.
    by_agency = counts_by_owner(everything)
    # The link lists what the row counts: a partner by its resolved name (any spelling, each
    # partner of a shared action), an agency no partner answers to as written.
    filter_by = {
        agency: "owner_partner_name" if row["owner_partner_name"] else "owner_agency"
        for row in everything
        for agency in owner_names(row)
    }
    return render_page(
        request,
        "site/actions.html",
        raise_action=_decisions(request, "action"),
        page=page,
        chosen={k: v[0] for k, v in params.items() if v},
        by_agency=[(a, by_agency[a], filter_by[a]) for a in sorted(by_agency)],
        rags=RAGS,
        partners=distinct_values(store, listing, "owner_partner_name"),
        agencies=distinct_values(store, listing, "owner_agency"),
        link=lambda **c: _link(request, **c),
    )


def action(request: Request) -> Response:
    store = _store(request)
    reference = request.path_params["reference"]
    found = action_item(store, reference)
    agency = found["action"]["owner_agency"]
    found["trail"] = trail_for(request, reference, agency)
    item = store.get(Action, UUID(found["action"]["stream_id"]), label=reference)
    return render_page(
        request,
        "site/action.html",
        decisions=_decisions(request, "action", reference, item),
        pack=_pack(request, reference),
        **found,
    )


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
        trail=trail_for(request, reference),
        pack=_pack(request, reference),
        decisions=_decisions(request, "measure", reference),
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
