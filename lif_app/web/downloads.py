"""Audit packs to download, signed in: ``GET /audit/pack/REFERENCE`` answers ``lif audit pack`` as a zip.

A pack is proven against a seal (:mod:`lif_core.audit.pack`). For an auditor it is proven against
the latest seal, read-only, and refused (409, saying what to do) when the item's trail reaches past
it. The business unit may seal, as ``lif audit pack`` does at the command line: its download seals
the log first when it must, and the seal records who made it.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lif_app.web.access import Grant
from lif_app.web.session import person_of
from lif_core.audit.pack import write_pack
from lif_core.audit.verify import latest_seal
from lif_core.errors import RefusedError
from lif_core.eventlog.store import Store

__all__ = ["DOWNLOADS"]


def _zipped(folder: Path, top: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(path, f"{top}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()


def pack(request: Request) -> Response:
    """The audit pack of a learning item, action or measure, as ``pack-REFERENCE.zip``."""
    reference = request.path_params["reference"]
    reader: Store = request.app.state.store
    writer: Store = request.app.state.writer
    request.app.state.upkeep.index()  # the pack reads the index of event ids: bring it up to date
    person = person_of(request)
    seals = person is not None and Grant("business-unit") in person.grants
    name = "pack-" + re.sub(r"[^A-Za-z0-9._-]+", "_", reference)
    with tempfile.TemporaryDirectory(prefix="lif-pack-") as tmp:
        out = Path(tmp) / name
        if seals:
            assert person is not None
            actor = person.actor(Grant("business-unit")).actor
            write_pack(writer, reference, out, actor=actor)
        else:
            seal = latest_seal(reader)
            if seal is None:
                raise RefusedError(
                    "there is no seal yet, and a pack is proven against one: the business unit "
                    "seals the log (`lif audit seal`, or by downloading the pack signed in)"
                )
            try:
                write_pack(reader, reference, out, seal=seal, actor="")
            except RefusedError:
                raise RefusedError(
                    f"the trail of {reference} reaches past the latest seal ({seal.seal_id}, up to "
                    f"notification {seal.last_notification_id}), and a pack is proven against a "
                    "seal: the business unit seals the log (`lif audit seal`, or by downloading "
                    "this pack signed in), then it can be downloaded here"
                ) from None
        body = _zipped(out, name)
    return Response(
        body,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}.zip"'},
    )


DOWNLOADS = [Route("/audit/pack/{reference:path}", pack, name="pack")]
