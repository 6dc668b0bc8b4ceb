"""The Merkle tree alone (no database): a 1,000,000-leaf tree, its proofs' sizes and timings.

- **append**: 1,000,000 leaves added one at a time to a compact range (what each append does),
  keeping every level in memory;
- **inclusion proof**: for leaves spread over the tree, the proof's size in bytes (32 a hash)
  and the time to make and to check one (floor: under 2 KB);
- **consistency proof** between the heads at 500,000 and 1,000,000 leaves: made, and checked
  with nothing but the two roots (floor: made in under 0.1 s).

Environment: ``LIF_BENCH_MERKLE_LEAVES`` (default 1000000).
"""

from __future__ import annotations

import os
import time
from typing import Any

from bench import peak_mb
from lif_core.eventlog import merkle

__all__ = ["run"]

PROOF_BYTES_FLOOR = 2048
CONSISTENCY_SECONDS_FLOOR = 0.1


def run() -> list[dict[str, Any]]:
    n = int(os.environ.get("LIF_BENCH_MERKLE_LEAVES", "1000000"))
    leaves = [merkle.event_leaf(i + 1, f"{i:064x}") for i in range(n)]
    tree = merkle.MemoryTree()
    started = time.perf_counter()
    for leaf in leaves:
        tree.append(leaf)
    append_s = time.perf_counter() - started
    root = tree.root()
    rows: list[dict[str, Any]] = [
        {
            "name": "append (compact range, every level kept)",
            "leaves": n,
            "seconds": round(append_s, 3),
            "per_s": round(n / append_s),
            "bytes": None,
            "floor": None,
            "ok": None,
        }
    ]
    sizes, make_s, check_s = [], 0.0, 0.0
    picks = [0, n // 3, n // 2, n - 1]
    for index in picks:
        t0 = time.perf_counter()
        proof = merkle.inclusion_proof(tree, index, n)
        t1 = time.perf_counter()
        assert merkle.verify_inclusion(leaves[index], index, n, proof, root)
        t2 = time.perf_counter()
        make_s, check_s = make_s + t1 - t0, check_s + t2 - t1
        sizes.append(32 * len(proof))
    rows.append(
        {
            "name": f"inclusion proof (largest of {len(picks)}), made / checked",
            "leaves": n,
            "seconds": f"{make_s / len(picks):.6f} / {check_s / len(picks):.6f}",
            "per_s": None,
            "bytes": max(sizes),
            "floor": f"< {PROOF_BYTES_FLOOR} B",
            "ok": max(sizes) < PROOF_BYTES_FLOOR,
        }
    )
    old = n // 2
    old_root = tree.root(old)
    t0 = time.perf_counter()
    proof = merkle.consistency_proof(tree, old, n)
    t1 = time.perf_counter()
    assert merkle.verify_consistency(old, n, old_root, root, proof)
    t2 = time.perf_counter()
    rows.append(
        {
            "name": f"consistency proof {old:,} -> {n:,}, made / checked",
            "leaves": n,
            "seconds": f"{t1 - t0:.6f} / {t2 - t1:.6f}",
            "per_s": None,
            "bytes": 32 * len(proof),
            "floor": f"made < {CONSISTENCY_SECONDS_FLOOR} s",
            "ok": (t1 - t0) < CONSISTENCY_SECONDS_FLOOR,
        }
    )
    rows.append({"name": "peak memory (MB)", "leaves": n, "bytes": round(peak_mb())})
    return rows
