"""The trail as one self-contained HTML page: inline CSS, no script, readable offline and printable.

The page is a pure function of the trail's JSON, so a pack's ``trail.html`` can be re-rendered
from its ``trail.json`` and compared byte for byte.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import jinja2

from lif_core.actors import describe

__all__ = ["render_html"]

_ENV = jinja2.Environment(
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENV.filters["who"] = describe


def _template() -> jinja2.Template:
    text = resources.files("lif_core.audit").joinpath("trail.html.j2").read_text("utf-8")
    return _ENV.from_string(text)


def _cited_label(evidence: dict[str, Any]) -> str:
    cited = evidence.get("cited") or {}
    if evidence.get("source"):
        return (
            f"{evidence['source']} / {evidence['record_kind']} / {evidence['record_key']}"
            f" v{cited.get('version')}"
        )
    if cited:
        return f"{cited.get('type')} v{cited.get('version')}"
    return f"missing event {evidence['event_id']}"


def render_html(trail: dict[str, Any]) -> str:
    """The page for a trail given as :meth:`Trail.to_dict` (or a pack's ``trail.json``)."""
    versions = {e["event_id"]: f"v{e['version']} ({e['type']})" for e in trail["events"]}
    cited_label = {ev["event_id"]: _cited_label(ev) for ev in trail["evidence"]}
    n_versions = sum(
        (1 if ev.get("cited") else 0) + len(ev.get("later") or []) for ev in trail["evidence"]
    )
    sealed = sum(1 for e in trail["events"] if e["integrity"]["sealed"])
    return _template().render(
        t=trail,
        versions=versions,
        cited_label=cited_label,
        n_versions=n_versions,
        sealed=sealed,
    )
