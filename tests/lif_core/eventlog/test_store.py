"""The store behind one URL: opening it, one-transaction writes, reads, and errors that name the URL."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import date

import psycopg
import pytest

from lif_core.audit.verify import verify
from lif_core.config import StoreURL
from lif_core.domain import Action, Learning
from lif_core.errors import ConcurrencyError, ConfigError, NotFoundError, StoreError
from lif_core.eventlog.log import append
from lif_core.eventlog.store import Store


def _learning(reference: str = "LRN-2025-001") -> Learning:
    return Learning.identify(
        reference=reference,
        title="Escalation between agencies",
        statement="Professionals did not escalate when concerns were not acted on.",
        themes=["escalation"],
        source_kind="review",
        identified_on=date(2025, 3, 3),
        actor="chair",
    )


def _tracking(store: Store) -> list[tuple]:
    with store.read() as tx:
        return tx.execute("SELECT name, position FROM lif_tracking ORDER BY name").fetchall()


def test_a_sqlite_store_creates_its_folder_and_database(tmp_path):
    path = tmp_path / "nested" / "folder" / "lif.db"

    with Store(f"sqlite:///{path}") as store:
        assert store.dialect == "sqlite"
        assert store.max_notification_id() == 0

    assert path.is_file()


def test_a_postgresql_store_keeps_every_table_in_its_own_schema(pg_url):
    schema = StoreURL.parse(pg_url).schema

    with Store(pg_url) as store:
        store.save(_learning())

    u = StoreURL.parse(pg_url)
    with psycopg.connect(host=u.host, port=u.port, user=u.user, dbname=u.dbname) as conn:
        tables = {
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (schema,),
            )
        }
        in_public = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_name IN ('lif_events', 'lif_seals', 'lif_tracking', 'lif_source_index')"
        ).fetchone()
        (events,) = conn.execute(f'SELECT count(*) FROM "{schema}".lif_events').fetchone()

    assert {"lif_events", "lif_seals", "lif_tracking", "lif_source_index"} <= tables
    assert in_public == (0,)
    assert events == 1


def test_reopening_a_store_finds_what_was_written_and_creates_nothing_twice(store_url):
    with Store(store_url) as first:
        first.save(_learning())

    with Store(store_url) as again:
        item = again.get(Learning, Learning.stream_id("LRN-2025-001"))
        assert item.title == "Escalation between agencies"
        assert again.max_notification_id() == 1


def test_events_and_table_rows_written_in_one_transaction_commit_together(store):
    item = _learning()
    item.prioritise("high", "Repeated in three reviews", "chair")
    events = item.collect_events()

    with store.transaction() as tx:
        append(store, tx, events)
        tx.execute(
            "INSERT INTO lif_tracking (name, position, updated_at) VALUES (?, ?, ?)",
            ("test-relay", 2, "2025-03-03T00:00:00+00:00"),
        )

    assert [n.originator_version for n in store.notifications(1, 10)] == [1, 2]
    assert _tracking(store) == [("test-relay", 2)]
    assert store.get(Learning, item.id).priority == "high"
    assert verify(store).ok


def test_an_error_inside_a_transaction_writes_neither_events_nor_rows(store):
    events = _learning().collect_events()

    with pytest.raises(RuntimeError, match="crash"), store.transaction() as tx:
        append(store, tx, events)
        tx.execute(
            "INSERT INTO lif_tracking (name, position, updated_at) VALUES (?, ?, ?)",
            ("test-relay", 1, "2025-03-03T00:00:00+00:00"),
        )
        raise RuntimeError("crash between the writes and the commit")

    assert store.max_notification_id() == 0
    assert _tracking(store) == []
    assert not store.exists(Learning.stream_id("LRN-2025-001"))


def test_a_read_transaction_never_commits(store):
    with store.transaction(commit=False) as tx:
        append(store, tx, _learning().collect_events())

    assert store.max_notification_id() == 0


def test_saving_several_aggregates_is_one_atomic_write(store):
    store.save(_learning("LRN-2025-001"))
    clash = _learning("LRN-2025-001")  # a second stream with the same id: the save must fail whole
    other = _learning("LRN-2025-002")

    with pytest.raises(ConcurrencyError):
        store.save(other, clash)

    assert store.max_notification_id() == 1
    assert not store.exists(Learning.stream_id("LRN-2025-002"))


def test_get_names_what_is_missing_or_of_another_kind(store):
    store.save(_learning())

    with pytest.raises(NotFoundError, match="LRN-2025-404 does not exist"):
        store.get(Learning, Learning.stream_id("LRN-2025-404"), label="LRN-2025-404")
    with pytest.raises(NotFoundError, match="is a Learning, not a Action"):
        store.get(Action, Learning.stream_id("LRN-2025-001"))


def test_notifications_come_in_log_order_across_pages_and_filter_by_topic(store):
    for n in range(1, 6):
        item = _learning(f"LRN-2025-{n:03d}")
        if n % 2:
            item.accept("Agreed by the learning subgroup", "chair")
        store.save(item)

    everything = list(store.iter_notifications(page=2))
    accepted = list(
        store.iter_notifications(topics=["lif_core.domain.learning:Learning.Accepted"], page=1)
    )

    assert [n.id for n in everything] == list(range(1, 9))
    assert len(accepted) == 3
    assert all(store.decode(n).rationale == "Agreed by the learning subgroup" for n in accepted)
    assert [n.id for n in store.notifications(3, 2)] == [3, 4]
    assert store.max_notification_id() == 8


# --- errors that name the URL -----------------------------------------------------------------


def _one_line_naming(error: Exception, masked: str, secret: str | None = None) -> str:
    text = str(error)
    assert "\n" not in text
    assert masked in text
    if secret:
        assert secret not in text
    return text


def test_an_unknown_kind_of_url_is_a_configuration_error():
    with pytest.raises(ConfigError) as caught:
        Store("mysql://lif:hunter2@localhost/lif")

    _one_line_naming(caught.value, "mysql://lif:***@localhost/lif", "hunter2")


def test_an_unreachable_server_is_a_one_line_error_naming_the_url():
    url = "postgresql://lif:hunter2@127.0.0.1:1/lscp?schema=lif"

    with pytest.raises(StoreError) as caught:
        Store(url)

    text = _one_line_naming(
        caught.value, "postgresql://lif:***@127.0.0.1:1/lscp?schema=lif", "hunter2"
    )
    assert "refused" in text.lower()
    assert caught.value.exit_code == 2


def test_a_missing_database_is_a_one_line_error_naming_the_url(pg_url):
    u = StoreURL.parse(pg_url)
    url = f"postgresql://{u.user}:hunter2@{u.host}:{u.port}/no_such_db_{uuid.uuid4().hex[:6]}"

    with pytest.raises(StoreError) as caught:
        Store(url)

    assert "does not exist" in _one_line_naming(caught.value, f"{u.user}:***@{u.host}", "hunter2")


@pytest.fixture
def weak_role(pg_url):
    """A login role that may connect but not create anything (dropped afterwards)."""
    u = StoreURL.parse(pg_url)
    role = f"lif_weak_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(host=u.host, port=u.port, user=u.user, dbname=u.dbname, autocommit=True)
    admin.execute(
        f"CREATE ROLE {role} LOGIN PASSWORD 'hunter2' NOSUPERUSER NOCREATEDB NOCREATEROLE"
    )
    yield role
    admin.execute(f"DROP ROLE IF EXISTS {role}")
    admin.close()


def test_a_role_that_does_not_exist_is_a_one_line_error_naming_the_url(pg_url):
    u = StoreURL.parse(pg_url)
    url = f"postgresql://nobody_{uuid.uuid4().hex[:6]}:hunter2@{u.host}:{u.port}/{u.dbname}?schema={u.schema}"

    with pytest.raises(StoreError) as caught:
        Store(url)

    assert "does not exist" in _one_line_naming(caught.value, ":***@", "hunter2")


def test_a_role_without_rights_is_a_one_line_error_naming_the_url(pg_url, weak_role):
    u = StoreURL.parse(pg_url)
    url = f"postgresql://{weak_role}:hunter2@{u.host}:{u.port}/{u.dbname}?schema={u.schema}"

    with pytest.raises(StoreError) as caught:
        Store(url)

    text = _one_line_naming(caught.value, f"postgresql://{weak_role}:***@{u.host}", "hunter2")
    assert "permission denied" in text


def test_a_sqlite_path_that_cannot_be_a_database_is_a_store_error(tmp_path):
    (tmp_path / "not-a-folder").write_text("a file where a folder should be")
    url = f"sqlite:///{tmp_path}/not-a-folder/lif.db"

    with pytest.raises(StoreError) as caught:
        Store(url)

    _one_line_naming(caught.value, url)


# --- two processes at once ------------------------------------------------------------------

# Each process imports the store once, says it is ready, then opens every URL it is sent. The
# parent sends the same fresh URL to both at the same moment: a real race, repeated a few times.
_OPENER = """
import sys
from lif_core.eventlog.store import Store
print("ready", flush=True)
for line in sys.stdin:
    try:
        Store(line.strip()).close()
        print("ok", flush=True)
    except Exception as exc:
        print("failed: " + " ".join(str(exc).split()), flush=True)
