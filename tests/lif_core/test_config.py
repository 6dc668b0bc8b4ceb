"""Settings: one URL picks the store, passwords never shown, and LIF_HOME."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from lif_core.config import StoreURL, default_store, lif_home, mask_url, store_url
from lif_core.errors import ConfigError


def test_sqlite_url_with_three_slashes_is_relative_and_four_absolute():
    relative = StoreURL.parse("sqlite:///.lif/lif.db")
    absolute = StoreURL.parse("sqlite:////var/lib/lif/lif.db")

    assert (relative.kind, relative.path) == ("sqlite", Path(".lif/lif.db"))
    assert (absolute.kind, absolute.path) == ("sqlite", Path("/var/lib/lif/lif.db"))


def test_postgresql_url_gives_every_connection_setting():
    url = StoreURL.parse("postgresql://lif_app:s%40cret@db.example:6543/lscp?schema=learning")

    assert url.kind == "postgresql"
    assert (url.host, url.port, url.user, url.password, url.dbname, url.schema) == (
        "db.example",
        6543,
        "lif_app",
        "s@cret",
        "lscp",
        "learning",
    )


def test_postgresql_url_defaults_port_schema_and_user():
    url = StoreURL.parse("postgres://db.example/lscp")

    assert (url.port, url.schema, url.user, url.password) == (5432, "lif", getpass.getuser(), "")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("sqlite:relative.db", "sqlite:///relative/path.db"),
        ("sqlite://", "names no database file"),
        ("mysql://root@localhost/lif", "unknown kind 'mysql'"),
        ("lif.db", "unknown kind '(none)'"),
        ("postgresql://root@localhost:5432/", "names no database"),
        ("postgresql://root@localhost:port/lif", "bad port"),
        ("postgresql://root@localhost/lif?schema=Learning", "lower-case SQL identifier"),
        ('postgresql://root@localhost/lif?schema=x";drop', "lower-case SQL identifier"),
    ],
)
def test_a_bad_url_is_a_configuration_error_that_says_what_to_write(url, says):
    with pytest.raises(ConfigError) as caught:
        StoreURL.parse(url)

    assert says in str(caught.value)
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == 2


def test_a_bad_url_error_never_shows_the_password():
    with pytest.raises(ConfigError) as caught:
        StoreURL.parse("mysql://root:hunter2@localhost/lif")

    assert "hunter2" not in str(caught.value)
    assert "root:***@localhost" in str(caught.value)


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://lif:hunter2@db:5432/lscp", "postgresql://lif:***@db:5432/lscp"),
        ("postgresql://lif:hun:ter2@db/lscp?schema=x", "postgresql://lif:***@db/lscp?schema=x"),
        ("postgresql://lif:hunter%402@db/lscp", "postgresql://lif:***@db/lscp"),
        ("postgresql://lif@db/lscp", "postgresql://lif@db/lscp"),
        ("sqlite:////tmp/lif.db", "sqlite:////tmp/lif.db"),
    ],
)
def test_mask_url_replaces_only_the_password(url, masked):
    assert mask_url(url) == masked


@pytest.mark.parametrize(
    ("url", "password"),
    [
        # No user name: the parser accepts it (the OS user connects with this password).
        ("postgresql://:hunter2@db:5432/lscp", "hunter2"),
        # An unescaped '@' in the password: the parser splits at the last '@' and accepts it.
        ("postgresql://lif:hun@ter2@db:5432/lscp", "hun@ter2"),
    ],
)
def test_every_password_the_parser_accepts_is_masked(url, password):
    assert StoreURL.parse(url).password == password

    masked = mask_url(url)

    assert "ter2" not in masked, masked
    assert masked.endswith("@db:5432/lscp")


def test_store_url_prefers_the_argument_then_lif_store_then_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv("LIF_STORE", f"sqlite:///{tmp_path}/env.db")

    assert store_url(f"sqlite:///{tmp_path}/arg.db").path == tmp_path / "arg.db"
    assert store_url().path == tmp_path / "env.db"

    monkeypatch.delenv("LIF_STORE")
    monkeypatch.setenv("LIF_HOME", str(tmp_path / "home"))
    assert store_url().url == f"sqlite:///{tmp_path}/home/lif.db"


def test_the_default_store_is_lif_db_in_lif_home_beside_the_key_file(monkeypatch, tmp_path):
    monkeypatch.delenv("LIF_STORE", raising=False)
    monkeypatch.chdir(tmp_path)

    # Neither set: .lif/lif.db under the working folder, as before LIF_HOME placed the store.
    monkeypatch.delenv("LIF_HOME", raising=False)
    assert default_store() == f"sqlite:///{tmp_path}/.lif/lif.db"
    assert store_url().path == tmp_path / ".lif" / "lif.db"
    assert not (tmp_path / ".lif").exists()  # naming the default creates nothing

    # A relative LIF_HOME is taken from the working folder, then made absolute, so a process
    # given the URL from elsewhere (the demo's Dagster run) opens the same file.
    monkeypatch.setenv("LIF_HOME", "state/lif")
    assert default_store() == f"sqlite:///{tmp_path}/state/lif/lif.db"
    assert store_url().path == lif_home() / "lif.db"


def test_lif_home_is_created_on_first_use(monkeypatch, tmp_path):
    monkeypatch.setenv("LIF_HOME", str(tmp_path / "home" / "lif"))

    home = lif_home()

    assert home == (tmp_path / "home" / "lif").resolve()
    assert home.is_dir()
