"""Slugs: the one style of the words the platform stores, and reading the older spelling.

A slug is lower-case words joined by hyphens: ``requires-improvement``, ``in-progress``,
``west-yorkshire-police``. Plugins store grades, statuses and types as slugs and build record
keys from them; the core and the read models store their own values the same way.

Stores written before the grade words were made one vocabulary hold ``requires_improvement``
(and ``Requires improvement``) where a file ingested now writes ``requires-improvement``, until
that source's files are ingested again (docs/design.md, "Grade words"). A read model or policy
that compares a stored grade or status calls :func:`grade_slug` on it, so both spellings match.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["grade_slug", "slug"]

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    """A name as a slug: 'West Yorkshire Police' -> 'west-yorkshire-police'."""
    return _NOT_SLUG.sub("-", name.casefold()).strip("-")


def grade_slug(value: Any) -> str | None:
    """A stored grade or status in the slug style, whichever spelling stored it; None if blank.

    ``requires_improvement``, ``Requires improvement`` and ``requires-improvement`` all give
    ``requires-improvement``.
    """
    if value is None:
        return None
    return slug(str(value)) or None
