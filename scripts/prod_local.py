"""The compose topology as local processes: what ``scripts/prod-local.sh`` runs, from compose's files.

``python scripts/prod_local.py render STATE`` reads ``docker-compose.yml`` and the deploy folder
(``LIF_DEPLOY_DIR``, default ``deploy/``) and writes, under the state folder:

- ``prod-local.env``: a bash file the script sources: every variable compose gives the project's
  services (``x-lif-environment``), each one that names a compose host, volume or password mapped
  to this machine (the rest verbatim), and one bash array per service holding compose's own
  command and health check with container ports and paths mapped the same way;
- ``dagster-home/dagster.yaml`` and ``workspace.yaml``: the deploy files with only the container
  paths (compose volume mounts) and compose service hosts and ports mapped. Every other key is
  copied as it is, so a mistake in ``deploy/`` breaks this shape the way it breaks compose.

``create-dbs`` / ``drop-dbs`` make and remove the two PostgreSQL databases (the store's and
Dagster's, compose's ``lif`` and ``dagster``) named after the state's prefix.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import yaml

REPO = Path(__file__).resolve().parent.parent
# The compose services built from this project's image, and the names prod-local gives them.
SERVICES = {
    "dagster-code": "code",
    "dagster-webserver": "webserver",
    "dagster-daemon": "daemon",
    "relay": "relay",
}


class RenderError(RuntimeError):
    """Compose asks for something this script does not know how to map to this machine."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def admin_url() -> str:
    return os.environ.get(
        "LIF_PROD_LOCAL_POSTGRES",
        os.environ.get("LIF_TEST_POSTGRES", "postgresql://root@127.0.0.1:5432/test"),
    )


def _pg(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username or os.environ.get("USER", "postgres"),
        "password": parts.password or "",
        "dbname": parts.path.lstrip("/") or "postgres",
    }


def _ports(compose: dict[str, Any]) -> dict[str, int]:
    """Compose's container ports (from each command's ``-p``) → free local ports."""
    out: dict[str, int] = {}
    for name in SERVICES:
        command = [str(c) for c in compose["services"][name].get("command") or []]
        if "-p" in command:
            out[command[command.index("-p") + 1]] = free_port()
    return out


def _mounts(compose: dict[str, Any], state: Path) -> dict[str, str]:
    """Container paths of compose's named volumes (project services) → folders under state."""
    out: dict[str, str] = {}
    for name in SERVICES:
        for volume in compose["services"][name].get("volumes") or []:
            source, target = str(volume).split(":")[:2]
            out[target] = str(state / "volumes" / source)
    return out


class Mapping:
    """How compose's names become this machine's: hosts, ports, container paths."""

    def __init__(self, compose: dict[str, Any], state: Path, prefix: str) -> None:
        self.state = state
        self.prefix = prefix
        self.pg = _pg(admin_url())
        self.ports = _ports(compose)
        self.paths = _mounts(compose, state)
        # DAGSTER_HOME is baked into the image, not a volume: it gets a folder of its own.
        for name in SERVICES:
            home = (compose["services"][name].get("environment") or {}).get("DAGSTER_HOME")
            if home:
                self.paths[str(home)] = str(state / "dagster-home")
        self.broker_port = free_port()
        self.hosts = set(compose["services"])

    def path(self, value: str) -> str:
        for target, local in sorted(self.paths.items(), key=lambda kv: -len(kv[0])):
            if value == target or value.startswith(target + "/"):
                return local + value[len(target) :]
        return value

    def token(self, token: str) -> str:
        """One word of a compose command or health check, mapped."""
        if token == "0.0.0.0":
            return "127.0.0.1"
        if token in self.ports:
            return str(self.ports[token])
        for inside, local in self.ports.items():
            token = token.replace(f"127.0.0.1:{inside}/", f"127.0.0.1:{local}/")
        return self.path(token)


