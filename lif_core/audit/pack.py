"""An audit pack: one folder an auditor can take away and re-check on another machine.

::

    MANIFEST.sha256   sha256 of every other file (``sha256sum -c MANIFEST.sha256`` works)
    README.txt        what each file is and how to check it
    trail.json        the trail (lif_core.audit.trail.Trail.to_dict)
    trail.html        the same trail as a printable page
    seal.json         the seal the trail was built against
    head.json         a signed tree head covering every event (when the store has one), and
    inclusion.json    each event's leaf index and audit path to that head's root (RFC 9162);
    hash-list.txt     or, for a store with no signed head yet, the exact text the seal's digest
                      is over (sha256 of this file = the digest)
    proof.json        the stored bytes of every event the trail rests on
    records/<id>.json the cited source records' events, readable

``check_pack`` rebuilds ``trail.json`` and ``trail.html`` from the stored bytes in
``proof.json`` and requires them identical, recomputes every event's hash link, finds every
event in the sealed hash list and the list's digest in the seal. So editing any file — even
with the manifest recomputed — is caught; only a different seal or head could hide a forged log, which is why the head must
be compared with one a witness kept (``--head``) or its key with the one expected
(``--public-key``); a legacy seal with one kept outside the system (``--seal``).

With a signed head, the pack holds a few hashes per event (its audit path) rather than the
whole log's hash list (a pack of 70 events from a log of a million: about 90 KB, not 70 MB).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from lif_core.audit.heads import TreeHead, read_head, stored_heads
from lif_core.audit.html import render_html
from lif_core.audit.inclusion import head_checks, kept_head_check
from lif_core.audit.proof import (
    ProofReport,
    check_hash_list,
    check_kept_seal,
    hash_list_text,
)
from lif_core.audit.trail import TrailInput, assemble, gather
from lif_core.audit.verify import Seal, check_streams, make_seal
from lif_core.errors import InputError, RefusedError, VerificationError
from lif_core.eventlog import tree
from lif_core.eventlog.log import StoredRow, hash_lines
from lif_core.eventlog.merkle import event_leaf, inclusion_proof, verify_inclusion
from lif_core.eventlog.store import Store

__all__ = ["FORMAT", "check_pack", "write_pack"]

FORMAT = "lif-pack/1"
MANIFEST = "MANIFEST.sha256"
# The files a pack cannot be checked without, and what each holds (named when one is missing).
REQUIRED = {
    "seal.json": "the seal everything is proven against",
    "proof.json": "the stored bytes of the events the trail rests on",
    "trail.json": "the trail being proven",
    "trail.html": "the trail as a page",
}
PROVEN_BY_HEAD = {"inclusion.json": "each event's audit path to the signed head's root"}
PROVEN_BY_LIST = {"hash-list.txt": "the lines the seal's digest is over"}
README = """LIF audit pack for {reference} ({kind}), made {generated_at} UTC.

