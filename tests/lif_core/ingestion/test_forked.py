"""Reading in a forked process: chunks and failures come back as they were, and no child is left."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import pytest

from lif_core.errors import InputError, PluginError
from lif_core.ingestion.forked import ChildFailed, can_fork, forked_chunks


def _numbers(count: int) -> Iterator[list[int]]:
    for start in range(0, count, 100):
        yield list(range(start, min(start + 100, count)))


def test_chunks_come_back_in_order_and_made_in_another_process() -> None:
    parent = os.getpid()

    def produce() -> Iterator[tuple[int, list[int]]]:
        for chunk in _numbers(1050):
            yield os.getpid(), chunk

    got = list(forked_chunks(lambda _i, _n: produce()))
    assert [n for _, chunk in got for n in chunk] == list(range(1050))
    assert {pid for pid, _ in got} != {parent}


def test_several_children_take_turns_and_the_chunks_come_back_in_order() -> None:
    def produce(worker: int, workers: int) -> Iterator[tuple[int, list[int]]]:
        for index, chunk in enumerate(_numbers(1050)):  # 11 chunks, dealt in turn
            if index % workers == worker:
                yield os.getpid(), chunk

    got = list(forked_chunks(produce, workers=3))
    assert [n for _, chunk in got for n in chunk] == list(range(1050))
    assert len({pid for pid, _ in got}) == 3


def test_with_several_children_an_error_comes_at_its_place_in_the_order() -> None:
    def produce(worker: int, workers: int) -> Iterator[list[int]]:
        for index, chunk in enumerate(_numbers(1000)):
            if index == 5 and worker == 5 % workers:
                raise InputError("row 501 is unreadable")
            if index % workers == worker:
                yield chunk

    seen: list[int] = []
    with pytest.raises(InputError, match="row 501"):
        for chunk in forked_chunks(produce, workers=2):
            seen += chunk
    assert seen == list(range(500))


@pytest.mark.parametrize(
    "error",
    [InputError("f.csv: line 9 is not valid utf-8"), PluginError("toy", "plugin-bug", "boom")],
    ids=["input", "plugin"],
)
def test_an_error_in_the_child_is_raised_here_as_itself_after_the_chunks_before_it(
    error: Exception,
) -> None:
    def produce() -> Iterator[list[int]]:
        yield [1]
        yield [2]
        raise error

    seen: list[list[int]] = []
    with pytest.raises(type(error)) as caught:
        for chunk in forked_chunks(lambda _i, _n: produce()):
            seen.append(chunk)
    assert seen == [[1], [2]]
    assert str(caught.value) == str(error)


def test_an_error_that_cannot_be_pickled_is_reported_by_name() -> None:
    class Local(Exception):  # a local class cannot be pickled
        pass

    def produce() -> Iterator[list[int]]:
        raise Local("lost in translation")
        yield []

    with pytest.raises(ChildFailed, match="Local: lost in translation"):
        list(forked_chunks(lambda _i, _n: produce()))


def test_a_child_that_dies_is_a_failure_not_a_short_read() -> None:
    def produce() -> Iterator[list[int]]:
        yield [1]
        os.kill(os.getpid(), signal.SIGKILL)
        yield [2]

    chunks = forked_chunks(lambda _i, _n: produce())
    assert next(chunks) == [1]
    with pytest.raises(ChildFailed, match="exit code -9"):
        next(chunks)


def test_stopping_early_kills_the_child() -> None:
    pids: list[int] = []

    def produce() -> Iterator[int]:
        while True:  # never ends by itself
            yield os.getpid()

    chunks = forked_chunks(lambda _i, _n: produce())
    pids.append(next(chunks))
    chunks.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)


def test_a_running_thread_rules_fork_out_unless_declared_harmless() -> None:
    # Threads other tests of the session left running (a broker's log reader) are taken as
    # they are; the one started here is the one under test.
    already = [t for t in threading.enumerate() if t is not threading.current_thread()]
    assert can_fork(already)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="someone-else")
    thread.start()
    try:
        assert not can_fork(already)
        assert can_fork([*already, thread])
    finally:
        stop.set()
        thread.join()
    assert can_fork(already)
    assert not can_fork(already, cores=(os.cpu_count() or 1) + 1)
