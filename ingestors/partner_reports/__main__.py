"""Writes every partner report's docs page: ``python -m ingestors.partner_reports [docs/sources]``."""

from __future__ import annotations

import sys
from pathlib import Path

from ingestors.partner_reports import reports
from ingestors.partner_reports._docs import render_page


def main(argv: list[str]) -> None:
    target = Path(argv[0] if argv else "docs/sources")
    for report in reports():
        path = target / f"{report.name}.md"
        path.write_text(render_page(report), encoding="utf-8")
        sys.stdout.write(f"wrote {path}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
