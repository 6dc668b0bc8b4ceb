"""Signing in and staying signed in: the OpenID Connect routes, the guard in front of every page, CSRF.

- ``/login`` sends the browser to the provider (Authlib: discovery, state, nonce, PKCE);
  ``/auth/callback`` checks what comes back (the ID token's signature, issuer, audience, expiry and
  nonce), maps its claims to grants (:mod:`lif_app.web.signin`) and starts the session;
  ``/logout`` (a form, so a link on another site cannot sign anyone out) ends it; ``/signed-out``
  says so and links to the provider's own sign-out.
- The session is a signed, HTTP-only, SameSite=Lax cookie (``__Host-`` and Secure over https)
  holding who signed in, their grants, when, the settings' fingerprint and the CSRF token. It
  ends after ``session_hours`` from signing in, or when the settings change. Lax, not Strict:
  the provider sends the browser back with a top-level GET that must carry the cookie.
- :class:`SignInGuard` stands in front of every page and endpoint but the sign-in pages: no
  session, a GET is sent to sign in and anything else is a 401; a POST from another origin is a
  403; an area the person's roles do not read (:mod:`lif_app.web.access`) is a 403 that says why.
- Every form carries the session's CSRF token; :func:`form_endpoint` makes the only kind of POST
  endpoint there is, and it refuses a form without the token (403) before reading anything else.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from lif_app.web.access import Person, area_of
from lif_app.web.pages import error_page, render_page, wants_json
from lif_app.web.signin import SignIn
from lif_core.errors import ForbiddenError

__all__ = [
    "PUBLIC_PATHS",
    "SignInGuard",
    "csrf_token",
    "form_endpoint",
    "person_of",
    "signin_routes",
]

log = logging.getLogger(__name__)

CALLBACK = "/auth/callback"
PUBLIC_PATHS = ("/login", CALLBACK, "/signed-out", "/static/style.css")
_KEY = "person"


def person_of(request: Request) -> Person | None:
    """Who is signed in (None when the view runs without sign-in)."""
    person: Person | None = getattr(request.state, "person", None)
    return person


def csrf_token(request: Request) -> str:
    """The token every form of this session carries."""
    return str(request.session.get("csrf", "")) if "session" in request.scope else ""


def _signed_in(session: dict[str, Any], settings: SignIn) -> Person | None:
    data = session.get(_KEY)
    if not isinstance(data, dict):
        return None
    fresh = time.time() - float(data.get("at", 0)) < settings.site.session_hours * 3600
    if not fresh or data.get("settings") != settings.fingerprint:
        session.clear()
        return None
    try:
        return Person.from_session(data)
    except (KeyError, TypeError, ValueError):
        session.clear()
        return None


def _local(next_path: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another host)."""
    if not next_path or not next_path.startswith("/") or next_path.startswith("//"):
        return "/"
    parts = urlsplit(next_path)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class SignInGuard:
    """Every request but the sign-in pages needs a session, and reads only its roles' areas."""

    def __init__(self, app: ASGIApp, settings: SignIn) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        person = _signed_in(scope["session"], self.settings)
        answer: Response | None = None
        if person is None:
            answer = self._sign_in_first(request)
        elif request.method == "POST" and not self._same_origin(request):
            answer = error_page(
                request,
                403,
                "this form was sent from another site: forms are accepted from "
                f"{self.settings.site.origin} only",
            )
        else:
            try:
                person.check_reads(area_of(request.url.path))
            except ForbiddenError as exc:
                answer = error_page(request, 403, str(exc), person=person)
        if answer is not None:
            await answer(scope, receive, send)
            return
        scope.setdefault("state", {})["person"] = person
        await self.app(scope, receive, send)

    def _sign_in_first(self, request: Request) -> Response:
        if request.method in ("GET", "HEAD") and not wants_json(request.url.path):
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/login?" + urlencode({"next": here}), status_code=303)
        return error_page(
            request,
            401,
            "sign in first: open /login in a browser (a form sent after the sign-in ended is not "
            "recorded; sign in and send it again)",
        )

    def _same_origin(self, request: Request) -> bool:
        """Where a POST comes from must be this site, as the browser says it.

        ``Sec-Fetch-Site`` first: a browser sets it and no page can. Else ``Origin``, unless it is
        ``null`` (what a browser sends from a page with ``Referrer-Policy: no-referrer``, as ours
        are). A client that sends neither is not a browser another site could drive; the CSRF
        token still has to match.
        """
        fetch_site = request.headers.get("sec-fetch-site")
        if fetch_site is not None:
            return fetch_site in ("same-origin", "none")
        origin = request.headers.get("origin")
        if origin is not None and origin != "null":
            return origin == self.settings.site.origin
        return True


