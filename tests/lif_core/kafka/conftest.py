"""Kafka test fixtures: the real (Tansu) broker, unique topics, the toy source plugin.

A broker that cannot start fails the tests that need it; they are never skipped (CI=true or not).
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TESTS = HERE.parents[1]
REPO = TESTS.parent
for path in (str(TESTS), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))

# pytest puts tests/ on sys.path, where tests/lif_core (no __init__.py) is a namespace package
# that shadows the editable install's lif_core when tests import it first; tests/lif_core/kafka
# would then hide lif_core.kafka. The repository on sys.path (above) makes the real package win
# from now on; a namespace already imported gets the real folder added to its search path.
# (pythonpath = ["."] in the pytest settings would make all of this unnecessary.)
import lif_core  # noqa: E402

if getattr(lif_core, "__file__", None) is None and str(REPO / "lif_core") not in lif_core.__path__:
    lif_core.__path__.append(str(REPO / "lif_core"))

import toy_source  # noqa: E402
from kafka_broker import BrokerStartError, TestBroker  # noqa: E402

from lif_core.plugins._manager import LoadedSource, load_plugins  # noqa: E402


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
