"""Run a producer of chunks in a forked child process, so reading and writing use two cores.

Ingestion reads, maps and validates rows (CPU in the plugin and pydantic) and writes events
(CPU in encoding and hashing, and the database). :func:`forked_chunks` runs the first half
in a child process made with ``fork`` — it inherits the loaded plugin and the open input as
they are, so nothing has to be pickled or reloaded — and hands its chunks back through a pipe.
The pipe holds only a few chunks, so a slow writer holds the reader back: memory stays flat.

The child touches nothing of the parent's but the input and its end of the pipe, and leaves
with ``os._exit`` (no atexit handlers, no finalisers on the parent's database connections).
An exception in the child is raised again in the parent, as itself when it can be pickled.
If the parent stops early (an error, or the consumer closes the generator) the child is killed;
if the parent is killed, the child's next write fails and it ends.

Forking is safe only when no other thread can hold a lock the child needs (a lock held by
another thread at the fork stays held in the child forever): :func:`can_fork` says whether it
may be used here. Threads the caller knows the child never touches (the store's own connection
pool, whose threads wait on queues) can be named as harmless.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import pickle
import sys
import threading
from collections.abc import Callable, Collection, Iterator
from multiprocessing.connection import Connection
from typing import Any, TypeVar

__all__ = ["ChildFailed", "can_fork", "forked_chunks"]

T = TypeVar("T")


class ChildFailed(RuntimeError):
    """The child process ended without finishing or saying why (killed, or out of memory)."""


def can_fork(harmless: Collection[threading.Thread] = (), *, cores: int = 2) -> bool:
    """True where fork exists, there are ``cores`` cores or more and no thread is running
    besides this one and the ``harmless`` ones."""
    if sys.platform == "win32" or "fork" not in multiprocessing.get_all_start_methods():
        return False
    current = threading.current_thread()
    others = [t for t in threading.enumerate() if t is not current and t not in harmless]
    return (os.cpu_count() or 1) >= cores and not others


def _run_child(produce: Callable[[], Iterator[Any]], send: Connection, receive: Connection) -> None:
    receive.close()  # else a dead parent's pipe would still have a reader, and a full pipe blocks
    try:
        for chunk in produce():
            send.send(("chunk", chunk))
        send.send(("end", None))
    except BrokenPipeError:  # the parent went away: nothing to tell
        return
    except BaseException as exc:  # every failure goes back to the parent to report
        try:
            pickle.dumps(exc)
            send.send(("error", exc))
        except Exception:
            send.send(("error", ChildFailed(f"{type(exc).__name__}: {exc}")))
    finally:
        send.close()


def forked_chunks(produce: Callable[[int, int], Iterator[T]], workers: int = 1) -> Iterator[T]:
    """Yield the chunks ``produce(i, workers)`` yields in ``workers`` forked children, in turn.

    Child ``i`` must yield chunks ``i``, ``i + workers``, ``i + 2 * workers``… of one sequence
    (each reads the whole input and keeps its share), so that taking one chunk from each
    child in turn gives the sequence in order. The first child to end at its turn ends it.
    """
    ctx = multiprocessing.get_context("fork")
    children: list[tuple[Any, Connection]] = []
    try:
        for index in range(workers):
            receive, send = ctx.Pipe(duplex=False)
            child = ctx.Process(
                target=_run_child,
                args=(functools.partial(produce, index, workers), send, receive),
                daemon=True,
                name=f"lif-read-{index}",
            )
            child.start()
            send.close()  # only the child writes: we see EOF when it is gone
            children.append((child, receive))
        turn = 0
        while True:
            child, receive = children[turn % workers]
            try:
                kind, payload = receive.recv()
            except EOFError:
                child.join()
                raise ChildFailed(
                    f"the reading process ended without finishing (exit code {child.exitcode})"
                ) from None
            if kind == "end":
                return
            if kind != "chunk":
                raise payload
            yield payload
            turn += 1
    finally:
        for child, receive in children:
            if child.is_alive():
                child.kill()
            child.join()
            receive.close()
