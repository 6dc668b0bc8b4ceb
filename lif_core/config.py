"""Settings from the environment: the store URL, LIF_HOME, the input limits (the actor: :mod:`lif_core.actors`)."""

from __future__ import annotations

import getpass
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from lif_core.errors import ConfigError

__all__ = [
    "InputLimits",
    "StoreURL",
    "default_store",
    "input_limits",
    "lif_home",
    "limit_setting",
    "mask_url",
    "rejected_rows_retention_days",
    "size_text",
    "store_url",
]

DEFAULT_HOME = ".lif"
"""``LIF_HOME`` when it is not set: ``.lif`` under the working directory."""
STORE_FILE = "lif.db"
"""The default store's file name, in ``LIF_HOME``."""
_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def mask_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (also with no user name, or an @ in the password)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, tail = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}{slash}{tail}"


@dataclass(frozen=True, slots=True)
class StoreURL:
    """A parsed ``LIF_STORE`` URL: ``sqlite:///path`` or ``postgresql://user:pw@host:port/db?schema=s``."""

    url: str
    kind: str  # "sqlite" | "postgresql"
    path: Path | None = None
    host: str = ""
    port: int = 5432
    user: str = ""
    password: str = ""
    dbname: str = ""
    schema: str = "lif"

    @property
    def masked(self) -> str:
        return mask_url(self.url)

    @classmethod
    def parse(cls, url: str) -> StoreURL:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "sqlite":
            raw = unquote(url.split(":", 1)[1])
            if not raw.startswith("//"):
                raise ConfigError(
                    f"store URL {mask_url(url)!r}: write sqlite:///relative/path.db or sqlite:////absolute/path.db"
                )
            target = raw[3:] if raw.startswith("///") else raw[2:]
            if not target:
                raise ConfigError(f"store URL {mask_url(url)!r} names no database file")
            return cls(url=url, kind="sqlite", path=Path(target))
        if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
            query = parse_qs(parts.query)
            schema = query.get("schema", ["lif"])[0]
            if not _SCHEMA.match(schema):
                raise ConfigError(
                    f"store URL {mask_url(url)!r}: schema {schema!r} must be a lower-case SQL identifier"
                )
            dbname = parts.path.lstrip("/")
            if not dbname:
                raise ConfigError(
                    f"store URL {mask_url(url)!r} names no database (postgresql://user@host:5432/DBNAME)"
                )
            try:
                port = parts.port or 5432
            except ValueError:
                raise ConfigError(f"store URL {mask_url(url)!r} has a bad port") from None
            return cls(
                url=url,
                kind="postgresql",
                host=parts.hostname or "localhost",
                port=port,
                user=unquote(parts.username or getpass.getuser()),
                password=unquote(parts.password or ""),
                dbname=dbname,
                schema=schema,
            )
        raise ConfigError(
            f"store URL {mask_url(url)!r}: unknown kind {scheme or '(none)'!r}; use sqlite:///path/lif.db "
            "or postgresql://user@host:5432/db"
        )


def _home() -> Path:
    return Path(os.environ.get("LIF_HOME") or DEFAULT_HOME).resolve()


def default_store() -> str:
    """The store without ``--store`` or ``LIF_STORE``: ``sqlite:///$LIF_HOME/lif.db``.

    It follows ``LIF_HOME`` as the key file does (``$LIF_HOME/kek.key``), so setting only
    ``LIF_HOME`` keeps a store and the key it was written with together. The path is absolute
    (``LIF_HOME`` resolved against the working directory now), so a process started elsewhere
    with the URL (the demo's Dagster run) opens the same file. Nothing is created here.
    """
    return f"sqlite:///{_home() / STORE_FILE}"


def store_url(url: str | None = None) -> StoreURL:
    """The configured store: the argument, else ``LIF_STORE``, else :func:`default_store`."""
    return StoreURL.parse(url or os.environ.get("LIF_STORE") or default_store())


def lif_home() -> Path:
    """``LIF_HOME`` (default ``.lif`` under the working directory), created on first use."""
    home = _home()
    home.mkdir(parents=True, exist_ok=True)
    return home


# --- input limits ------------------------------------------------------------------------------

_KIB = 1024
_SIZE = re.compile(r"^(\d+)\s*([kmg]i?b?|b)?$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": _KIB, "m": _KIB**2, "g": _KIB**3}


@dataclass(frozen=True, slots=True)
class InputLimits:
    """How large an input file may be before the readers refuse it (see docs/design.md).

    The defaults are far above any real source (the largest real file is a 2.4 MB CSV) and far
    below what would exhaust a small server: a file over a limit is refused with one line
    naming the limit and its setting, never half read.
    """

    max_file_bytes: int = 256 * _KIB**2
    """``LIF_INPUT_MAX_FILE``: a file on disk; an XLSX workbook counts its parts unpacked."""
    max_line_bytes: int = _KIB**2
    """``LIF_INPUT_MAX_LINE``: one line of a CSV or JSONL file."""
    max_field_bytes: int = 128 * _KIB
    """``LIF_INPUT_MAX_FIELD``: one CSV field or one XLSX cell."""
    max_rows: int = 1_048_576
    """``LIF_INPUT_MAX_ROWS``: the rows of an XLSX sheet (Excel's own maximum)."""


_LIMIT_SETTINGS = {
    "max_file_bytes": "LIF_INPUT_MAX_FILE",
    "max_line_bytes": "LIF_INPUT_MAX_LINE",
    "max_field_bytes": "LIF_INPUT_MAX_FIELD",
    "max_rows": "LIF_INPUT_MAX_ROWS",
}


def _size(setting: str, text: str) -> int:
    match = _SIZE.match(text.strip())
    if not match or int(match[1]) < 1:
        raise ConfigError(
            f"{setting}={text!r} is not a size: write a whole number of bytes, or one with K, M "
            "or G after it (e.g. 128K, 256M, 1G)"
        )
    return int(match[1]) * _UNITS[(match[2] or "")[:1].lower()]


def input_limits() -> InputLimits:
    """The input limits: each ``LIF_INPUT_MAX_*`` variable that is set, else the default."""
    given = {
        field: _size(setting, os.environ[setting])
        for field, setting in _LIMIT_SETTINGS.items()
        if os.environ.get(setting, "").strip()
    }
    return InputLimits(**given)


def limit_setting(field: str) -> str:
    """The environment variable that sets the input limit ``field`` (for error messages)."""
    return _LIMIT_SETTINGS[field]


def size_text(size: int) -> str:
    """``131072`` -> ``'128 KiB'``: a size in the unit a person would write it in."""
    for unit, scale in (("GiB", _KIB**3), ("MiB", _KIB**2), ("KiB", _KIB)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


# --- retention ---------------------------------------------------------------------------------

DEFAULT_REJECTED_ROWS_RETENTION_DAYS = 90


def rejected_rows_retention_days() -> int:
    """``LIF_REJECTED_ROWS_RETENTION_DAYS`` (default 90): how long a rejected row's raw copy
    stays readable before the retention erases it (its run's data key is destroyed); 0 erases
    every rejected row at the retention's next run."""
    text = os.environ.get("LIF_REJECTED_ROWS_RETENTION_DAYS", "").strip()
    if not text:
        return DEFAULT_REJECTED_ROWS_RETENTION_DAYS
    if not text.isdigit():
        raise ConfigError(
            f"LIF_REJECTED_ROWS_RETENTION_DAYS={text!r} is not a whole number of days (0 or more)"
        )
    return int(text)
