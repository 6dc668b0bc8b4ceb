"""Decision forms: one per row of the decision table, recorded through the same application functions as the CLI.

``GET /decide/GROUP/NAME/REFERENCE`` shows the form of a decision on an item (``GET
/decide/GROUP/NAME`` of one that creates an item); a POST to the same address records it. The
form's fields are the declaration's arguments (so a decision added to the table has a form
here as it has a command there), the values are parsed by the declaration's pydantic model,
and the decision is written by :func:`~lif_core.decisions.decide` /
:func:`~lif_core.decisions.create`: there is no second implementation to drift.

Each form carries the item's version when it was shown; a form sent after the item moved on is
refused (409) with what changed, and shown again with the person's values to look at and send
again. A person whose role or agency may not make the decision gets a 403 saying why, before
anything is read from the form but its CSRF token. After a decision the audit index and the read
tables are brought up to date (:class:`Upkeep`), so the item's page shows it at once.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from lif_app.web.access import Person, register_for
from lif_app.web.pages import item_url, render_page
from lif_app.web.session import form_endpoint, person_of
from lif_core.audit.index import sync_event_ids
from lif_core.decisions import (
    Argument,
    Creation,
    Decision,
    Recorded,
    create,
    decide,
    declaration,
    find_reference,
)
from lif_core.errors import (
    ConcurrencyError,
    ConfigError,
    ForbiddenError,
    LifError,
    NotFoundError,
    RefusedError,
)
from lif_core.eventlog.store import Store

__all__ = ["FORMS", "Upkeep"]

log = logging.getLogger(__name__)

# Arguments written as a paragraph rather than a line, and names not written as plain words.
_PROSE = {"rationale", "statement", "note", "description", "reason"}
_LABELS = {"rag": "RAG", "ref": "Reference"}


class Upkeep:
    """What follows a decision in the signed-in view, one at a time: the audit index of event ids
    and the read tables brought up to the end of the log (``lif project``'s incremental run)."""

    def __init__(self, writer: Store) -> None:
        self.writer = writer
        self.lock = threading.Lock()

    def index(self) -> None:
        with self.lock:
            sync_event_ids(self.writer)

    def after_decision(self) -> str | None:
        """Bring both up to date; a problem is said (the decision itself is already recorded)."""
        from projections import project

        with self.lock:
            try:
                sync_event_ids(self.writer)
                project(self.writer)
            except LifError as exc:
                log.warning(
                    "after a decision, the read tables were not brought up to date: %s", exc
                )
                return f"the pages may not show it until `lif project` runs ({exc})"
        return None


@dataclass(frozen=True, slots=True)
class Field:
    """One control of a form, made from one argument of the declaration."""

    name: str
    label: str
    help: str
    kind: str  # text, textarea, lines, date, number
    required: bool
    value: str


def _kind(argument: Argument) -> str:
    if argument.repeatable:
        return "lines"
    if argument.datatype is date:
        return "date"
    if argument.datatype in (Decimal, int):
        return "number"
    return "textarea" if argument.name in _PROSE else "text"


def _fields(chosen: Creation | Decision, values: dict[str, str]) -> list[Field]:
    out = []
    for argument in chosen.arguments:
        required = argument.required or (argument.name == "rationale" and chosen.needs_rationale)
        kind = _kind(argument)
        hint = argument.help + (" One a line." if kind == "lines" else "")
        out.append(
            Field(
                name=argument.name,
                label=_LABELS.get(argument.name, argument.name.replace("_", " ").capitalize()),
                help=hint,
                kind=kind,
                required=required,
                value=values.get(argument.name, ""),
            )
        )
    return out


def _prefilled(chosen: Creation | Decision, request: Request) -> dict[str, str]:
    """A new form's values: today for dates that default to it, defaults, and ``?name=value``."""
    values: dict[str, str] = {}
    for argument in chosen.arguments:
        if argument.today:
            values[argument.name] = date.today().isoformat()
        elif argument.default not in (None, ""):
            values[argument.name] = str(argument.default)
        given = request.query_params.get(argument.name)
        if given:
            values[argument.name] = given
    return values


def _sent(chosen: Creation | Decision, form: FormData) -> tuple[dict[str, str], dict[str, Any]]:
    """The form as typed (to show again) and as the declaration's arguments (blank: not given)."""
    typed: dict[str, str] = {}
    given: dict[str, Any] = {}
    for argument in chosen.arguments:
        text = str(form.get(argument.name) or "").replace("\r\n", "\n")
        typed[argument.name] = text
        if argument.repeatable:
            given[argument.name] = [line.strip() for line in text.split("\n") if line.strip()]
        elif text.strip():
            given[argument.name] = text.strip()
    return typed, given


def _chosen(request: Request) -> Creation | Decision:
    """The declaration the address names; a decision needs a reference, a creation none."""
    group, name = request.path_params["group"], request.path_params["name"]
    found = declaration(group, name)
    reference = request.path_params.get("reference")
    if isinstance(found, Creation) and reference:
        raise NotFoundError(
            f"`{found.key}` makes a new item: its form is at /decide/{group}/{name}"
        )
    if isinstance(found, Decision) and not reference:
        raise NotFoundError(f"`{found.key}` is about an item: /decide/{group}/{name}/REFERENCE")
    return found


def _item(request: Request, chosen: Creation | Decision) -> Any:
    if isinstance(chosen, Creation):
        return None
    store: Store = request.app.state.store
    return find_reference(store, chosen.aggregate, request.path_params["reference"])


def _signed_in(request: Request) -> Person:
    person = person_of(request)
    if person is None:  # the forms are only routed with sign-in; this is the guard's job
        raise ForbiddenError("decisions are made signed in")
    return person


def _show(
    request: Request,
    chosen: Creation | Decision,
    item: Any,
    values: dict[str, str],
    *,
    status: int = 200,
    problem: str | None = None,
) -> Response:
    reference = request.path_params.get("reference")
    return render_page(
        request,
        "site/decide.html",
        status=status,
        decision=chosen,
        title=f"{chosen.name.replace('-', ' ').capitalize()}"
        + (f" {reference}" if reference else f" ({chosen.group})"),
        reference=reference,
        item=_summary(item),
        back=item_url(chosen.group, reference) if reference else None,
        version=getattr(item, "version", None),
        fields=_fields(chosen, values),
        problem=problem,
    )


def _summary(item: Any) -> dict[str, Any] | None:
    """What the form shows of the item it decides on."""
    if item is None:
        return None
    words = getattr(item, "title", None) or getattr(item, "description", None)
    return {
        "what": words or getattr(item, "name", None) or "",
        "status": str(getattr(item, "status", "") or ""),
        "agency": getattr(item, "owner_agency", None),
        "version": item.version,
    }


def form_page(request: Request) -> Response:
    """The form of a decision, for someone whose role (and agency) may make it."""
    chosen = _chosen(request)
    item = _item(request, chosen)
    person = _signed_in(request)
    person.grant_for(chosen, item, None, register_for(person, request.app.state.store))
    return _show(request, chosen, item, _prefilled(chosen, request))


def record(request: Request, form: FormData) -> Response:
    """Record the decision a form was sent for, by the person signed in, or say why not."""
    person = _signed_in(request)
    chosen = _chosen(request)
    item = _item(request, chosen)
    directory = register_for(person, request.app.state.store)
    person.grant_for(chosen, item, None, directory)  # refused before the form is read further
    typed, given = _sent(chosen, form)
    try:
        arguments = chosen.parse(given)
    except ConfigError as exc:
        return _show(request, chosen, item, typed, status=400, problem=str(exc))
    grant = person.grant_for(chosen, item, arguments, directory)
    actor = person.actor(grant).actor
    writer: Store = request.app.state.writer
    try:
        if isinstance(chosen, Creation):
            recorded = create(writer, chosen, arguments, actor=actor)
        else:
            recorded = decide(
                writer,
                chosen,
                request.path_params["reference"],
                arguments,
                actor=actor,
                expected_version=_version(form),
            )
    except ForbiddenError:
        raise
    except ConcurrencyError as exc:
        fresh = _item(request, chosen)
        return _show(request, chosen, fresh, typed, status=409, problem=str(exc))
    except (RefusedError, NotFoundError) as exc:
        return _show(request, chosen, item, typed, status=409, problem=str(exc))
    except ConfigError as exc:
        return _show(request, chosen, item, typed, status=400, problem=str(exc))
    return _done(request, chosen, recorded)


def _version(form: FormData) -> int:
    text = str(form.get("expected_version") or "")
    if not text.isdigit():
        raise ConfigError(
            "the form does not say which version of the item it was filled in on: open it again"
        )
    return int(text)


def _done(request: Request, chosen: Creation | Decision, recorded: Recorded) -> Response:
    upkeep: Upkeep = request.app.state.upkeep
    late = upkeep.after_decision()
    last = recorded.events[-1]
    said = (
        f"Recorded: {type(last).__qualname__} on {recorded.reference} (version {recorded.version})."
    )
    request.session["flash"] = said + (f" Note: {late}." if late else "")
    target = item_url(chosen.group, recorded.reference)
    return RedirectResponse(target + "#trail", status_code=303)


FORMS = [
    Route("/decide/{group}/{name}", form_page, methods=["GET"], name="creation_form"),
    Route("/decide/{group}/{name}", form_endpoint(record), methods=["POST"], name="create"),
    Route("/decide/{group}/{name}/{reference:path}", form_page, methods=["GET"], name="form"),
    Route(
        "/decide/{group}/{name}/{reference:path}",
        form_endpoint(record),
        methods=["POST"],
        name="decide",
    ),
]
"""The decision forms' routes (added only with sign-in)."""
