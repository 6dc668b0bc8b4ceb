"""The audit pack: a self-contained folder, written whole or not at all, re-checked with no store."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from audit_history import REFERENCE, History, done, lif_for, record_id

from lif_core.audit import build_trail
from lif_core.audit.html import render_html
from lif_core.audit.pack import check_pack
from lif_core.audit.trail import TrailInput, assemble
from lif_core.audit.verify import Seal

NO_STORE = "postgresql://nobody@127.0.0.1:1/nothing"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def pack(history: History, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("packs") / "LRN-2025-014"
    result = done(history.lif("audit", "pack", REFERENCE, "--out", str(out)))
    assert f"packed {REFERENCE}: 12 events, 9 files in {out}" in result.stdout
    return out


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_a_pack_holds_the_trail_the_records_the_seal_and_the_proofs(
    history: History, pack: Path
) -> None:
    assert _files(pack) == sorted(
        [
            "MANIFEST.sha256",
            "README.txt",
            "hash-list.txt",
            "proof.json",
            "seal.json",
            "trail.html",
            "trail.json",
            f"records/{record_id('2023/leeds')}.json",
            f"records/{record_id('2024/leeds')}.json",
        ]
    )
    manifest = (pack / "MANIFEST.sha256").read_text().splitlines()
    assert manifest == [
        f"{_sha(pack / name)}  {name}" for name in _files(pack) if name != "MANIFEST.sha256"
    ]
    seal = Seal.from_json((pack / "seal.json").read_text())
    assert seal == history.seal
    assert _sha(pack / "hash-list.txt") == seal.digest
    assert len((pack / "hash-list.txt").read_text().splitlines()) == seal.event_count

    trail = json.loads((pack / "trail.json").read_text())
    with history.store() as store:
        expected = build_trail(store, REFERENCE).to_dict()
    trail.pop("generated_at"), expected.pop("generated_at")
    assert trail == expected

    leeds = json.loads((pack / f"records/{record_id('2024/leeds')}.json").read_text())
    assert leeds["stream_id"] == record_id("2024/leeds")
    assert [(e["version"], e["type"]) for e in leeds["events"]] == [
        (1, "SourceRecord.Recorded"),
        (2, "SourceRecord.Revised"),
    ]
    assert [e["data"]["attributes"]["referrals"] for e in leeds["events"]] == [120, 125]
    assert leeds["events"][0]["data"]["provenance"]["origin_sha256"] == _sha(history.files["first"])
    proof = json.loads((pack / "proof.json").read_text())
    assert proof["format"] == "lif-pack/1"
    assert proof["input"]["reference"] == REFERENCE
    assert len(proof["input"]["rows"]) == 12
    assert "sha256sum -c MANIFEST.sha256" in (pack / "README.txt").read_text()
    html = (pack / "trail.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html


def test_check_pack_passes_on_another_machine_with_no_store(history: History, pack: Path) -> None:
    report = check_pack(pack, history.seal)
    assert report.ok, report.to_dict()
    assert [c.name for c in report.checks] == [
        "manifest",
        "hash list reproduces the seal",
        "hash links",
        "sealed",
        "trail.json",
        "trail.html",
        f"records/{record_id('2023/leeds')}.json",
        f"records/{record_id('2024/leeds')}.json",
        "kept seal",
    ]
    offline = lif_for(NO_STORE)
    result = done(offline("audit", "check-pack", str(pack)))
    assert "the pack checks" in result.stdout
    data = json.loads(done(offline("audit", "check-pack", str(pack), "--json")).stdout)
    assert data["ok"] is True


def _reseal_manifest(folder: Path) -> None:
    names = [n for n in _files(folder) if n != "MANIFEST.sha256"]
    (folder / "MANIFEST.sha256").write_text("".join(f"{_sha(folder / n)}  {n}\n" for n in names))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _decline_rationale(folder: Path) -> None:
    _edit(folder / "trail.json", "Covered by the neglect strategy.", "Agreed by all partners.")


def _page(folder: Path) -> None:
    _edit(folder / "trail.html", "Referrals rose in 2024.", "Referrals fell in 2024.")


def _stored_bytes(folder: Path) -> None:
    import base64

    proof = json.loads((folder / "proof.json").read_text())
    for row in proof["input"]["rows"]:
        state = base64.b64decode(row["state_b64"])
        if b"Referrals rose in 2024." in state:
            row["state_b64"] = base64.b64encode(state.replace(b"rose", b"fell")).decode()
    (folder / "proof.json").write_text(json.dumps(proof))


def _record(folder: Path) -> None:
    _edit(
        folder / f"records/{record_id('2024/leeds')}.json", '"referrals": 120', '"referrals": 150'
    )


def _hash_list(folder: Path) -> None:
    """The line of the trail's first event gets another hash."""
    first = json.loads((folder / "proof.json").read_text())["input"]["rows"][0]["notification_id"]
    lines = (folder / "hash-list.txt").read_text().splitlines()
    lines = [line[:-4] + "beef" if line.startswith(f"{first}:") else line for line in lines]
    (folder / "hash-list.txt").write_text("".join(f"{line}\n" for line in lines))


