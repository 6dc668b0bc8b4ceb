"""Kafka test fixtures: the real (Tansu) broker, unique topics, the toy source plugin.

A broker that cannot start fails the tests that need it; they are never skipped (CI=true or not).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import toy_source
from kafka_broker import BrokerStartError, TestBroker

from lif_core.plugins.host import LoadedSource, load_plugins

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]


def _start(broker: TestBroker) -> TestBroker:
    try:
        broker.start()
    except BrokerStartError as exc:
        pytest.fail(f"the Kafka test broker could not start: {exc}")
    return broker


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestBroker]:
    """One broker for the session; tests that stop it use ``own_broker`` instead."""
    broker = TestBroker(tmp_path_factory.mktemp("kafka"))
    yield _start(broker)
    broker.stop()


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[TestBroker]:
    """A broker of this test's own, free to be stopped and restarted."""
    broker = TestBroker(tmp_path)
    yield _start(broker)
    broker.stop()


@pytest.fixture
def topic(request: pytest.FixtureRequest) -> str:
    return f"t.{request.node.name[:40].strip('_')}.{uuid.uuid4().hex[:8]}".replace(
        "[", "-"
    ).replace("]", "")


@pytest.fixture(scope="session")
def toy() -> LoadedSource:
    plugins = load_plugins(modules=[toy_source], entry_point_list=[])
    assert not plugins.failures, plugins.failures
    return plugins.get("toy-readings")
