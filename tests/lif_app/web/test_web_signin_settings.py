"""Sign-in settings: the file, the secrets from the environment, and claims turned into grants."""

from __future__ import annotations

from pathlib import Path

import pytest

from lif_app.web.access import Grant
from lif_app.web.signin import load_signin
from lif_core.errors import ConfigError

ISS = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0"
SETTINGS = f"""
[provider]
issuer = "{ISS}/"
client_id = "app-id"

[site]
base_url = "https://lif.example.org.uk/"

[[grant]]
claim = "roles"
value = "LIF.BusinessUnit"
role = "business-unit"

[[grant]]
claim = "groups"
value = "g-police"
role = "partner"
agency = "West Yorkshire Police"

[[grant]]
claim = "roles"
value = "LIF.Partner"
role = "partner"
agency_claim = "agency"

[[grant]]
claim = "groups"
value = "g-audit"
role = "auditor"
"""


@pytest.fixture
def secrets(monkeypatch):
    monkeypatch.setenv("LIF_OIDC_CLIENT_SECRET", "client-secret")
    monkeypatch.setenv("LIF_SESSION_SECRET", "s" * 32)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "signin.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_settings_file_with_its_secrets_from_the_environment(tmp_path, secrets):
    settings = load_signin(write(tmp_path, SETTINGS))

    assert settings.provider.issuer == ISS
    assert settings.provider.discovery == ISS + "/.well-known/openid-configuration"
    assert settings.site.base_url == "https://lif.example.org.uk"
    assert (settings.site.secure, settings.site.host) == (True, "lif.example.org.uk")
    assert settings.site.origin == "https://lif.example.org.uk"
    assert (settings.client_secret, settings.session_secret) == ("client-secret", "s" * 32)
    assert len(settings.grants) == 4
    assert "client-secret" not in settings.model_dump_json()


def test_claims_become_grants_most_able_role_first(tmp_path, secrets):
    settings = load_signin(write(tmp_path, SETTINGS))

    person = settings.person(
        {
            "iss": ISS,
            "sub": "abc",
            "name": "Sam Patel",
            "groups": ["g-audit", "g-police", "other"],
            "roles": "LIF.Partner",
            "agency": " LCH ",
        }
    )

    assert (person.iss, person.sub, person.name) == (ISS, "abc", "Sam Patel")
    assert person.grants == (
        Grant("partner", "LCH"),
        Grant("partner", "West Yorkshire Police"),
        Grant("auditor"),
    )


def test_a_person_no_rule_matches_has_no_grant_and_their_name_falls_back(tmp_path, secrets):
    settings = load_signin(write(tmp_path, SETTINGS))

    nobody = settings.person({"iss": ISS, "sub": "xyz", "email": "x@example.org", "groups": []})
    no_agency = settings.person({"iss": ISS, "sub": "q", "roles": ["LIF.Partner"]})

    assert (nobody.grants, nobody.name) == ((), "x@example.org")
    assert no_agency.grants == ()  # a partner grant reading its agency from a claim they lack
    assert no_agency.name == "q"


def test_the_fingerprint_changes_with_the_grants_not_with_the_secrets(
    tmp_path, secrets, monkeypatch
):
    first = load_signin(write(tmp_path, SETTINGS)).fingerprint
    monkeypatch.setenv("LIF_OIDC_CLIENT_SECRET", "rotated")
    same = load_signin(write(tmp_path, SETTINGS)).fingerprint
    changed = load_signin(write(tmp_path, SETTINGS.replace("g-audit", "g-audit-2"))).fingerprint

    assert first == same != changed


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "LIF_OIDC_CLIENT_SECRET",
            "",
            "the OpenID Connect client secret in the environment variable LIF_OIDC_CLIENT_SECRET",
        ),
        (
            "LIF_SESSION_SECRET",
            "short",
            "LIF_SESSION_SECRET (at least 32 characters: make one with",
        ),
    ],
)
def test_a_missing_secret_names_its_variable(
    tmp_path, secrets, monkeypatch, variable, value, message
):
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError, match="sign-in needs") as refused:
        load_signin(write(tmp_path, SETTINGS))

    assert message in str(refused.value)
    assert str(tmp_path / "signin.toml") in str(refused.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            'agency = "West Yorkshire Police"',
            "grant.1: Value error, a partner grant names its agency",
        ),
        (
            'role = "auditor"',
            "grant.3: Value error, only a partner grant has an agency, not auditor",
        ),
        ('base_url = "https://lif.example.org.uk/"', "site.base_url: Value error, 'https://x/lif'"),
        ('issuer = "', "provider.issuer: Value error, 'ftp://"),
        ('client_id = "app-id"', "provider.client_id: Field required"),
        ('role = "business-unit"', "grant.0.role: Input should be"),
    ],
)
def test_a_bad_setting_says_where_and_what(tmp_path, secrets, change, message):
    bad = {
        'agency = "West Yorkshire Police"': "",
        'role = "auditor"': 'role = "auditor"\nagency = "LCH"',
        'base_url = "https://lif.example.org.uk/"': 'base_url = "https://x/lif"',
        'issuer = "': 'issuer = "ftp://',
        'client_id = "app-id"': "",
        'role = "business-unit"': 'role = "chair"',
    }[change]

    with pytest.raises(ConfigError) as refused:
        load_signin(write(tmp_path, SETTINGS.replace(change, bad)))

    assert message in str(refused.value)


def test_a_file_that_is_not_toml_or_not_there(tmp_path, secrets):
    with pytest.raises(ConfigError, match="is not TOML"):
        load_signin(write(tmp_path, "[provider\n"))
    with pytest.raises(ConfigError, match="cannot read the sign-in settings"):
        load_signin(tmp_path / "missing.toml")


def test_settings_without_a_grant_are_refused(tmp_path, secrets):
    head = SETTINGS.split("[[grant]]")[0]

    with pytest.raises(ConfigError, match="grant: Field required"):
        load_signin(write(tmp_path, head))