def environment(
    compose: dict[str, Any], m: Mapping, store_db: str, dagster_db: str
) -> dict[str, str]:
    """Compose's environment for the project's services, with this machine's values."""
    envs = [compose["services"][s].get("environment") or {} for s in SERVICES]
    keys = {k for e in envs for k in e}
    pg = m.pg
    password = quote(pg["password"], safe="")
    local = {
        "LIF_STORE": f"postgresql://{quote(pg['user'], safe='')}"
        + (f":{password}" if password else "")
        + f"@{pg['host']}:{pg['port']}/{store_db}",
        "LIF_KAFKA_BOOTSTRAP": f"127.0.0.1:{m.broker_port}",
        "DAGSTER_HOME": str(m.state / "dagster-home"),
        "DAGSTER_PG_HOST": str(pg["host"]),
        "DAGSTER_PG_PORT": str(pg["port"]),
        "DAGSTER_PG_USER": str(pg["user"]),
        "DAGSTER_PG_PASSWORD": str(pg["password"]),
        "DAGSTER_PG_DB": dagster_db,
    }
    out: dict[str, str] = {}
    for key in sorted(keys):
        values = {str(e[key]) for e in envs if key in e}
        if len(values) > 1:
            raise RenderError(f"compose gives {key} different values in different services")
        [value] = values
        if key in local:
            out[key] = local[key]
            continue
        mentions_host = any(re.search(rf"\b{re.escape(h)}\b[:/]", value) for h in m.hosts)
        if "${" in value or mentions_host:
            raise RenderError(
                f"compose sets {key}={value!r}, which names a compose host or secret: "
                "scripts/prod_local.py needs a local value for it"
            )
        out[key] = m.path(value)
    missing = set(local) - keys
    if missing:
        raise RenderError(f"compose no longer sets {', '.join(sorted(missing))}")
    return out


def _command(m: Mapping, words: list[str]) -> list[str]:
    words = [m.token(str(w)) for w in words]
    exe = REPO / ".venv" / "bin" / words[0]
    if exe.exists():
        words[0] = str(exe)
    elif words[0] == "python":
        words[0] = sys.executable
    return words


def _workspace(text: str, compose: dict[str, Any], m: Mapping) -> str:
    """The workspace with compose service hosts (and their ports) mapped to this machine."""
    data = yaml.safe_load(text)
    for entry in (data or {}).get("load_from") or []:
        server = entry.get("grpc_server") if isinstance(entry, dict) else None
        if isinstance(server, dict) and server.get("host") in compose["services"]:
            server["host"] = "127.0.0.1"
            port = str(server.get("port"))
            # A port no compose command serves stays as it is (and nothing answers there).
            server["port"] = m.ports.get(port, server.get("port"))
    return str(yaml.safe_dump(data, sort_keys=False))


