"""Small-number suppression for the publishable report: the rules as data, primary and secondary.

- :class:`Rules` says which figures count people (children, young people, families,
  practitioners, …) and the threshold; it is read from ``suppression.toml`` beside this module
  or from the file given to ``lif report --rules``.
- Counts of people from 1 to threshold − 1 are hidden (**primary suppression**); 0 is shown.
  Counts of actions, learning items and reviews are never hidden.
- :func:`protect` adds **secondary suppression** to a table of counts published with totals, so
  no hidden cell can be worked out by differencing the published cells and totals.

How :func:`protect` knows a cell cannot be worked out: write the table with its totals as an
extended grid, the totals negated, so that every row and every column sums to zero. The hidden
cells are then edges of a graph between row nodes and column nodes, and the values they can take
(given the published ones) differ by any circulation on that graph. A hidden cell is fixed exactly
when it lies on no cycle of hidden cells, i.e. when it is a *bridge*. So while a hidden cell is a
bridge, another cell of its row (or column) is hidden, the smallest first; once no hidden cell is
a bridge, every hidden cell can be moved up and down by a cycle and none can be derived.
(Bounds — a count is never negative — are not used against it: the rule protects exact values
from differencing, as the issue asks; docs/web.md says so.)
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lif_core.errors import ConfigError

__all__ = ["TOTAL", "CountTable", "Rules", "load_rules", "protect"]

RULES_FILE = Path(__file__).with_name("suppression.toml")
TOTAL = "total"  # the row or column key of a table's totals


class Rules(BaseModel):
    """The suppression rules (see ``suppression.toml`` for each field's meaning)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: int = Field(5, ge=1)
    show_zero: bool = True
    people: tuple[str, ...] = ()
    tables: dict[str, str] = Field(default_factory=dict)
    measures: dict[str, str] = Field(default_factory=dict)
    people_words: dict[str, str] = Field(default_factory=dict)

    def with_threshold(self, threshold: int | None) -> Rules:
        return self if threshold is None else self.model_copy(update={"threshold": threshold})

    def counts_people(self, subject: str | None) -> bool:
        return subject is not None and subject.lower() in {p.lower() for p in self.people}

    def table_counts_people(self, table: str) -> bool:
        return self.counts_people(self.tables.get(table))

    def measure_subject(self, reference: str, name: str) -> str | None:
        """What a measure counts: declared by reference, else the first people word in its name."""
        if reference in self.measures:
            return self.measures[reference]
        lowered = name.lower()
        found = [
            (match.start(), subject)
            for word, subject in self.people_words.items()
            for match in [re.search(rf"\b{re.escape(word.lower())}\b", lowered)]
            if match
        ]
        return min(found)[1] if found else None

    def measure_counts_people(self, reference: str, name: str) -> bool:
        return self.counts_people(self.measure_subject(reference, name))

    def hides(self, count: float | None) -> bool:
        """Whether a count of people is hidden by the primary rule."""
        if count is None:
            return False
        return (count > 0 or not self.show_zero) and count < self.threshold


def load_rules(path: Path | None = None) -> Rules:
    """The rules in ``path`` (default: the shipped ``suppression.toml``), checked."""
    source = path or RULES_FILE
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the suppression rules {source}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the suppression rules {source} are not valid TOML: {exc}") from None
    if path is not None:  # a partnership's file changes the shipped rules key by key
        defaults = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
        data = {**defaults, **data}
    try:
        return Rules.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"the suppression rules {source}: {where}: {first['msg']}") from None


@dataclass(frozen=True, slots=True)
class CountTable:
    """A table of counts as published: ``cells[(row, column)]``, with the totals it publishes.

    A total is published when its key is in ``cells``: ``(row, TOTAL)`` for a row's total,
    ``(TOTAL, column)`` for a column's, ``(TOTAL, TOTAL)`` for the grand total. A total that
    is not published is still a fact (the sum exists), so it is treated as hidden.
    """

    rows: tuple[Hashable, ...]
    columns: tuple[Hashable, ...]
    cells: Mapping[tuple[Hashable, Hashable], int]


def protect(table: CountTable, rules: Rules) -> set[tuple[Hashable, Hashable]]:
    """The cells (and totals) to hide: small counts, and enough others that none can be derived."""
    rows = [*table.rows, TOTAL]
    columns = [*table.columns, TOTAL]
    grid = [(r, c) for r in rows for c in columns]
    hidden = {key for key in grid if key not in table.cells}  # totals not published
    small = {key for key, count in table.cells.items() if rules.hides(count)}
    hidden |= small
    while True:
        # Only the small counts must stay unknown: a withheld total or a secondary cell that can
        # be worked out gives away nothing the rules protect.
        bridges = [key for key in _bridges(hidden) if key in small]
        if not bridges:
            return {key for key in hidden if key in table.cells}
        row, column = min(bridges, key=lambda k: (str(k[0]), str(k[1])))
        candidates = [k for k in grid if k not in hidden and (k[0] == row or k[1] == column)]
        if not candidates:
            candidates = [k for k in grid if k not in hidden]
        # The smallest count first, cells before totals (a total hides the most information).
        hidden.add(
            min(
                candidates,
                key=lambda k: (TOTAL in k, table.cells.get(k, 0), str(k[0]), str(k[1])),
            )
        )


def _bridges(edges: set[tuple[Hashable, Hashable]]) -> list[tuple[Hashable, Hashable]]:
    """The edges of the row–column graph of ``edges`` that lie on no cycle (Tarjan's bridges)."""
    graph: dict[Any, list[tuple[Any, int]]] = {}
    edge_list = sorted(edges, key=lambda k: (str(k[0]), str(k[1])))
    for index, (row, column) in enumerate(edge_list):
        a, b = ("row", row), ("column", column)
        graph.setdefault(a, []).append((b, index))
        graph.setdefault(b, []).append((a, index))
    order: dict[Any, int] = {}
    low: dict[Any, int] = {}
    found: list[tuple[Hashable, Hashable]] = []
    for root in graph:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack: list[tuple[Any, int, int]] = [(root, -1, 0)]
        while stack:
            node, via, next_child = stack[-1]
            neighbours = graph[node]
            if next_child < len(neighbours):
                stack[-1] = (node, via, next_child + 1)
                other, index = neighbours[next_child]
                if index == via:
                    continue
                if other in order:
                    low[node] = min(low[node], order[other])
                else:
                    order[other] = low[other] = len(order)
                    stack.append((other, index, 0))
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent]:
                    found.append(edge_list[via])
    return found
