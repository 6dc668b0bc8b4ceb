"""A hardened PostgreSQL store: the application role may only insert and select events."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import psycopg
import pytest

from lif_core.audit.verify import verify
from lif_core.config import StoreURL
from lif_core.domain import Action
from lif_core.errors import StoreError
from lif_core.eventlog import log
from lif_core.eventlog.store import Store


def _action(k: int) -> Action:
    return Action.raise_action(
        reference=f"ACT-2025-H{k:03d}",
        description="Refresh the escalation policy",
        owner_agency="LSCP",
        due=date(2025, 9, 30),
        raised_on=date(2025, 3, 1),
        actor="test:harden",
    )


@pytest.fixture
def app_role(pg_url: str) -> Iterator[str]:
    """A separate login role in the test database, dropped afterwards."""
    role = f"lif_app_{uuid.uuid4().hex[:10]}"
    u = StoreURL.parse(pg_url)
    with psycopg.connect(
        host=u.host, port=u.port, user=u.user, dbname=u.dbname, autocommit=True
    ) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
    yield role
    with psycopg.connect(
        host=u.host, port=u.port, user=u.user, dbname=u.dbname, autocommit=True
    ) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{u.schema}" CASCADE')
        conn.execute(f"DROP OWNED BY {role}")
        conn.execute(f"DROP ROLE {role}")


def _as(pg_url: str, role: str) -> str:
    u = StoreURL.parse(pg_url)
    return f"postgresql://{role}@{u.host}:{u.port}/{u.dbname}?schema={u.schema}"


def test_the_application_role_appends_but_cannot_update_delete_or_truncate(
    pg_url: str, app_role: str
) -> None:
    with Store(pg_url) as owner:  # the owner makes the tables and hardens them
        owner.save(_action(0))
        statements = log.harden(owner, app_role)
        table = log.events_table(owner)
    assert any("CREATE TRIGGER lif_events_append_only" in s for s in statements)

    with Store(_as(pg_url, app_role)) as app:
        app.save(_action(1))  # the platform works as the application role
        action = _action(2)
        app.save(action)
        action.progress("Draft agreed.", "amber", "test:harden")
        app.save(action)
        assert app.may_lock_events is False
        assert verify(app).ok
        assert app.max_notification_id() == 4
        for statement in (
            f"UPDATE {table} SET topic = topic",
            f"DELETE FROM {table} WHERE notification_id = 1",
            f"TRUNCATE {table}",
        ):
            with pytest.raises(Exception) as refused, app.transaction() as tx:
                tx.execute(statement)
            assert "permission denied" in str(refused.value) or "append-only" in str(
                refused.value
            ), statement
        # Granting the privilege back is not enough: the trigger refuses any role but the owner.
    u = StoreURL.parse(pg_url)
    with psycopg.connect(
        host=u.host, port=u.port, user=u.user, dbname=u.dbname, autocommit=True
    ) as conn:
        conn.execute(f"GRANT UPDATE, DELETE ON {table} TO {app_role}")
    with Store(_as(pg_url, app_role)) as app:
        for statement in (f"UPDATE {table} SET topic = topic", f"DELETE FROM {table}"):
            with pytest.raises(Exception, match="append-only"), app.transaction() as tx:
                tx.execute(statement)
    with Store(pg_url) as owner:
        assert owner.max_notification_id() == 4
        with owner.transaction() as tx:  # the owner may still (a migration, a court order)
            tx.execute(f"UPDATE {table} SET topic = topic WHERE notification_id = 1")


def test_hardening_refuses_sqlite_and_odd_role_names(pg_url: str, tmp_path) -> None:
    with Store(f"sqlite:///{tmp_path}/lif.db") as store, pytest.raises(StoreError, match="SQLite"):
        log.harden_statements(store, "lif_app")
    with Store(pg_url) as store, pytest.raises(StoreError, match="plain PostgreSQL role"):
        log.harden_statements(store, 'x"; DROP TABLE y; --')


def test_lif_db_harden_then_the_platform_runs_as_the_application_role(
    pg_url: str, app_role: str, tmp_path
) -> None:
    from typer.testing import CliRunner

    from lif_app.cli.app import app

    runner = CliRunner()

    def lif(url: str, *args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, list(args), env={"LIF_STORE": url, "LIF_ACTOR": "tester"})

    with Store(pg_url) as owner:
        owner.save(_action(0))
    assert lif(pg_url, "project").exit_code == 0  # the owner sets the read tables up once
    printed = lif(pg_url, "db", "harden", "--app-role", app_role, "--sql")
    assert printed.exit_code == 0 and "GRANT SELECT, INSERT ON" in printed.stdout
    done = lif(pg_url, "db", "harden", "--app-role", app_role)
    assert done.exit_code == 0, done.output
    as_app = _as(pg_url, app_role)
    with Store(as_app) as app_store:
        app_store.save(_action(1))
    for command in (("project",), ("audit", "verify"), ("status",)):
        result = lif(as_app, *command)
        assert result.exit_code == 0, (command, result.output, result.exception)
    key = tmp_path / "key.pem"
    key.write_text("11" * 32)
    sealed = lif(as_app, "audit", "seal", "--key", str(key), "--witness", str(tmp_path / "w"))
    assert sealed.exit_code == 0, sealed.output
