"""The partner register as the decisions see it: every name an agency goes by, read from the log.

A decision that names an agency (an action's owner, a partner that cascaded learning, the
partners in a narrative) is refused when the name is not a partner's short name, full name or
alias, with the close matches listed: a misspelling never becomes a new agency. Until the first
partner is added the register is empty and names are taken as written (a store from before the
register, or a partnership that keeps none); ``lif partner add`` switches the check on.
"""

from __future__ import annotations

from typing import Any

from lif_core.decisions.declarations import Creation, Decision
from lif_core.domain.channels import channels
from lif_core.domain.partner import partner_directory
from lif_core.errors import RefusedError
from lif_core.eventlog.store import Store

__all__ = ["check_names", "partner_directory"]


def check_names(store: Store, declaration: Creation | Decision, args: Any) -> None:
    """Refuse a decision that names an unknown partner or channel, listing close matches."""
    written = declaration.named(args, "channel")
    vocabulary = channels()
    for argument, value in written:
        if vocabulary.resolve(value) is None:
            raise RefusedError(f"{argument.option}: {vocabulary.unknown(value)}")
    agencies = declaration.named(args, "partner")
    if not agencies:
        return
    directory = partner_directory(store)
    if not directory.names:
        return
    for argument, value in agencies:
        partners = directory.resolve_all(value)
        if partners is None:
            unknown = next(p for p in value.split(";") if directory.resolve(p.strip()) is None)
            raise RefusedError(f"{argument.option}: {directory.unknown(unknown.strip())}")
        for partner in (p for p in partners if p in directory.retired):
            raise RefusedError(
                f"{argument.option}: {value!r} is {partner}, which has left the partnership "
                "(retired): nothing new is recorded for it"
            )
