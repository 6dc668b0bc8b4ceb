"""An erasure: data keys destroyed, so the values they sealed can never be read again.

One stream per erasure. Its one event says who, why, what (the run or record, or "matching a
text" — never the text, nor any erased value), which data keys, and when (its recorded time).
"""

from __future__ import annotations

from typing import Any

from lif_core.domain.base import LifAggregate, LifCreated

__all__ = ["Erasure"]


class Erasure(LifAggregate):
    kind = "erasure"

    class Erased(LifCreated):
        what: str
        keys: list[str]
        rationale: str

        def evolve(self, agg: Any) -> None:
            agg.what = self.what
            agg.keys = list(self.keys)
            agg.rationale = self.rationale

    @classmethod
    def erase(
        cls, erasure_id: str, *, what: str, keys: list[str], rationale: str, actor: str
    ) -> Erasure:
        cls.require(bool(rationale.strip()), "an erasure needs a rationale: say why")
        cls.require(bool(keys), "an erasure destroys at least one data key")
        return cls._start(  # type: ignore[no-any-return]
            cls.Erased,
            natural_key=erasure_id,
            actor=actor,
            correlation=erasure_id,
            what=what,
            keys=sorted(keys),
            rationale=rationale,
        )
