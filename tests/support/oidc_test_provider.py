"""A real OpenID Connect provider for the sign-in tests, and `lif serve --signin` against it.

The provider is ``oidc-provider-mock`` (PyPI) in a thread on a free port: discovery, an
authorisation page where a test picks who signs in, signed ID tokens, client registration. The
people below are its users; their claims are what a council's Entra ID would send (``groups``,
app ``roles``, an ``agency`` claim).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from ports import free_port
from serving import lif_serve

ICB = "West Yorkshire ICB"
LCC = "Leeds City Council Children and Families"
LCH = (
    "Leeds Community Healthcare NHS Trust"  # the trackers write "LCH": one partner, by the register
)

PEOPLE: dict[str, dict[str, object]] = {
    "bu-ruth": {"name": "Ruth Ahmed", "groups": ["lif-business-unit", "all-staff"]},
    "icb-priya": {"name": "Priya Shah", "groups": ["lif-partner-icb"]},
    "lcc-tom": {"name": "Tom Wood", "roles": ["LIF.Partner"], "agency": LCC},
    "lch-lee": {"name": "Lee Moss", "roles": ["LIF.Partner"], "agency": LCH},
    "audit-ann": {"name": "Ann Clarke", "roles": ["LIF.Auditor"]},
    "viewer-vic": {"name": "Vic Jones", "groups": ["lif-viewers"]},
    "nia-no-role": {"name": "Nia Evans", "groups": ["all-staff"]},
}
"""Subject -> claims: a business unit officer, three partners, an auditor, a viewer, someone else."""

SETTINGS = """\
[provider]
issuer = "{issuer}"
client_id = "{client_id}"
label = "the test provider"

[site]
base_url = "{base_url}"

[[grant]]
claim = "groups"
value = "lif-business-unit"
role = "business-unit"

[[grant]]
claim = "groups"
value = "lif-partner-icb"
role = "partner"
agency = "{icb}"

[[grant]]
claim = "roles"
value = "LIF.Partner"
role = "partner"
agency_claim = "agency"

[[grant]]
claim = "roles"
value = "LIF.Auditor"
role = "auditor"

[[grant]]
claim = "groups"
value = "lif-viewers"
role = "viewer"
"""


@contextlib.contextmanager
def oidc_provider() -> Iterator[str]:
    """The provider's issuer URL (``http://localhost:PORT``) while it runs."""
    from oidc_provider_mock import User, run_server_in_thread

    users = [User(sub=sub, claims=dict(claims)) for sub, claims in PEOPLE.items()]
    with run_server_in_thread(
        port=free_port(), require_client_registration=True, require_nonce=True, user_claims=users
    ) as server:
        yield f"http://localhost:{server.server_port}"


def register_client(issuer: str, redirect_uri: str) -> tuple[str, str]:
    """Register LIF with the provider, as an administrator would: (client id, secret)."""
    answer = httpx.post(
        issuer + "/oauth2/clients",
        json={"redirect_uris": [redirect_uri], "token_endpoint_auth_method": "client_secret_basic"},
        timeout=10,
    )
    answer.raise_for_status()
    data = answer.json()
    return str(data["client_id"]), str(data["client_secret"])


@dataclass(frozen=True)
class SignedInServer:
    """`lif serve --signin` on a copy of the demo store."""

    base: str
    issuer: str
    store_url: str
    home: Path
    log: Path


@contextlib.contextmanager
def signin_server(
    issuer: str, demo_db: Path, home: Path, workdir: Path
) -> Iterator[SignedInServer]:
    """`lif serve --signin` on a free port, over a copy of ``demo_db``, until the block ends."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    client_id, secret = register_client(issuer, base + "/auth/callback")
    db = workdir / "lif.db"
    shutil.copyfile(demo_db, db)
    settings = workdir / "signin.toml"
    settings.write_text(
        SETTINGS.format(issuer=issuer, client_id=client_id, base_url=base, icb=ICB),
        encoding="utf-8",
    )
    log = workdir / "serve.log"
    store_url = f"sqlite:///{db}"
    env = {
        "LIF_STORE": store_url,
        "LIF_HOME": str(home),
        "LIF_OIDC_CLIENT_SECRET": secret,
        "LIF_SESSION_SECRET": "test-session-secret-" + "x" * 24,
    }
    with lif_serve(["--signin", str(settings)], env, log, probe="/static/style.css", port=port):
        yield SignedInServer(base=base, issuer=issuer, store_url=store_url, home=home, log=log)


def sign_in(
    client: httpx.Client, server: SignedInServer, subject: str, next_path: str = "/"
) -> httpx.Response:
    """Sign ``subject`` in through the provider, as a browser would, with ``client``'s cookies.

    Returns LIF's answer to the provider's redirect back (the callback).
    """
    start = client.get(server.base + "/login", params={"next": next_path})
    assert start.status_code == 302, start.text
    authorize = start.headers["location"]
    assert authorize.startswith(server.issuer + "/oauth2/authorize?"), authorize
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"], "PKCE and a nonce"
    chosen = client.post(authorize, data={"sub": subject})
    assert chosen.status_code == 302, chosen.text
    back = chosen.headers["location"]
    assert back.startswith(server.base + "/auth/callback?"), back
    return client.get(back)
