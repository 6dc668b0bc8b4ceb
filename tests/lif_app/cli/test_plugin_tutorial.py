"""The tutorial of docs/plugins.md, step by step: a new author reaches a checked, ingested plugin.

The commands are the tutorial's own, read from its shell blocks; the code and files are its own
blocks, applied as its reader applies them (tests/support/tutorial.py). Only installing is done
differently: the package is put on the path with an installed distribution's metadata beside it,
instead of ``pip install -e`` into the suite's environment.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from broken_plugins import install
from tutorial import blocks, commands, write_block
from typer.testing import CliRunner

from lif_app.cli.app import app

DOCS = Path(__file__).resolve().parents[3] / "docs" / "plugins.md"
TUTORIAL = "## Tutorial: from zero to a checked, ingested plugin"
NAME = "police-referrals"
MODULE = "lif_plugin_police_referrals"


def test_the_tutorial_reaches_a_checked_ingested_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    package = home / "src" / f"lif-plugin-{NAME}"
    site = tmp_path / "site"
    env = {
        "LIF_PLUGINS_THIRD_PARTY": "1",
        "LIF_PLUGINS_ALLOW": "",
        "LIF_STORE": f"sqlite:///{tmp_path}/lif.db",
        "HOME": str(home),
    }
    section = blocks(DOCS.read_text(encoding="utf-8"), TUTORIAL)
    outputs: list[tuple[str, int, str]] = []

    def expand(word: str) -> str:
        return word.replace("$HOME", str(home)).replace("~", str(home), 1)

    def run(line: str) -> None:
        words = [expand(w) for w in shlex.split(line)]
        if words[0] == "." or "RUN_ID" in words:
            # activating the environment; a command whose argument the reader fills in
            outputs.append((line, 0, "(not run)"))
            return
        if words[:3] == ["pip", "install", "-e"]:
            target = words[3].removesuffix("[test]")
            assert Path(target) == package
            install(site, f"lif-plugin-{NAME}", {NAME: MODULE})
            monkeypatch.syspath_prepend(str(site))
            monkeypatch.syspath_prepend(str(package))
            outputs.append((line, 0, ""))
            return
        monkeypatch.delitem(sys.modules, MODULE, raising=False)  # the code may have changed
        if words[0] == "pytest":
            done = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *words[1:]],
                capture_output=True,
                text=True,
                cwd=tmp_path,
                env={**os.environ, **env, "PYTHONPATH": os.pathsep.join(map(str, sys.path))},
            )
            outputs.append((line, done.returncode, done.stdout + done.stderr))
            return
        assert words[0] == "lif", line
        result = CliRunner().invoke(app, words[1:], env=env)
        outputs.append((line, result.exit_code, result.stdout + result.stderr))

    checks = 0
    for block in section:
        if block.language == "sh":
            for line in commands([block]):
                run(line)
                command, code, text = outputs[-1]
                if command == f"lif plugins check {NAME}":
                    checks += 1
                if checks == 1 and command == f"lif plugins check {NAME}":
                    # Step 2: the scaffold's placeholders fail the kit, on purpose ...
                    assert code == 1, text
                    assert "Source.provider is still the placeholder" in text
                    # ... and the reader names the provider and describes the source.
                    code_file = package / MODULE / "__init__.py"
                    source = code_file.read_text()
                    source = source.replace(
                        "CHANGE ME: the organisation that publishes the data",
                        "West Yorkshire Police",
                    ).replace(
                        "CHANGE ME: one paragraph on what the source holds and who publishes it.",
                        "Quarterly safeguarding referrals about children, by district.",
                    )
                    code_file.write_text(source)
                    continue
                assert code == 0, f"{command}\n{text}"
        elif block.target and block.language in ("python", "csv", "json"):
            write_block(package, block)

    ran = [command for command, _, _ in outputs]
    assert ran[:2] == [". .venv/bin/activate", f"lif plugins new {NAME} --dir ~/src"]
    assert checks == 3  # failing on the placeholders, passing, passing on the real source
    ingests = [(c, t) for c, _, t in outputs if c.startswith(f"lif ingest {NAME} ")]
    assert len(ingests) == 2
    assert "✓ police-referrals-2024-25.csv  4 recorded, 0 revised" in ingests[0][1]
    assert "✓ police-referrals-2024-25.csv  5 recorded, 0 revised" in ingests[1][1]
    pytest_runs = [t for c, _, t in outputs if c.startswith("pytest ")]
    assert all("8 passed" in t for t in pytest_runs) and len(pytest_runs) == 2
    trail = next(t for c, _, t in outputs if c.startswith("lif audit trail "))
    assert "police-referrals/quarterly-referrals/2024-25 Q1/leeds/child-concern" in trail
    assert "v1 from police-referrals-2024-25.csv (line 4)" in trail
