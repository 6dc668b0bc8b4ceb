"""What an attacker can work out from published counts by differencing: exact linear algebra.

Independent of :func:`lif_app.web.suppression.protect` (which reasons with graph bridges): the
published figures give linear equations over the unknown ones; an unknown is worked out exactly
when its unit vector is in the row space of those equations, i.e. when the reduced row echelon
form has a row that is that unit vector.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from fractions import Fraction

Equation = tuple[Sequence[Hashable], Hashable]  # the cells that add up to the total cell


def derivable(equations: Iterable[Equation], known: Mapping[Hashable, int]) -> set[Hashable]:
    """The unknown cells (not in ``known``) that the equations fix to one value."""
    rows: list[dict[Hashable, Fraction]] = []
    unknowns: set[Hashable] = set()
    for parts, total in equations:
        coefficients: dict[Hashable, Fraction] = {}
        for cell, sign in [*((p, 1) for p in parts), (total, -1)]:
            if cell not in known:
                coefficients[cell] = coefficients.get(cell, Fraction(0)) + sign
                unknowns.add(cell)
        coefficients = {k: v for k, v in coefficients.items() if v}
        if coefficients:
            rows.append(coefficients)
    order = sorted(unknowns, key=repr)
    matrix = [[row.get(u, Fraction(0)) for u in order] for row in rows]
    pivots: list[int] = []
    r = 0
    for column in range(len(order)):
        pivot = next((i for i in range(r, len(matrix)) if matrix[i][column]), None)
        if pivot is None:
            continue
        matrix[r], matrix[pivot] = matrix[pivot], matrix[r]
        head = matrix[r][column]
        matrix[r] = [v / head for v in matrix[r]]
        for i in range(len(matrix)):
            if i != r and matrix[i][column]:
                factor = matrix[i][column]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[r], strict=True)]
        pivots.append(column)
        r += 1
    found = set()
    for i, column in enumerate(pivots):
        if sum(1 for v in matrix[i] if v) == 1:
            found.add(order[column])
    return found
