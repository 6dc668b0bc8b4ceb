"""A bench case's peak memory is its own, however large the process that started it."""

from __future__ import annotations

from bench import in_fresh_process, peak_mb

BIG_MB = 256


def _allocate(mb: int) -> float:
    block = bytearray(mb * 1024 * 1024)
    block[::4096] = b"\x01" * len(block[::4096])  # touch every page, so it is resident
    return peak_mb()


def test_a_case_started_by_a_large_process_reports_its_own_peak() -> None:
    parent = _allocate(BIG_MB)

    child = in_fresh_process(peak_mb)
    large_child = in_fresh_process(_allocate, BIG_MB)

    assert parent >= BIG_MB
    assert child < BIG_MB / 2, "the child reported its parent's peak"
    assert BIG_MB <= large_child < BIG_MB + child + 64
