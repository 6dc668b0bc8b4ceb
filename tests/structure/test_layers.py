"""The structure is a contract: layers, no circles, and private modules kept private."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("lif_core", "lif_app", "projections", "ingestors", "dagster_project")


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def _lint() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_import_contracts_hold() -> None:
    done = _lint()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "BROKEN" not in done.stdout


def test_no_top_level_package_imports_another_that_imports_it_back() -> None:
    graph = _graph()
    circles = [
        (a, b)
        for i, a in enumerate(PACKAGES)
        for b in PACKAGES[i + 1 :]
        if graph.chain_exists(a, b, as_packages=True) and graph.chain_exists(b, a, as_packages=True)
    ]
    assert circles == []


def test_a_change_that_breaks_an_arrow_fails_the_contracts() -> None:
    """The contracts are not vacuous: a domain module that imports an app breaks them."""
    probe = REPO / "lif_core" / "domain" / "_probe_broken_arrow.py"
    probe.write_text("import lif_app.cli.app  # noqa: F401\n", encoding="utf-8")
    try:
        done = _lint()
    finally:
        probe.unlink()
    assert done.returncode != 0
    assert "lif_core.domain._probe_broken_arrow -> lif_app" in done.stdout


def _package_of(module: str) -> str:
    return module.rsplit(".", 1)[0]


def test_no_module_imports_a_private_module_of_another_package() -> None:
    """``x._y`` is private to package ``x``: only modules inside ``x`` may import it."""
    graph = _graph()
    offences = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            private = [
                ".".join(imported.split(".")[: i + 1])
                for i, part in enumerate(imported.split("."))
                if part.startswith("_") and not part.startswith("__")
            ]
            for module in private:
                owner = _package_of(module)
                if not (importer == owner or importer.startswith(owner + ".")):
                    offences.append(f"{importer} imports {imported}")
    assert offences == []
