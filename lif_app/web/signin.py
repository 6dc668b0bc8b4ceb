"""Sign-in settings: the OpenID Connect provider, the site, and the rules that turn claims into roles.

A TOML file (``lif serve --signin FILE``, or ``LIF_SIGNIN``) holds everything but the secrets,
which come from the environment (``LIF_OIDC_CLIENT_SECRET`` and ``LIF_SESSION_SECRET`` unless the
file names other variables), so the file can be kept in version control::

    [provider]
    issuer = "https://login.microsoftonline.com/TENANT-ID/v2.0"
    client_id = "APPLICATION-ID"

    [site]
    base_url = "https://lif.example-partnership.org.uk"

    [[grant]]
    claim = "roles"
    value = "LIF.BusinessUnit"
    role = "business-unit"

    [[grant]]
    claim = "groups"
    value = "GROUP-OBJECT-ID"
    role = "partner"
    agency = "Police"

A grant applies when the claim (a text, or a list such as ``groups``) holds the value. A partner's
agency is either written in the grant (``agency``) or read from a claim of the person
(``agency_claim``). docs/web.md shows the whole file.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from lif_app.web.access import ROLES, Grant, Person
from lif_core.errors import ConfigError

__all__ = ["GrantRule", "Provider", "SignIn", "Site", "load_signin"]

_STRICT = ConfigDict(extra="forbid", frozen=True)
MIN_SECRET = 32


class Provider(BaseModel):
    """The OpenID Connect provider (any with discovery: Microsoft Entra ID, Keycloak, Okta, …)."""

    model_config = _STRICT

    issuer: str = Field(description="The provider's issuer; discovery is read from it.")
    client_id: str
    client_secret_env: str = "LIF_OIDC_CLIENT_SECRET"
    discovery_url: str | None = Field(
        default=None, description="Default: ISSUER/.well-known/openid-configuration."
    )
    scopes: list[str] = ["openid", "profile", "email"]
    name_claims: list[str] = ["name", "preferred_username", "email"]
    label: str = Field(
        default="your organisation account", description="Shown on the sign-in page."
    )

    @field_validator("issuer", "discovery_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("https", "http"):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value.rstrip("/") if value else value

    @property
    def discovery(self) -> str:
        return self.discovery_url or f"{self.issuer}/.well-known/openid-configuration"


class Site(BaseModel):
    """Where people reach the web view, and how long a sign-in lasts."""

    model_config = _STRICT

    base_url: str = Field(description="The public URL, e.g. https://lif.example.org.uk")
    session_secret_env: str = "LIF_SESSION_SECRET"
    session_hours: float = Field(default=8, gt=0, le=24 * 7)

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL")
        if parts.path.strip("/") or parts.query:
            raise ValueError(f"{value!r}: the web view is served at the root of its host")
        return value.rstrip("/")

    @property
    def secure(self) -> bool:
        """Cookies are Secure (and ``__Host-``) when people reach the site over https."""
        return self.base_url.startswith("https://")

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"


class GrantRule(BaseModel):
    """A role given to whoever's ``claim`` holds ``value``."""

    model_config = _STRICT

    claim: str
    value: str
    role: Literal["business-unit", "partner", "auditor", "viewer"]
    agency: str | None = None
    agency_claim: str | None = None

    @model_validator(mode="after")
    def _agency(self) -> GrantRule:
        given = [x for x in (self.agency, self.agency_claim) if x]
        if self.role == "partner" and len(given) != 1:
            raise ValueError("a partner grant names its agency: agency = or agency_claim =")
        if self.role != "partner" and given:
            raise ValueError(f"only a partner grant has an agency, not {self.role}")
        return self

    def grant(self, claims: dict[str, Any]) -> Grant | None:
        """The grant it gives a person with these claims, if any."""
        held = claims.get(self.claim)
        values = held if isinstance(held, list) else [held]
        if self.value not in [str(v) for v in values if v is not None]:
            return None
        if self.agency_claim:
            agency = claims.get(self.agency_claim)
            if not isinstance(agency, str) or not agency.strip():
                return None
            return Grant(self.role, agency.strip())
        return Grant(self.role, self.agency)


class SignIn(BaseModel):
    """The sign-in settings (the file), with the secrets read from the environment."""

    model_config = _STRICT

    provider: Provider
    site: Site
    grants: list[GrantRule] = Field(alias="grant", min_length=1)
    client_secret: str = Field(default="", exclude=True)
    session_secret: str = Field(default="", exclude=True, repr=False)

    @property
    def fingerprint(self) -> str:
        """Changes when the provider, site or grants change: sessions made before then end."""
        text = self.model_dump_json(by_alias=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def person(self, claims: dict[str, Any]) -> Person:
        """The person an ID token's claims describe, with every grant the rules give them."""
        found = {g for rule in self.grants if (g := rule.grant(claims)) is not None}
        grants = tuple(sorted(found, key=lambda g: (ROLES.index(g.role), g.agency or "")))
        name = next(
            (str(claims[c]) for c in self.provider.name_claims if claims.get(c)),
            str(claims["sub"]),
        )
        return Person(iss=str(claims["iss"]), sub=str(claims["sub"]), name=name, grants=grants)


def _secret(variable: str, what: str, source: Path, minimum: int = 1) -> str:
    value = os.environ.get(variable, "")
    if len(value) < minimum:
        raise ConfigError(
            f"{source}: sign-in needs {what} in the environment variable {variable}"
            + (
                f" (at least {minimum} characters: make one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
                if minimum > 1
                else ""
            )
        )
    return value


def load_signin(path: Path) -> SignIn:
    """The sign-in settings in ``path``, secrets from the environment; a clear error if wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the sign-in settings {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not TOML: {exc}") from None
    try:
        settings = SignIn.model_validate(data)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"]) or "(the file)"
        raise ConfigError(f"{path}: {where}: {problem['msg']}") from None
    return settings.model_copy(
        update={
            "client_secret": _secret(
                settings.provider.client_secret_env, "the OpenID Connect client secret", path
            ),
            "session_secret": _secret(
                settings.site.session_secret_env,
                "a secret that signs the session cookies",
                path,
                MIN_SECRET,
            ),
        }
    )
