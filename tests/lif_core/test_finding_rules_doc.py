"""docs/plugins.md lists every finding rule the built-in sources declare, and no other: the
`learning_candidates.rule` column points readers there."""

from __future__ import annotations

import re
from pathlib import Path

from lif_core.plugins.host import load_plugins

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def _declared() -> dict[str, set[tuple[str, str]]]:
    """rule -> {(source, kind)} over the sources this repository ships (module ``ingestors.*``)."""
    rules: dict[str, set[tuple[str, str]]] = {}
    for name, loaded in load_plugins().sources.items():
        if not loaded.module.startswith("ingestors."):
            continue  # a third-party plugin documents its own
        for kind in loaded.source.kinds:
            for finding in kind.findings or ():
                rules.setdefault(finding.rule, set()).add((name, kind.name))
    return rules


def _documented() -> dict[str, set[tuple[str, str]]]:
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("### The finding rules the built-in sources declare") :]
    table = table[: table.index("\n###", 10)]
    rules: dict[str, set[tuple[str, str]]] = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        rule = cells[0].strip("`")
        kind = re.search(r"\(`([^`]+)`\)", cells[1])
        assert kind, line
        sources = re.findall(r"`([^`]+)`", cells[1].split("(")[0])
        rules[rule] = {(source, kind.group(1)) for source in sources}
    return rules


def test_the_doc_lists_each_built_in_finding_rule_with_its_sources_and_kind() -> None:
    declared = _declared()
    assert len(declared) >= 10  # the built-ins declare findings in ten rules
    assert _documented() == declared