Files
  trail.html        the trail, readable and printable (open it in any browser)
  trail.json        the same trail as data
  records/*.json    the source records the trail cites: every version, readable
  proof.json        the stored bytes of every event above (base64), exactly as the database holds them
  seal.json         the seal the trail was built against
{proof_files}
  MANIFEST.sha256   the sha256 of every other file

Check it (no database needed)
{check}

What it proves: every event shown is, byte for byte, an event of the log that the seal covers,
in its place in its stream. What it cannot prove: that what was recorded was true, or anything
about events recorded after the seal.
"""


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _record_files(source: TrailInput) -> dict[str, str]:
    """records/<stream>.json for each cited stream: its events, readable, with their bytes."""
    cited = set(source.cited_streams.values())
    files: dict[str, str] = {}
    for stream in sorted(cited):
        rows = sorted((r for r in source.rows if r.stream_id == stream), key=lambda r: r.version)
        if rows:
            files[f"records/{stream}.json"] = _dump(
                {
                    "stream_id": stream,
                    "events": [{"type": r.type, "data": r.data(), **r.to_dict()} for r in rows],
                }
            )
    return files


def _still_sealed(store: Store, seal: Seal) -> None:
    """Refuse to seal over a log that no longer matches its last seal: that would bless it."""
    lines = hash_list_text(hash_lines(store, seal.last_notification_id))
    if (
        hashlib.sha256(lines.encode()).hexdigest() != seal.digest
        or lines.count("\n") != seal.event_count
    ):
        raise VerificationError(
            f"the log no longer matches seal {seal.seal_id}: run `lif audit verify`; "
            "no new seal was made and no pack was written"
        )


_HEAD_FILES = """  head.json         the signed tree head every event is proven against
  inclusion.json    each event's leaf index and audit path to the head's root (RFC 9162)"""
_LIST_FILES = (
    '  hash-list.txt     the lines the seal\'s digest is computed over: "notification_id:hash"'
)
_HEAD_CHECK = """  lif audit check-pack THIS_FOLDER --head THE_HEAD_A_WITNESS_KEPT.json
  lif audit check-pack THIS_FOLDER --public-key THE_SIGNING_KEY

By hand
  sha256sum -c MANIFEST.sha256           every file is as it was packed
  check head.json's Ed25519 signature (docs/audit.md gives the signed text) and compare it
  with a head a witness kept; each event's leaf is sha256(0x00 || "notification_id:hash"),
  and its path in inclusion.json leads to the head's root_hash (RFC 9162 section 2.1.3.2)"""
_LIST_CHECK = """  lif audit check-pack THIS_FOLDER --seal THE_SEAL_YOU_KEPT.json

By hand
  sha256sum -c MANIFEST.sha256           every file is as it was packed
  sha256sum hash-list.txt                equals "digest" in seal.json
  compare seal.json with the seal published or kept outside the system (e.g. the annual report)"""
INCLUSION = "lif-pack-inclusion/1"


def _inclusion(
    store: Store, rows: tuple[StoredRow, ...], head: TreeHead | None
) -> tuple[str, str] | None:
    """(head.json, inclusion.json) proving every row under ``head`` (default: the newest kept
    head covering them all); None when no signed head covers them (a legacy hash list then)."""
    with store.read() as tx:
        state = tree.load(tx)
        if state is None:
            return None
        indexes = {
            r.notification_id: tree.leaf_index_of(tx, r.notification_id, state.size) for r in rows
        }
        if any(i is None for i in indexes.values()):
            return None
        top = max((i for i in indexes.values() if i is not None), default=-1)
        if head is None:
            covering = [h for h in stored_heads(store) if h.tree_size > top]
            if not covering:
                return None
            head = covering[-1]
        elif head.tree_size <= top:
            raise RefusedError(
                f"the head of {head.tree_size} events does not cover the trail (it reaches leaf "
                f"{top}): run `lif audit seal --key KEY` and pack with the new head"
            )
        nodes = tree.StoredNodes(tx)
        leaves = []
        for row in rows:
            index = indexes[row.notification_id]
            assert index is not None
            path = inclusion_proof(nodes, index, head.tree_size)
            if not verify_inclusion(
                event_leaf(row.notification_id, row.stored_hash),
                index,
                head.tree_size,
                path,
                head.root,
            ):
                raise VerificationError(
                    f"notification {row.notification_id} is not proven under the head of "
                    f"{head.tree_size} events: run `lif audit verify --against WITNESS`; no pack was written"
                )
            leaves.append(
                {
                    "notification_id": row.notification_id,
                    "leaf_index": index,
                    "path": [h.hex() for h in path],
                }
            )
    doc = {"format": INCLUSION, "tree_size": head.tree_size, "leaves": leaves}
    return head.model_dump_json(indent=2) + "\n", _dump(doc)


def write_pack(
    store: Store,
    reference: str,
    out: Path,
    *,
    seal: Seal | None = None,
    actor: str,
    head: TreeHead | None = None,
) -> dict[str, Any]:
    """Write the pack for ``reference`` to ``out`` (a new folder): all of it, or nothing.

    Events are proven against ``head`` (default: the newest signed head the store kept that
    covers them) with inclusion proofs; with no such head, against the seal's hash list."""
    if out.exists():
        raise RefusedError(f"{out} already exists: choose a new folder for the pack")
    source = gather(store, reference, seal)
    newest = max((r.notification_id for r in source.rows), default=0)
    sealed_now = False
    if source.seal is None or source.seal.last_notification_id < newest:
        if seal is not None:
            raise RefusedError(
                f"the seal {seal.seal_id} covers up to notification {seal.last_notification_id}, "
                f"but the trail of {reference} reaches {newest}: pack without --seal to seal the log now"
            )
        if source.seal is not None:
            _still_sealed(store, source.seal)
        source = replace(source, seal=make_seal(store, actor))
        sealed_now = True
    assert source.seal is not None
    trail = assemble(source).to_dict()
    proven = _inclusion(store, source.rows, head)
    files = {
        "trail.json": _dump(trail),
        "trail.html": render_html(trail),
        "seal.json": source.seal.to_json() + "\n",
        **(
            {"head.json": proven[0], "inclusion.json": proven[1]}
            if proven
            else {
                "hash-list.txt": hash_list_text(hash_lines(store, source.seal.last_notification_id))
            }
        ),
        "proof.json": _dump({"format": FORMAT, "input": source.to_dict()}),
        "README.txt": README.format(
            reference=reference,
            kind=source.kind,
            generated_at=source.generated_at,
            proof_files=_HEAD_FILES if proven else _LIST_FILES,
            check=_HEAD_CHECK if proven else _LIST_CHECK,
        ),
        **_record_files(source),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, text in files.items():
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        manifest = "".join(f"{_sha256(tmp / name)}  {name}\n" for name in sorted(files))
        (tmp / MANIFEST).write_text(manifest, encoding="utf-8")
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {
        "reference": reference,
        "out": str(out),
        "files": len(files) + 1,
        "events": len(source.rows),
        "seal": source.seal.seal_id,
        "sealed_now": sealed_now,
        "head": None if proven is None else json.loads(proven[0]),
        "intact": trail["intact"],
    }


def _read(folder: Path, name: str) -> str:
    try:
        return (folder / name).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{folder / name}: {exc.strerror}") from None


def _check_manifest(report: ProofReport, folder: Path) -> None:
    listed: dict[str, str] = {}
    for line in _read(folder, MANIFEST).splitlines():
        digest, sep, name = line.partition("  ")
        if not sep:
            report.add("manifest", False, f"malformed line {line[:80]!r}")
            return
        listed[name] = digest
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {
        MANIFEST
    }
    bad = sorted(
        name
        for name, digest in listed.items()
        if name not in present or _sha256(folder / name) != digest
    )
    extra = sorted(present - set(listed))
    ok = not bad and not extra
    report.add(
        "manifest",
        ok,
        f"{len(listed)} files match their sha256"
        if ok
        else "; ".join(
            [f"changed or missing: {', '.join(bad)}"] * bool(bad)
            + [f"not in the manifest: {', '.join(extra)}"] * bool(extra)
        ),
    )


def check_pack(
    folder: Path,
    kept: Seal | None = None,
    *,
    kept_head: TreeHead | None = None,
    public_key: str | None = None,
) -> ProofReport:
    """Re-verify a pack with no store: manifest, every hash link, the seal, the trail itself."""
    report = ProofReport()
    if not (folder / MANIFEST).is_file():
        raise InputError(f"{folder} is not an audit pack (no {MANIFEST})")
    _check_manifest(report, folder)
    # A signed pack proves its events by head.json and inclusion.json, an older one by the list.
    required = REQUIRED | (PROVEN_BY_HEAD if (folder / "head.json").is_file() else PROVEN_BY_LIST)
    missing = [name for name in required if not (folder / name).is_file()]
    for name in missing:
        report.add(name, False, f"missing from the pack: {required[name]}")
    if missing:
        return report
    try:
        seal = Seal.from_json(_read(folder, "seal.json"))
        proof = json.loads(_read(folder, "proof.json"))
        if proof.get("format") != FORMAT:
            raise VerificationError(f"proof.json is not a {FORMAT} file")
        source = TrailInput.from_dict(proof["input"], seal)
        trail_json = json.loads(_read(folder, "trail.json"))
        html = _read(folder, "trail.html")
    except (ValueError, KeyError, TypeError, VerificationError) as exc:
        report.add("pack files", False, f"cannot be read as a pack: {exc}")
        return report
    signed = (folder / "head.json").is_file()
    lines: list[str] = []
    if signed:
        _check_events(report, source.rows, None, seal)
        _check_head(report, folder, source.rows, kept_head, public_key)
    else:
        lines = _read(folder, "hash-list.txt").splitlines()
        listed = check_hash_list(report, lines, seal)
        _check_events(report, source.rows, listed, seal)
    rebuilt = assemble(source).to_dict()
    same = rebuilt == trail_json
    report.add(
        "trail.json",
        same,
        "is exactly the trail the proven events give"
        if same
        else "differs from the trail the proven events give: it was edited",
    )
    same_html = render_html(rebuilt) == html
    report.add(
        "trail.html",
        same_html,
        "is exactly the page the proven events give"
        if same_html
        else "differs from the page the proven events give: it was edited",
    )
    for name, text in _record_files(source).items():
        try:
            ok = json.loads(_read(folder, name)) == json.loads(text)
        except (InputError, ValueError):
            ok = False
        report.add(
            name, ok, "matches the proven events" if ok else "differs from the proven events"
        )
    if kept is not None and not signed:
        newest = max((r.notification_id for r in source.rows), default=0)
        check_kept_seal(report, lines, seal, kept, newest)
    return report


def _check_head(
    report: ProofReport,
    folder: Path,
    rows: tuple[StoredRow, ...],
    kept: TreeHead | None,
    public_key: str | None,
) -> None:
    """Every event's leaf is in the tree the signed head covers, by its audit path."""
    try:
        head = read_head(_read(folder, "head.json"), "head.json")
        doc = json.loads(_read(folder, "inclusion.json"))
        if doc.get("format") != INCLUSION:
            raise VerificationError(f"inclusion.json is not a {INCLUSION} file")
        paths = {
            int(e["notification_id"]): (int(e["leaf_index"]), [bytes.fromhex(h) for h in e["path"]])
            for e in doc["leaves"]
        }
    except (ValueError, KeyError, TypeError, VerificationError) as exc:
        report.add("signed head", False, f"head.json or inclusion.json cannot be read: {exc}")
        return
    head_checks(report, head, "head", public_key)
    missing = []
    for row in rows:
        index, path = paths.get(row.notification_id, (-1, []))
        leaf = event_leaf(row.notification_id, row.stored_hash)
        if not verify_inclusion(leaf, index, head.tree_size, path, head.root):
            missing.append(f"notification {row.notification_id}")
    report.add(
        "in the signed tree",
        not missing,
        f"all {len(rows)} events are leaves of the tree under the head's root"
        if not missing
        else f"not proven under the head: {', '.join(missing[:20])}"
        + (f" and {len(missing) - 20} more" if len(missing) > 20 else ""),
    )
    kept_head_check(report, head, kept)


def _check_events(
    report: ProofReport, rows: tuple[StoredRow, ...], listed: dict[int, str] | None, seal: Seal
) -> None:
    problems = check_streams(rows)
    broken = [
        f"{r.type} v{r.version} (notification {r.notification_id}): {'; '.join(problems[r.notification_id])}"
        for r in rows
        if problems.get(r.notification_id)
    ]
    report.add(
        "hash links",
        not broken,
        f"all {len(rows)} events recompute to their stored hash, linked in their streams"
        if not broken
        else f"{len(broken)} event(s) fail: " + " | ".join(broken),
    )
    if listed is None:  # proven by the signed head instead (_check_head)
        return
    missing = [
        f"notification {r.notification_id}"
        for r in rows
        if r.notification_id > seal.last_notification_id
        or listed.get(r.notification_id) != r.stored_hash
        or not r.stored_hash
    ]
    report.add(
        "sealed",
        not missing,
        f"all {len(rows)} events are lines of the sealed hash list"
        if not missing
        else f"not in the sealed hash list: {', '.join(missing[:20])}"
        + (f" and {len(missing) - 20} more" if len(missing) > 20 else ""),
    )
