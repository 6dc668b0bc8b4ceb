"""The partner annual reports, one source each, all in the shared annual-metric layout.

``_annual_metrics`` holds the layout and the factory (:class:`AnnualReport`), reading cells
with the shared ``ingestors._fields``, ``_suppression`` and ``_vocabulary``; ``_docs`` renders each report's docs page from its catalogue
(``python -m ingestors.partner_reports`` rewrites them). Each other module declares one
report: its metric codes and dimensions. Nothing is imported here, so loading one report's
plugin never loads (or breaks on) another's.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingestors.partner_reports._annual_metrics import AnnualReport

__all__ = ["MODULES", "reports"]

MODULES = (
    "lado",
    "iro",
    "cp_conference",
    "csws",
    "mappa",
    "secure_settings",
    "private_fostering",
    "malap",
)
"""The report modules, in the order the partnership's framework lists the reports."""


def reports() -> tuple[AnnualReport, ...]:
    """Every partner report's declaration."""
    return tuple(importlib.import_module(f"{__name__}.{module}").REPORT for module in MODULES)