@pytest.mark.parametrize(
    ("tamper", "failing"),
    [
        (_decline_rationale, ["trail.json"]),
        (_page, ["trail.html"]),
        (_stored_bytes, ["hash links", "trail.json", "trail.html"]),
        (_record, [f"records/{record_id('2024/leeds')}.json"]),
        (_hash_list, ["hash list reproduces the seal", "sealed"]),
    ],
    ids=["trail.json", "trail.html", "stored bytes", "a record file", "the hash list"],
)
def test_an_edited_pack_fails_even_with_its_manifest_recomputed(
    pack: Path, tmp_path: Path, tamper: Callable[[Path], None], failing: list[str]
) -> None:
    copy = tmp_path / "pack"
    shutil.copytree(pack, copy)
    tamper(copy)
    report = check_pack(copy)
    assert [c.name for c in report.checks if not c.ok] == ["manifest", *failing]
    _reseal_manifest(copy)
    report = check_pack(copy)
    assert [c.name for c in report.checks if not c.ok] == failing
    result = lif_for(NO_STORE)("audit", "check-pack", str(copy))
    assert result.exit_code == 1 and "the pack does NOT check" in result.stderr


def test_a_pack_with_a_file_missing_or_added_fails_its_manifest(pack: Path, tmp_path: Path) -> None:
    copy = tmp_path / "pack"
    shutil.copytree(pack, copy)
    (copy / "README.txt").unlink()
    (copy / "notes.txt").write_text("added later")
    [manifest] = [c for c in check_pack(copy).checks if c.name == "manifest"]
    assert not manifest.ok
    assert manifest.detail == "changed or missing: README.txt; not in the manifest: notes.txt"


@pytest.mark.parametrize("name", ["hash-list.txt", "seal.json", "proof.json"])
def test_check_pack_names_each_missing_file_as_a_failed_check(
    pack: Path, tmp_path: Path, name: str
) -> None:
    copy = tmp_path / "pack"
    shutil.copytree(pack, copy)
    (copy / name).unlink()
    report = check_pack(copy)
    failed = {c.name: c.detail for c in report.checks if not c.ok}
    assert set(failed) == {"manifest", name}
    assert failed[name].startswith("missing from the pack")
    result = lif_for(NO_STORE)("audit", "check-pack", str(copy))
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "No such file" not in result.stdout + result.stderr
    assert name in result.stdout + result.stderr


def test_a_forged_seal_is_only_caught_against_the_seal_kept_outside(
    history: History, pack: Path, tmp_path: Path
) -> None:
    """Whoever rewrites the hash list, the seal and every file consistently defeats the pack
    alone; the seal kept outside the system (the annual report) still catches it."""
    copy = tmp_path / "pack"
    shutil.copytree(pack, copy)
    proof = json.loads((copy / "proof.json").read_text())
    shown = {row["notification_id"] for row in proof["input"]["rows"]}
    lines = (copy / "hash-list.txt").read_text().splitlines()
    other = next(i for i, line in enumerate(lines) if int(line.split(":")[0]) not in shown)
    lines[other] = lines[other][:-4] + "beef"
    (copy / "hash-list.txt").write_text("".join(f"{line}\n" for line in lines))
    real = Seal.from_json((copy / "seal.json").read_text())
    forged = replace(real, digest=_sha(copy / "hash-list.txt"))
    (copy / "seal.json").write_text(forged.to_json() + "\n")
    trail = assemble(TrailInput.from_dict(proof["input"], forged)).to_dict()
    (copy / "trail.json").write_text(json.dumps(trail, indent=2, sort_keys=True) + "\n")
    (copy / "trail.html").write_text(render_html(trail))
    _reseal_manifest(copy)

    assert check_pack(copy).ok
    kept = check_pack(copy, history.seal)
    assert [c.name for c in kept.checks if not c.ok] == ["kept seal"]


def test_a_pack_is_never_written_over_an_existing_folder_nor_left_half_written(
    history: History, pack: Path
) -> None:
    before = _files(pack)
    result = history.lif("audit", "pack", REFERENCE, "--out", str(pack))
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert _files(pack) == before
    assert [p.name for p in pack.parent.iterdir() if p.name.startswith(".")] == []
    result = lif_for(NO_STORE)("audit", "check-pack", str(pack.parent))
    assert result.exit_code == 1 and "is not an audit pack" in result.stderr
