"""The web application: HTML pages and the JSON API, read-only, or with sign-in and decision forms.

Without sign-in settings it is read-only by construction: the store is opened read-only
(:mod:`lif_app.web.readonly`), every route is a GET (HEAD comes with it), and any other method
is answered 405 before routing.

With sign-in settings (:mod:`lif_app.web.signin`) every page needs a session
(:mod:`lif_app.web.session`), and people whose role decides get the decision forms
(:mod:`lif_app.web.forms`). Pages are still read through the read-only store; only a decision
(and the upkeep after it: the audit index and the read tables) goes through a second, writable one.

Errors are answered as JSON under ``/api`` and as a page elsewhere; a bad parameter is a 400
that says what was wrong, a refusal by role or agency a 403 that says why, an unknown reference a
404, a store without read tables a 503.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from lif_app.web.api import API, ENDPOINTS, json_response
from lif_app.web.downloads import DOWNLOADS
from lif_app.web.forms import FORMS, Upkeep
from lif_app.web.pages import PAGES, error_page, wants_json
from lif_app.web.readonly import open_read_only
from lif_app.web.session import SignInGuard, signin_routes
from lif_app.web.signin import SignIn
from lif_app.web.tables import BadQuery
from lif_app.web.templating import environment, stylesheet
from lif_core.errors import (
    ConcurrencyError,
    ForbiddenError,
    LifError,
    NotFoundError,
    RefusedError,
    StoreError,
)
from lif_core.eventlog.store import Store

__all__ = ["create_app"]

log = logging.getLogger(__name__)

ALLOWED_METHODS = ("GET", "HEAD")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class ReadOnlyMethods:
    """Answer 405 to every method but GET and HEAD, before any route is looked at."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ALLOWED_METHODS:
            headers = {"Allow": ", ".join(ALLOWED_METHODS), **SECURITY_HEADERS}
            message = (
                f"{scope['method']} is not allowed: this service is read-only (GET and HEAD only)"
            )
            response: Response
            if wants_json(scope["path"]):
                response = json_response(
                    {"error": {"status": 405, "message": message}}, 405, headers
                )
            else:
                response = HTMLResponse(
                    f"<!doctype html><title>405 Method not allowed</title><h1>Method not allowed</h1><p>{message}</p>",
                    status_code=405,
                    headers=headers,
                )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """Add the security headers to every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [
                    (k.lower().encode(), v.encode())
                    for k, v in SECURITY_HEADERS.items()
                    if k.lower().encode() not in present
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


async def _lif_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, BadQuery):
        return error_page(request, 400, str(exc))
    if isinstance(exc, ForbiddenError):
        return error_page(request, 403, str(exc))
    if isinstance(exc, NotFoundError):
        return error_page(request, 404, str(exc))
    if isinstance(exc, StoreError):
        return error_page(request, 503, str(exc))
    if isinstance(exc, RefusedError | ConcurrencyError):
        return error_page(request, 409, str(exc))
    return error_page(request, 400, str(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail
    if exc.status_code == 404:
        detail = f"nothing at {request.url.path}; see / for the pages and {API} for the API"
    return error_page(request, exc.status_code, str(detail))


async def _server_error(request: Request, exc: Exception) -> Response:
    """A bug, answered in the form the client asked for (JSON under the API), and logged."""
    log.error("unexpected error on %s", request.url.path, exc_info=exc)
    return error_page(request, 500, "an unexpected error; it has been logged")


def _stylesheet(request: Request) -> Response:
    return Response(stylesheet(), media_type="text/css")


def create_app(
    store_url: str | None = None,
    *,
    allowed_hosts: Sequence[str] | None = None,
    signin: SignIn | None = None,
) -> Starlette:
    """The application over the store at ``store_url`` (LIF_STORE by default).

    ``allowed_hosts`` limits the Host header (guards a loopback server against DNS rebinding).
    ``signin``: the sign-in settings; without them the view is read-only and has no sign-in.
    """
    opened: Store = open_read_only(store_url)
    writer: Store | None = None
    if signin is not None:
        try:
            writer = Store(store_url)
        except BaseException:
            opened.close()
            raise

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        opened.close()
        if writer is not None:
            writer.close()

    routes = [Route(path, handler, name=name) for path, handler, name in PAGES]
    routes.append(Route("/static/style.css", _stylesheet, name="stylesheet"))
    routes.extend(Route(e.route, e.handler, name=e.operation_id) for e in ENDPOINTS)
    middleware = [Middleware(SecurityHeaders)]
    if allowed_hosts:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)))
    if signin is None:
        middleware.append(Middleware(ReadOnlyMethods))
    else:
        routes.extend(signin_routes(signin))
        routes.extend(FORMS)
        routes.extend(DOWNLOADS)
        middleware.extend(
            [
                Middleware(
                    SessionMiddleware,
                    secret_key=signin.session_secret,
                    session_cookie="__Host-lif-session" if signin.site.secure else "lif-session",
                    max_age=int(signin.site.session_hours * 3600),
                    same_site="lax",
                    https_only=signin.site.secure,
                ),
                Middleware(SignInGuard, settings=signin),
            ]
        )
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={
            LifError: _lif_error,
            HTTPException: _http_error,
            Exception: _server_error,
        },
        lifespan=lifespan,
    )
    app.state.store = opened
    app.state.writer = writer
    app.state.signin = signin
    app.state.templates = environment(api=API)
    if writer is not None:
        app.state.upkeep = Upkeep(writer)
        app.state.catch_up = app.state.upkeep.index
    return app