"""


def test_two_processes_opening_a_fresh_schema_at_once_both_succeed(pg_url):
    u = StoreURL.parse(pg_url)
    base = pg_url.split("?")[0]
    schemas = [f"{u.schema}_{n}" for n in range(4)]
    openers = [
        subprocess.Popen(
            [sys.executable, "-c", _OPENER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        assert [p.stdout.readline().strip() for p in openers] == ["ready", "ready"]
        outcomes = []
        for schema in schemas:
            for p in openers:
                p.stdin.write(f"{base}?schema={schema}\n")
                p.stdin.flush()
            outcomes.append([p.stdout.readline().strip() for p in openers])
    finally:
        for p in openers:
            p.stdin.close()
            p.wait(timeout=30)
        with psycopg.connect(
            host=u.host, port=u.port, user=u.user, dbname=u.dbname, autocommit=True
        ) as conn:
            for schema in schemas:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    assert outcomes == [["ok", "ok"]] * len(schemas)


def test_a_store_made_before_the_index_was_clustered_is_moved_to_it_with_its_rows(
    tmp_path,
) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE lif_source_index (source TEXT NOT NULL, record_kind TEXT NOT NULL, "
        "record_key TEXT NOT NULL, stream_id TEXT NOT NULL, version BIGINT NOT NULL, "
        "chain_head TEXT NOT NULL, content_hash TEXT NOT NULL, valid_from TEXT NOT NULL, "
        "as_of TEXT NOT NULL, scope TEXT, withdrawn INTEGER NOT NULL DEFAULT 0, last_run TEXT, "
        "attributes TEXT NOT NULL, withdrawn_as_of TEXT, "
        "PRIMARY KEY (source, record_kind, record_key))"
    )
    old.execute(
        "CREATE INDEX lif_source_index_scope ON lif_source_index (source, record_kind, scope)"
    )
    row = (
        "s",
        "k",
        "key",
        "id",
        3,
        "h" * 64,
        "c" * 64,
        "2024-01-01",
        "2024-02-01",
        "LA",
        0,
        "r",
        "{}",
        None,
    )
    old.execute(f"INSERT INTO lif_source_index VALUES ({', '.join('?' * 14)})", row)
    old.commit()
    old.close()

    with Store(f"sqlite:///{path}") as store, store.read() as tx:
        [(sql,)] = tx.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'lif_source_index'"
        ).fetchall()
        indexes = {
            r[0]
            for r in tx.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'lif_source_index'"
            ).fetchall()
        }
        assert tx.execute("SELECT * FROM lif_source_index").fetchall() == [row]
    assert sql.rstrip().endswith("WITHOUT ROWID")
    assert "lif_source_index_scoped" in indexes and "lif_source_index_scope" not in indexes
    with Store(f"sqlite:///{path}") as again, again.read() as tx:  # opening again changes nothing
        assert tx.execute("SELECT * FROM lif_source_index").fetchall() == [row]


def test_a_postgresql_transaction_may_wait_a_minute_idle_not_the_library_s_five_seconds(pg_url):
    # Ingestion's writer holds its transaction while the forked readers parse the next batch;
    # eventsourcing's default (5 s) ended that session on a loaded machine and failed the run.
    with Store(pg_url) as store, store.transaction(commit=False) as tx:
        [(setting,)] = tx.execute("SHOW idle_in_transaction_session_timeout").fetchall()
    assert setting == "1min"
