"""`lif serve` in a subprocess for the web tests: started on a free port, polled until it answers."""

from __future__ import annotations

import contextlib
import os
import signal
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
    args: list[str],
    env: dict[str, str],
    log: Path,
    probe: str = "/api/v1",
    port: int = 0,
    deadline: float = 180,
) -> Iterator[str]:
    """`lif serve --port P ARGS…` until the block ends; yields its base URL once ``probe``
    answers 200 (``deadline`` seconds, 180 by default; an exit or a timeout fails the test with the server's log).
    ``port``: one chosen beforehand (default: a free one).

    The server runs unbuffered with faulthandler on, so its log holds what it printed; on a
    timeout it is sent SIGABRT first, so the log also holds where each of its threads was, and
    the failure says what the last probe got (refused, a status, a timeout)."""
    port = port or free_port()
    lif = Path(sys.executable).with_name("lif")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(lif), "serve", "--port", str(port), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1", **env},
        )
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    last = "no probe yet"
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"lif serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(base + probe, timeout=2) as answer:
                    if answer.status == 200:
                        break
                    last = f"HTTP {answer.status}"
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code}: {exc.read()[:500]!r}"
            except (urllib.error.URLError, OSError) as exc:
                last = f"{type(exc).__name__}: {exc}"
            if time.monotonic() - started > deadline:
                process.send_signal(signal.SIGABRT)  # faulthandler writes every thread's stack
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=15)
                pytest.fail(
                    f"lif serve on port {port} did not answer {probe} within {deadline:g} s "
                    f"(last probe: {last}); its log, with its threads' stacks:\n{log.read_text()}"
                )
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