FormHandler = Callable[[Request, FormData], Response]


def form_endpoint(handler: FormHandler) -> Callable[[Request], Any]:
    """The POST endpoint of a form: the CSRF token is checked first, then ``handler`` runs
    (in a worker thread: it reads and writes the store)."""

    async def endpoint(request: Request) -> Response:
        async with request.form() as form:
            sent = str(form.get("csrf_token") or "")
            expected = csrf_token(request)
            if not expected or not hmac.compare_digest(sent, expected):
                return error_page(
                    request,
                    403,
                    "the form carried no valid CSRF token, so nothing was recorded: it was not "
                    "sent from a page of this site in your current sign-in. Open the page again "
                    "and send the form from there.",
                    person=person_of(request),
                )
            response: Response = await run_in_threadpool(handler, request, form)
            return response

    endpoint.checks_csrf = True  # type: ignore[attr-defined]
    endpoint.__name__ = handler.__name__
    return endpoint


# --- the sign-in routes ----------------------------------------------------------------------


def signin_routes(settings: SignIn) -> list[Route]:
    """The routes that sign people in and out, with an Authlib client for the provider."""
    from authlib.integrations.starlette_client import OAuth, OAuthError

    oauth = OAuth()
    client: Any = oauth.register(
        "lif",
        client_id=settings.provider.client_id,
        client_secret=settings.client_secret,
        server_metadata_url=settings.provider.discovery,
        client_kwargs={
            "scope": " ".join(settings.provider.scopes),
            "code_challenge_method": "S256",
        },
    )

    def unreachable(request: Request, exc: Exception) -> Response:
        log.warning("sign-in provider %s: %s", settings.provider.issuer, exc)
        return error_page(
            request,
            503,
            f"the sign-in provider {settings.provider.issuer} cannot be reached or answered "
            f"in a way LIF cannot use ({type(exc).__name__}: {exc}). Try again; if it goes on, "
            "tell whoever runs LIF.",
        )

    async def login(request: Request) -> Response:
        request.session["next"] = _local(request.query_params.get("next"))
        try:
            response: Response = await client.authorize_redirect(
                request, settings.site.base_url + CALLBACK
            )
        except Exception as exc:  # the provider's discovery or network; said, not hidden
            return unreachable(request, exc)
        return response

    async def callback(request: Request) -> Response:
        try:
            token = await client.authorize_access_token(request)
        except OAuthError as exc:
            return error_page(
                request,
                400,
                f"signing in did not complete ({exc.error}: {exc.description or 'no detail'}). "
                "Start again from /login.",
            )
        except Exception as exc:  # network, bad token: said, not hidden
            return unreachable(request, exc)
        claims = dict(token.get("userinfo") or {})
        if not claims.get("sub") or not claims.get("iss"):
            return error_page(
                request,
                400,
                "the provider's answer held no ID token: sign-in needs the openid scope.",
            )
        person = settings.person(claims)
        next_path = _local(request.session.get("next"))
        request.session.clear()
        if not person.grants:
            looked_at = sorted({rule.claim for rule in settings.grants})
            return error_page(
                request,
                403,
                f"you signed in as {person.name} ({person.sub} at {person.iss}), but no role in "
                f"LIF is given to your account (the settings look at the claims "
                f"{', '.join(looked_at)}). Ask the partnership's business unit to give you one.",
            )
        request.session[_KEY] = {
            **person.to_session(),
            "at": time.time(),
            "settings": settings.fingerprint,
        }
        request.session["csrf"] = secrets.token_urlsafe(32)
        log.info("signed in: %s as %s", person.sub, person.held)
        return RedirectResponse(next_path, status_code=303)

    def logout(request: Request, form: FormData) -> Response:
        request.session.clear()
        return RedirectResponse("/signed-out", status_code=303)

    async def signed_out(request: Request) -> Response:
        provider_logout = None
        try:
            metadata = await client.load_server_metadata()
            end = metadata.get("end_session_endpoint")
            if end:
                provider_logout = (
                    f"{end}?client_id={quote(settings.provider.client_id)}"
                    f"&post_logout_redirect_uri={quote(settings.site.base_url + '/signed-out')}"
                )
        except Exception as exc:  # only the extra link is lost
            log.warning("no provider sign-out link: %s", exc)
        return render_page(
            request,
            "site/signed-out.html",
            provider_logout=provider_logout,
            provider_label=settings.provider.label,
        )

    return [
        Route("/login", login, name="login"),
        Route(CALLBACK, callback, name="callback"),
        Route("/logout", form_endpoint(logout), methods=["POST"], name="logout"),
        Route("/signed-out", signed_out, name="signed_out"),
    ]
