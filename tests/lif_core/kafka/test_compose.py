"""The deployment shape: docker-compose.yml, the Dockerfile and Dagster's instance config agree.

No Docker engine here: the compose file is read as YAML and checked for what `docker compose up`
relies on (services, images, environment, health checks, start order); the commands it runs
are parsed by the real CLI, and Dagster's instance config is checked by Dagster's own schema.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from lif_core.config import StoreURL

REPO = Path(__file__).resolve().parents[3]
SERVICES = {"postgres", "kafka", "dagster-code", "dagster-webserver", "dagster-daemon", "relay"}
PROJECT_IMAGE = {"dagster-code", "dagster-webserver", "dagster-daemon", "relay"}
_VARIABLE = re.compile(r"\$\{([A-Z_]+)(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return data


def interpolated(value: str, **given: str) -> str:
    """What compose makes of ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?message}``."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in given:
            return given[name]
        text = match.group(0)
        return text.split(":-", 1)[1][:-1] if ":-" in text else f"<{name}>"

    return _VARIABLE.sub(one, value)


def env(service: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in (service.get("environment") or {}).items()}


def command_of(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    assert isinstance(command, list), "commands are exec form (no shell between compose and PID 1)"
    return [str(part) for part in command]


def test_the_services_and_their_images(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == SERVICES
    assert re.fullmatch(r"postgres:1[5-9](\.\d+)?", services["postgres"]["image"])
    assert re.fullmatch(r"apache/kafka:\d+\.\d+\.\d+", services["kafka"]["image"])
    dockerfile = (REPO / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert re.search(r"^RUN pip install \.", dockerfile, re.M), "the image installs the project"
    for name in PROJECT_IMAGE:
        service = services[name]
        assert service["image"] == "lif-platform:latest"
        assert service["build"]["context"] == "." and service["build"]["dockerfile"] == "Dockerfile"
        assert service["restart"] == "unless-stopped"


def test_every_service_has_a_health_check_and_waits_for_healthy_dependencies(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check and check["test"][0] in ("CMD", "CMD-SHELL"), f"{name} has no health check"
        assert {"interval", "timeout", "retries"} <= set(check), name
    wanted = {
        "dagster-code": {"postgres"},
        "dagster-webserver": {"postgres", "dagster-code"},
        "dagster-daemon": {"postgres", "dagster-code"},
        "relay": {"postgres", "kafka"},
    }
    for name, needs in wanted.items():
        depends = services[name]["depends_on"]
        assert set(depends) == needs, name
        assert all(d["condition"] == "service_healthy" for d in depends.values()), name
    for name in ("postgres", "kafka"):
        assert "depends_on" not in services[name]


def test_kafka_is_a_single_kraft_node_the_project_can_reach(compose: dict[str, Any]) -> None:
    kafka = env(compose["services"]["kafka"])
    assert set(kafka["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert not any("ZOOKEEPER" in k for k in kafka), "KRaft mode: no ZooKeeper"
    node = kafka["KAFKA_NODE_ID"]
    assert kafka["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{node}@kafka:9093"
    assert kafka["KAFKA_CONTROLLER_LISTENER_NAMES"] in kafka["KAFKA_LISTENERS"]
    assert kafka["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    advertised = dict(
        item.split("://", 1)
        for item in interpolated(kafka["KAFKA_ADVERTISED_LISTENERS"]).split(",")
    )
    inside = advertised[kafka["KAFKA_INTER_BROKER_LISTENER_NAME"]]
    for name in PROJECT_IMAGE:
        assert env(compose["services"][name])["LIF_KAFKA_BOOTSTRAP"] == inside
    check = " ".join(compose["services"]["kafka"]["healthcheck"]["test"])
    assert "kafka-broker-api-versions.sh" in check and "9092" in check


def test_the_project_services_share_one_environment(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in PROJECT_IMAGE:
        values = env(services[name])
        store = StoreURL.parse(interpolated(values["LIF_STORE"], LIF_DB_PASSWORD="pw"))
        assert (store.kind, store.host, store.dbname, store.password) == (
            "postgresql",
            "postgres",
            "lif",
            "pw",
        )
        assert values["LIF_HOME"] == "/var/lib/lif"
        assert values["DAGSTER_HOME"] == "/opt/dagster/home"
        assert values["DAGSTER_PG_HOST"] == "postgres"
    postgres = env(services["postgres"])
    assert postgres["POSTGRES_DB"] == "lif" and postgres["POSTGRES_USER"] == "lif"
    assert "${LIF_DB_PASSWORD:?" in postgres["POSTGRES_PASSWORD"], "no default password"
    # Dagster's database is created on first start by the init script the postgres service mounts.
    dagster_db = env(services["dagster-code"])["DAGSTER_PG_DB"]
    init = [v for v in services["postgres"]["volumes"] if "docker-entrypoint-initdb.d" in v]
    [mount] = init
    script = REPO / mount.split(":", 1)[0]
    assert f"CREATE DATABASE {dagster_db} OWNER lif" in script.read_text()
    # The instance config reads only variables the services define.
    instance = (REPO / "deploy" / "dagster.yaml").read_text()
    for name in PROJECT_IMAGE - {"relay"}:
        for variable in re.findall(r"env: (\w+)", instance):
            assert variable in env(services[name]), (name, variable)


def test_dagster_runs_this_projects_code_location(compose: dict[str, Any]) -> None:
    services = compose["services"]
    code = command_of(services["dagster-code"])
    assert code[:3] == ["dagster", "code-server", "start"]
    module = code[code.index("-m") + 1]
    assert importlib.util.find_spec(module) is not None, f"{module} is not importable"
    port = int(code[code.index("-p") + 1])
    workspace = yaml.safe_load((REPO / "deploy" / "workspace.yaml").read_text())
    [server] = [entry["grpc_server"] for entry in workspace["load_from"]]
    assert (server["host"], server["port"]) == ("dagster-code", port)
    assert str(port) in services["dagster-code"]["healthcheck"]["test"]
    dockerfile = (REPO / "Dockerfile").read_text()
    home = env(services["dagster-webserver"])["DAGSTER_HOME"]
    assert f"COPY deploy/dagster.yaml deploy/workspace.yaml {home}/" in dockerfile
    web = command_of(services["dagster-webserver"])
    daemon = command_of(services["dagster-daemon"])
    assert web[0] == "dagster-webserver" and web[web.index("-w") + 1] == f"{home}/workspace.yaml"
    assert daemon[:2] == ["dagster-daemon", "run"] and daemon[daemon.index("-w") + 1] == (
        f"{home}/workspace.yaml"
    )
    assert services["dagster-daemon"]["healthcheck"]["test"] == [
        "CMD",
        "dagster-daemon",
        "liveness-check",
    ]


def test_the_relay_commands_are_ones_the_cli_accepts(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    from lif_app.cli.app import app

    relay = compose["services"]["relay"]
    command = command_of(relay)
    assert command[:3] == ["lif", "kafka", "publish"] and "--follow" in command
    runner = CliRunner()
    # --help after the arguments: every option must exist, nothing runs.
    parsed = runner.invoke(app, [*command[1:], "--help"])
    assert parsed.exit_code == 0, parsed.output
    # The health check runs for real against a store (no broker needed).
    check = relay["healthcheck"]["test"]
    assert check[:3] == ["CMD", "lif", "kafka"]
    result = runner.invoke(app, ["--store", f"sqlite:///{tmp_path}/lif.db", *check[2:]])
    assert result.exit_code == 0, result.output
    assert relay.get("stop_grace_period"), "SIGTERM lets the relay finish its round"


def test_the_dagster_instance_config_is_valid_for_dagster_postgres(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """deploy/dagster.yaml checked by Dagster's own instance schema, variables as compose sets them."""
    from dagster._core.instance.config import dagster_instance_config
    from dagster_postgres import DagsterPostgresStorage

    for key, value in env(compose["services"]["dagster-daemon"]).items():
        monkeypatch.setenv(key, interpolated(value, LIF_DB_PASSWORD="pw"))
    config, custom_class = dagster_instance_config(str(REPO / "deploy"))
    assert custom_class is None
    postgres = config["storage"]["postgres"]["postgres_db"]
    assert {k: v["env"] for k, v in postgres.items()} == {
        "hostname": "DAGSTER_PG_HOST",
        "port": "DAGSTER_PG_PORT",
        "username": "DAGSTER_PG_USER",
        "password": "DAGSTER_PG_PASSWORD",
        "db_name": "DAGSTER_PG_DB",
    }
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["run_launcher"]["class"] == "DefaultRunLauncher"
    assert config["telemetry"] == {"enabled": False}
    # The storage class dagster-postgres provides accepts this section as its config.
    from dagster._config import process_config

    checked = process_config(DagsterPostgresStorage.config_type(), config["storage"]["postgres"])
    assert checked.success, checked.errors
    assert checked.value["postgres_db"]["hostname"] == "postgres"
    assert checked.value["postgres_db"]["port"] == 5432
    # The volume the compose services share holds the logs and artifacts Dagster writes.
    for section in ("compute_logs", "local_artifact_storage"):
        assert config[section]["config"]["base_dir"].startswith("/var/lib/dagster/")
    for name in ("dagster-code", "dagster-webserver", "dagster-daemon"):
        assert "dagster-storage:/var/lib/dagster" in compose["services"][name]["volumes"]
