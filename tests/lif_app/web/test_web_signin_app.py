"""The signed-in application in-process, on SQLite and PostgreSQL: its stores, its routes, its sessions.

People sign in through the real test provider (tests/support/oidc_test_provider.py): the
application's Authlib client reaches it over the network; the browser's side of the exchange is
an httpx client for the provider and Starlette's TestClient for the application.
"""

from __future__ import annotations

import json
import re
import time
from base64 import b64encode
from collections.abc import Iterator
from pathlib import Path

import httpx
import itsdangerous
import pytest
from oidc_test_provider import ICB, SETTINGS, oidc_provider, register_client
from ports import free_port
from starlette.routing import Route
from starlette.testclient import TestClient

from lif_app.web.app import create_app
from lif_app.web.readonly import ReadOnlyStore
from lif_app.web.signin import SignIn, load_signin
from lif_core.decisions import create, declaration
from lif_core.domain import Action
from lif_core.errors import RefusedError
from lif_core.eventlog.store import Store
from projections import project

BASE = "http://testserver"
SECRET = "session-secret-for-these-tests-" + "y" * 8


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with oidc_provider() as url:
        yield url


@pytest.fixture
def settings(issuer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SignIn:
    client_id, secret = register_client(issuer, BASE + "/auth/callback")
    path = tmp_path / "signin.toml"
    path.write_text(
        SETTINGS.format(issuer=issuer, client_id=client_id, base_url=BASE, icb=ICB),
        encoding="utf-8",
    )
    monkeypatch.setenv("LIF_OIDC_CLIENT_SECRET", secret)
    monkeypatch.setenv("LIF_SESSION_SECRET", SECRET)
    return load_signin(path)


@pytest.fixture
def small_store(store_url: str) -> str:
    """A learning item and an action of West Yorkshire ICB, projected, on either kind of store."""
    with Store(store_url) as store:
        create(
            store,
            declaration("learning", "identify"),
            {
                "title": "Hearing the voice of the child",
                "statement": "Children's views were not recorded at conference.",
                "source_kind": "audit",
                "ref": "LRN-2025-001",
                "identified_on": "2025-03-03",
            },
            actor="cli:chair",
        )
        create(
            store,
            declaration("action", "raise"),
            {
                "description": "Add the child's views to the conference template.",
                "owner_agency": ICB,
                "due": "2025-09-30",
                "learning": "LRN-2025-001",
                "ref": "ACT-2025-001",
                "raised_on": "2025-03-10",
            },
            actor="cli:chair",
        )
        project(store)
    return store_url


def sign_in(app_client: TestClient, subject: str) -> None:
    """The code flow: the application sends the browser to the provider and takes it back."""
    start = app_client.get("/login", follow_redirects=False)
    assert start.status_code == 302, start.text
    with httpx.Client(timeout=20) as browser:
        chosen = browser.post(start.headers["location"], data={"sub": subject})
    assert chosen.status_code == 302, chosen.text
    back = app_client.get(chosen.headers["location"].removeprefix(BASE), follow_redirects=False)
    assert back.status_code == 303, back.text


def test_every_form_endpoint_checks_its_csrf_token_and_without_sign_in_there_is_none(
    small_store, settings
):
    signed = create_app(small_store, signin=settings)
    plain = create_app(small_store)
    try:
        posts = [
            r for r in signed.routes if isinstance(r, Route) and r.methods and "POST" in r.methods
        ]
        assert {r.path for r in posts} == {
            "/logout",
            "/decide/{group}/{name}",
            "/decide/{group}/{name}/{reference:path}",
        }
        assert all(getattr(r.endpoint, "checks_csrf", False) for r in posts)
        assert not [
            r for r in plain.routes if isinstance(r, Route) and r.methods and "POST" in r.methods
        ]
        assert plain.state.writer is None and isinstance(plain.state.store, ReadOnlyStore)
    finally:
        for app in (signed, plain):
            app.state.store.close()
        signed.state.writer.close()


def test_a_decision_goes_through_the_writable_store_and_pages_through_the_read_only_one(
    small_store, settings
):
    app = create_app(small_store, signin=settings)
    with TestClient(app, base_url=BASE) as client:
        sign_in(client, "icb-priya")
        page = client.get("/decide/action/progress/ACT-2025-001")
        hidden = dict(re.findall(r'name="(\w+)" value="([^"]*)">', page.text))
        sent = client.post(
            "/decide/action/progress/ACT-2025-001",
            data={**hidden, "note": "Template drafted.", "rag": "amber"},
            follow_redirects=False,
        )
        row = client.get("/api/v1/action-status/ACT-2025-001").json()
        reader, writer = app.state.store, app.state.writer
        assert isinstance(reader, ReadOnlyStore) and not isinstance(writer, ReadOnlyStore)
        with pytest.raises(RefusedError, match="open read-only here"), reader.transaction() as tx:
            tx.execute("DELETE FROM learning_register")

    assert sent.status_code == 303, sent.text
    assert row["action"]["reported_rag"] == "amber"
    assert row["action"]["last_progress_note"] == "Template drafted."
    with Store(small_store) as store:
        item = store.get(Action, Action.stream_id("ACT-2025-001"))
        event = store.decode(store.recorder.select_events(item.id, desc=True, limit=1)[0])
    identity = json.loads(event.actor.removeprefix("web:"))
    assert (identity["sub"], identity["role"], identity["agency"]) == ("icb-priya", "partner", ICB)
    assert identity["iss"] == settings.provider.issuer


def _cookie(data: dict[str, object]) -> str:
    """A session cookie as the application signs one (what a stolen signing secret could make)."""
    return itsdangerous.TimestampSigner(SECRET).sign(b64encode(json.dumps(data).encode())).decode()


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_session_ends_after_its_hours_and_when_the_settings_change(small_store, settings):
    person = {
        "iss": settings.provider.issuer,
        "sub": "bu-ruth",
        "name": "Ruth Ahmed",
        "grants": [["business-unit", None]],
    }
    now = time.time()
    fresh = {"person": {**person, "at": now, "settings": settings.fingerprint}, "csrf": "t"}
    old = {"person": {**person, "at": now - 8 * 3600 - 1, "settings": settings.fingerprint}}
    moved = {"person": {**person, "at": now, "settings": "before-a-change"}}
    answers = {}
    with TestClient(create_app(small_store, signin=settings), base_url=BASE) as client:
        for name, session in (("fresh", fresh), ("old", old), ("moved", moved)):
            client.cookies.clear()
            client.cookies.set("lif-session", _cookie(session))
            answers[name] = client.get("/register", follow_redirects=False)

    assert answers["fresh"].status_code == 200 and "Ruth Ahmed" in answers["fresh"].text
    for name in ("old", "moved"):
        assert answers[name].status_code == 303, name
        assert answers[name].headers["location"] == "/login?next=%2Fregister"
        assert "lif-session=null" in answers[name].headers["set-cookie"], "the cookie is cleared"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_provider_that_cannot_be_reached_and_a_forged_callback_are_said_plainly(
    small_store, settings
):
    closed = f"http://127.0.0.1:{free_port()}"
    elsewhere = settings.model_copy(
        update={"provider": settings.provider.model_copy(update={"issuer": closed})}
    )
    with TestClient(create_app(small_store, signin=elsewhere), base_url=BASE) as client:
        down = client.get("/login", follow_redirects=False)
    with TestClient(create_app(small_store, signin=settings), base_url=BASE) as client:
        forged = client.get("/auth/callback?code=stolen&state=made-up", follow_redirects=False)
        after = client.get("/register", follow_redirects=False)

    assert down.status_code == 503
    assert f"the sign-in provider {closed} cannot be reached" in down.text
    assert forged.status_code == 400
    assert "signing in did not complete (mismatching_state" in forged.text
    assert after.status_code == 303, "no session came of it"