def render(state: Path) -> None:
    deploy = Path(os.environ.get("LIF_DEPLOY_DIR") or REPO / "deploy").resolve()
    compose_file = Path(os.environ.get("LIF_COMPOSE_FILE") or REPO / "docker-compose.yml")
    compose: dict[str, Any] = yaml.safe_load(compose_file.read_text())
    state.mkdir(parents=True, exist_ok=True)
    prefix = os.environ.get("LIF_PROD_LOCAL_PREFIX") or f"lif_local_{os.getpid()}"
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,40}", prefix):
        raise RenderError(f"LIF_PROD_LOCAL_PREFIX={prefix!r}: lower-case letters, digits, _")
    m = Mapping(compose, state, prefix)
    env = environment(compose, m, f"{prefix}_lif", f"{prefix}_dagster")
    home = Path(env["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    for folder in m.paths.values():
        Path(folder).mkdir(parents=True, exist_ok=True)
    instance = (deploy / "dagster.yaml").read_text()
    for target, local in sorted(m.paths.items(), key=lambda kv: -len(kv[0])):
        instance = instance.replace(target, local)
    (home / "dagster.yaml").write_text(instance)
    (home / "workspace.yaml").write_text(
        _workspace((deploy / "workspace.yaml").read_text(), compose, m)
    )
    lines = ["# written by scripts/prod_local.py render: sourced by scripts/prod-local.sh"]
    lines += [f"export {k}={shlex.quote(v)}" for k, v in env.items()]
    lines.append(f"PREFIX={shlex.quote(prefix)}")
    lines.append(f"BROKER_PORT={m.broker_port}")
    info: dict[str, Any] = {"prefix": prefix, "broker": env["LIF_KAFKA_BOOTSTRAP"], "env": env}
    for service, short in SERVICES.items():
        spec = compose["services"][service]
        command = _command(m, [str(w) for w in spec["command"]])
        check = [str(w) for w in spec["healthcheck"]["test"]]
        if check[0] != "CMD":
            raise RenderError(f"{service}: only exec-form health checks (CMD) can run here")
        health = _command(m, check[1:])
        lines.append(f"CMD_{short}=({shlex.join(command)})")
        lines.append(f"HEALTH_{short}=({shlex.join(health)})")
        info[short] = {"command": command, "health": health}
    ports = {short: m.ports.get(_port_of(compose, svc), 0) for svc, short in SERVICES.items()}
    lines += [f"PORT_{short}={p}" for short, p in ports.items() if p]
    info["ports"] = ports
    (state / "prod-local.env").write_text("\n".join(lines) + "\n")
    (state / "prod-local.json").write_text(json.dumps(info, indent=2) + "\n")


def _port_of(compose: dict[str, Any], service: str) -> str:
    command = [str(c) for c in compose["services"][service].get("command") or []]
    return command[command.index("-p") + 1] if "-p" in command else ""


def _databases(prefix: str) -> list[str]:
    return [f"{prefix}_lif", f"{prefix}_dagster"]


def create_dbs(prefix: str) -> None:
    import psycopg

    with psycopg.connect(**_pg(admin_url()), autocommit=True, connect_timeout=5) as conn:
        for name in _databases(prefix):
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not found:
                conn.execute(f'CREATE DATABASE "{name}"')


def drop_dbs(prefix: str) -> None:
    import psycopg

    with psycopg.connect(**_pg(admin_url()), autocommit=True, connect_timeout=5) as conn:
        for name in _databases(prefix):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_WORKSPACE = (
    "{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus "
    "locationOrLoadError { __typename ... on PythonError { message } } } } } }"
)


def workspace(port: str) -> int:
    """0: every code location the webserver knows loaded; 3: still loading; 1: one failed."""
    from urllib.request import Request, urlopen

    request = Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": _WORKSPACE}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urlopen(request, timeout=20) as response:
        data = json.load(response)["data"]["workspaceOrError"]
    entries = data.get("locationEntries") or []
    if not entries:
        print("prod-local: the workspace names no code location", file=sys.stderr)
        return 1
    for entry in entries:
        loaded = entry.get("locationOrLoadError") or {}
        if loaded.get("__typename") == "PythonError":
            first = (loaded.get("message") or "").strip().splitlines()[:3]
            print(
                f"prod-local: code location {entry['name']!r}: {' '.join(first)}", file=sys.stderr
            )
            return 1
        if entry.get("loadStatus") != "LOADED" or not loaded:
            return 3
    return 0


def main(argv: list[str]) -> int:
    commands = ("render", "create-dbs", "drop-dbs", "workspace")
    if len(argv) != 2 or argv[0] not in commands:
        print(
            "usage: prod_local.py render STATE | create-dbs PREFIX | drop-dbs PREFIX | workspace PORT"
        )
        return 2
    try:
        if argv[0] == "workspace":
            return workspace(argv[1])
        if argv[0] == "render":
            render(Path(argv[1]).resolve())
        elif argv[0] == "create-dbs":
            create_dbs(argv[1])
        else:
            drop_dbs(argv[1])
    except (RenderError, OSError, KeyError, ValueError) as exc:
        print(f"prod-local: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # psycopg's errors: say what failed, in one line
        print(f"prod-local: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
