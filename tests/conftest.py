"""Shared fixtures: real public data, stores on SQLite and PostgreSQL, isolated LIF_HOME."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Third-party plugins installed on the machine must not change what the suite sees.
os.environ.setdefault("LIF_PLUGINS_THIRD_PARTY", "0")

REPO = Path(__file__).resolve().parent.parent

# One key-encryption key for the whole run (and the commands it starts), outside the repository.
if not os.environ.get("LIF_KEK") and not os.environ.get("LIF_KEK_FILE"):
    os.environ["LIF_KEK_FILE"] = os.path.join(tempfile.mkdtemp(prefix="lif-kek-"), "kek.key")


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The real public files (../shared/data), through LIF_REAL_DATA. Missing is a failure."""
    value = os.environ.get("LIF_REAL_DATA") or str(REPO.parent / "shared" / "data")
    path = Path(value).resolve()
    if not (path / "ofsted_csc_provider_level").is_dir():
        pytest.fail(
            f"LIF_REAL_DATA={value!r} does not hold the shared real data; `make test` sets it"
        )
    return path


def _pg_admin_url() -> str:
    return os.environ.get("LIF_TEST_POSTGRES", "postgresql://root@127.0.0.1:5432/test")


def _pg_reachable() -> None:
    import psycopg

    from lif_core.config import StoreURL

    u = StoreURL.parse(_pg_admin_url())
    try:
        psycopg.connect(
            host=u.host, port=u.port, user=u.user, dbname=u.dbname, connect_timeout=3
        ).close()
    except psycopg.Error as exc:
        pytest.fail(f"PostgreSQL at {u.masked} is required by the suite and unreachable: {exc}")


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    import uuid

    import psycopg

    from lif_core.config import StoreURL

    _pg_reachable()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    base = _pg_admin_url()
    yield f"{base}{'&' if '?' in base else '?'}schema={schema}"
    u = StoreURL.parse(base)
    with psycopg.connect(
        host=u.host, port=u.port, user=u.user, dbname=u.dbname, autocommit=True
    ) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """Every store test runs on both databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/lif.db"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url):
    from lif_core.eventlog.store import Store

    s = Store(store_url)
    yield s
    s.close()
