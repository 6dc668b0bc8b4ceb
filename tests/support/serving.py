"""`lif serve` in a subprocess for the web tests: started on a free port, polled until it answers."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from ports import free_port


@contextlib.contextmanager
def lif_serve(
    args: list[str], env: dict[str, str], log: Path, probe: str = "/api/v1", port: int = 0
) -> Iterator[str]:
    """`lif serve --port P ARGS…` until the block ends; yields its base URL once ``probe``
    answers 200 (180 s deadline; an exit or a timeout fails the test with the server's log).
    ``port``: one chosen beforehand (default: a free one)."""
    port = port or free_port()
    lif = Path(sys.executable).with_name("lif")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(lif), "serve", "--port", str(port), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"lif serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(base + probe, timeout=2) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"lif serve did not answer within 180 s:\n{log.read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
