"""The web tests' own server helper: when `lif serve` does not answer, the failure says why.

A loaded suite run once failed with "lif serve did not answer within 60 s" and an empty log, which
said nothing of where the server was. These tests hold the helper to giving the last probe's
answer and the server's own threads' stacks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from serving import lif_serve

from lif_core.eventlog.store import Store


@pytest.fixture
def empty_store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'lif.db'}"
    Store(url).close()  # the log's tables, no events, no read tables
    return url


def test_a_server_that_never_answers_the_probe_fails_with_the_status_and_its_stacks(
    empty_store: str, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    env = {"LIF_STORE": empty_store, "LIF_HOME": str(tmp_path / "home")}
    with (
        pytest.raises(pytest.fail.Exception) as failed,
        lif_serve([], env, log, probe="/api/v1/no-such-endpoint", deadline=5),
    ):
        pytest.fail("the helper yielded although the probe never answered 200")
    message = str(failed.value)
    assert "did not answer /api/v1/no-such-endpoint within 5 s" in message
    assert "last probe: HTTP 404" in message
    # Unbuffered: the banner the server printed before it listened is in the log...
    assert "LIF web view (read-only)" in message
    # ...and faulthandler's dump on SIGABRT: where the server's main thread was.
    assert "Fatal Python error: Aborted" in message
    assert "uvicorn" in message


def test_a_server_that_answers_is_yielded_and_stopped(empty_store: str, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    env = {"LIF_STORE": empty_store, "LIF_HOME": str(tmp_path / "home")}
    with lif_serve([], env, log, deadline=60) as base:
        assert base.startswith("http://127.0.0.1:")
    assert "Fatal Python error" not in log.read_text()
