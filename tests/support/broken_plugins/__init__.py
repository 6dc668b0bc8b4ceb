"""Toy source plugins for the tests: one well made (``good``), the others each broken one way.

``good`` is what the conformance kit must pass; the others are copies of it with one deliberate
mistake each, which the kit (or the host) must fail with a message saying what to fix:
``duplicate_keys``, ``undescribed_field``, ``nondeterministic``, ``loses_rows``,
``crashes_on_a_row``, ``reversed_period``, ``no_valid_time``, ``unknown_kind``,
``misspelt_field``, ``hash_ordered`` and ``misspelt_hook``. They share the samples in
``samples/``.
:func:`install` makes any of them look installed (a distribution with an entry point), so
tests see them through the same discovery as real plugins.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["install"]


def install(
    site: Path, distribution: str, entry_points: dict[str, str], version: str = "1.0"
) -> Path:
    """Write a minimal installed distribution into ``site`` (put it on sys.path to use it).

    ``entry_points`` maps entry-point names of the ``lif.ingestors`` group to module paths.
    """
    info = site / f"{distribution.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n", encoding="utf-8"
    )
    lines = [f"{name} = {target}" for name, target in entry_points.items()]
    (info / "entry_points.txt").write_text(
        "[lif.ingestors]\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )
    return site
