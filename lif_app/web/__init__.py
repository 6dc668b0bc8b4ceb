"""See it, and decide signed in: the web view (``lif serve``) and the publishable report (``lif report``).

- ``app``: the Starlette application; read-only (GET and HEAD only), or with sign-in; errors as
  JSON under ``/api``.
- ``signin``, ``session``, ``access``: the sign-in settings (provider, site, claims → grants); the
  OpenID Connect routes, the guard in front of every page and CSRF; what each role reads and decides.
- ``forms``: the decision forms, made from the decision table; ``downloads``: audit packs as zips.
- ``pages`` and ``api``: the HTML pages and the JSON endpoints (``ENDPOINTS`` declares each once).
- ``openapi``: the OpenAPI 3.1 document, generated from ``ENDPOINTS`` and the tables' column docs.
- ``tables``: filtered, searched, sorted and paged rows of the read tables (pages and API alike).
- ``story``: what a page is about: a learning item, an action, a measure and the story behind its curve.
- ``charts``: turn-the-curve charts as SVG drawn on the server.
- ``templating``: the Jinja2 environment and the stylesheet shared by the view and the report.
- ``report``: the static report: small numbers suppressed, no names, built from a seal.
- ``readonly``: the store opened so that nothing can write to it.
- ``demo_hook``: what ``make demo`` prints at its end.
"""

from __future__ import annotations

from lif_app.web.app import create_app
from lif_app.web.report import build_report

__all__ = ["build_report", "create_app"]
