"""Shared fixtures: real public data, stores on SQLite and PostgreSQL, isolated LIF_HOME."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Third-party plugins installed on the machine must not change what the suite sees.
os.environ.setdefault("LIF_PLUGINS_THIRD_PARTY", "0")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The real public files (../shared/data), through LIF_REAL_DATA. Missing is a failure."""
    value = os.environ.get("LIF_REAL_DATA") or str(REPO.parent / "shared" / "data")
    path = Path(value).resolve()
    if not (path / "ofsted_csc_provider_level").is_dir():
        pytest.fail(f"LIF_REAL_DATA={value!r} does not hold the shared real data; `make test` sets it")
    return path
