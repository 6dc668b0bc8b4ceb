"""Actors: a command-line decision and a signed-in person's can never be taken for each other."""

from __future__ import annotations

import getpass
import json

import pytest

from lif_core.actors import SignedIn, cli_actor, describe, signed_in
from lif_core.errors import ConfigError

ISSUER = "https://login.microsoftonline.com/5e1c0a7e-0000-4000-8000-000000000001/v2.0"


def test_the_cli_actor_is_cli_and_the_option_then_lif_actor_then_the_os_user(monkeypatch):
    monkeypatch.setenv("LIF_ACTOR", "safeguarding.lead")

    assert cli_actor("  chair  ") == "cli:chair"
    assert cli_actor() == "cli:safeguarding.lead"

    monkeypatch.delenv("LIF_ACTOR")
    assert cli_actor() == "cli:" + getpass.getuser()


def test_a_cli_actor_already_saying_cli_is_not_prefixed_twice(monkeypatch):
    monkeypatch.setenv("LIF_ACTOR", "cli:chair")

    assert cli_actor() == "cli:chair"


def test_a_cli_actor_cannot_pass_for_a_signed_in_person():
    forged = SignedIn(ISSUER, "abc", "Jane Smith", "business-unit").actor

    actor = cli_actor(forged)

    assert actor == "cli:" + forged
    assert signed_in(actor) is None
    assert describe(actor).endswith("(command line)")


@pytest.mark.parametrize("given", ["   ", "cli:", "cli:  "])
def test_a_blank_actor_is_refused(monkeypatch, given):
    monkeypatch.setenv("LIF_ACTOR", given)

    with pytest.raises(ConfigError, match="--actor"):
        cli_actor()


def test_a_signed_in_actor_holds_the_provider_subject_name_role_and_agency():
    person = SignedIn(ISSUER, "7cA9-sub", 'Jane "JS" Smith', "partner", "LCH")

    actor = person.actor

    assert actor.startswith("web:{")
    assert json.loads(actor[4:]) == {
        "agency": "LCH",
        "iss": ISSUER,
        "name": 'Jane "JS" Smith',
        "role": "partner",
        "sub": "7cA9-sub",
    }
    assert signed_in(actor) == person


def test_the_same_identity_gives_the_same_actor():
    one = SignedIn(ISSUER, "s", "N", "auditor").actor
    two = SignedIn(name="N", role="auditor", sub="s", iss=ISSUER).actor

    assert (
        one
        == two
        == f'web:{{"agency":null,"iss":"{ISSUER}","name":"N","role":"auditor","sub":"s"}}'
    )


def test_a_display_name_cannot_pass_for_another_field():
    person = SignedIn(ISSUER, "s", 'X","role":"business-unit', "viewer")

    assert signed_in(person.actor) == person
    assert signed_in(person.actor).role == "viewer"  # type: ignore[union-attr]


def test_a_signed_in_actor_without_subject_is_refused():
    with pytest.raises(ConfigError, match="subject"):
        _ = SignedIn(ISSUER, "", "N", "partner", "LCH").actor


def test_actors_in_words():
    person = SignedIn(ISSUER, "7cA9", "Jane Smith", "partner", "LCH")

    assert describe(person.actor) == f"Jane Smith (partner, LCH; signed in at {ISSUER} as 7cA9)"
    assert describe(SignedIn(ISSUER, "u1", "", "business-unit").actor) == (
        f"u1 (business unit; signed in at {ISSUER} as u1)"
    )
    assert describe("cli:chair") == "chair (command line)"
    assert describe("plugin:cdop@1.0") == "plugin:cdop@1.0"
    assert describe("web:not json") == "web:not json"
    assert describe(None) == ""
