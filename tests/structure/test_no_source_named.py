"""No built-in source is named in the core or the projections: what a source means is declared
by its plugin (docs/plugins.md, "The learning loop"), so a third-party plugin takes part exactly
as a built-in does."""

from __future__ import annotations

import re
from pathlib import Path

from lif_core.plugins.host import load_plugins

REPO = Path(__file__).resolve().parents[2]
SCANNED = ("lif_core", "projections")
# Words that are a source's name but are used in another sense, by file: each says why.
OTHER_SENSE = {
    # the job title (Local Authority Designated Officer), in the guard's list of words that
    # mark an organisation's name: not the source
    ("lif_core/privacy/detect.py", "lado"),
    # the regulator, in a comment on the shape of its location ids (which are not NHS numbers)
    ("lif_core/privacy/detect.py", "cqc"),
}


def _builtin_names() -> list[str]:
    names = [s.name for s in load_plugins(third_party=False) if s.builtin]
    assert len(names) >= 31  # the host found the built-ins: the scan below is not vacuous
    return names


def _mentions(text: str, names: list[str]) -> list[tuple[int, str]]:
    found = []
    for name in names:
        for match in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.IGNORECASE):
            found.append((text.count("\n", 0, match.start()) + 1, name))
    return found


def test_no_builtin_source_is_named_in_the_core_or_the_projections() -> None:
    names = _builtin_names()
    named = [
        f"{path.relative_to(REPO)}:{line}: {name}"
        for package in SCANNED
        for path in sorted((REPO / package).rglob("*.py"))
        for line, name in _mentions(path.read_text(encoding="utf-8"), names)
        if (str(path.relative_to(REPO)), name) not in OTHER_SENSE
    ]
    assert named == [], "declare it in the source's plugin instead"


def test_the_scan_finds_a_name_where_there_is_one() -> None:
    names = _builtin_names()
    assert _mentions('if source == "lado":\n    pass', names) == [(1, "lado")]
    assert _mentions("x = 'learning-log-extra'", names) == []  # a longer name is another name
