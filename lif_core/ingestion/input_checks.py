"""What an input file must be before a reader touches its rows: a regular file within the limits.

Every refusal here happens before the rows are read, from what the file says of itself: its kind
(a FIFO or a device would block or never end), its size on disk, and for an XLSX workbook the
sizes of its zip parts and the longest text inside them, found by a streaming pass that holds one
block at a time. The limits are :class:`lif_core.config.InputLimits`; each message names the limit
and the setting that raises it.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

from lif_core.config import InputLimits, limit_setting, size_text
from lif_core.errors import InputError

__all__ = ["check_input", "check_workbook", "open_input", "over_limit"]

_BLOCK = 1 << 20
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def over_limit(path: Path, what: str, limit_field: str, limit: int) -> InputError:
    """The one-line refusal for an input over one of the limits."""
    return InputError(
        f"{path.name}: {what} is over the limit of {size_text(limit)}; the file was refused "
        f"unread (if it is genuine, raise {limit_setting(limit_field)})"
    )


def _refuse_special(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    link = f"a link to {os.path.realpath(path)}, which is " if path.is_symlink() else ""
    raise InputError(
        f"{path.name}: is {link}{kind}, not a regular file: only files are read (copy the data "
        "into a file first)"
    )


def check_input(path: Path, limits: InputLimits) -> None:
    """Refuse ``path`` unless it is a regular file within the size limit (it is not opened)."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    _refuse_special(path, found.st_mode)
    if found.st_size > limits.max_file_bytes:
        raise over_limit(
            path, f"its size ({size_text(found.st_size)})", "max_file_bytes", limits.max_file_bytes
        )


def open_input(path: Path, limits: InputLimits) -> BinaryIO:
    """``path`` opened for reading, once it is known to be a regular file within the size limit.

    A FIFO or a device (or a link to one) is refused before it is opened, and opened without
    blocking in case it was swapped in since: reading ``/dev/zero`` or a pipe nobody writes to
    would never end.
    """
    check_input(path, limits)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        now = os.fstat(fd)
        _refuse_special(path, now.st_mode)
        if now.st_size > limits.max_file_bytes:
            raise over_limit(
                path,
                f"its size ({size_text(now.st_size)})",
                "max_file_bytes",
                limits.max_file_bytes,
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def check_workbook(path: Path, handle: BinaryIO, limits: InputLimits) -> None:
    """Refuse a workbook whose parts, unpacked, exceed the file limit or hold an over-long text.

    A 400 KB workbook can unpack to gigabytes (one cell of repeated characters compresses a
    thousandfold), and the XLSX library builds each text whole: so the sizes the zip declares
    are checked first, then each XML part is streamed, a block at a time, for a run of text
    longer than the field limit (the text of a cell never holds ``<``, which XML escapes).
    """
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path.name}: not a readable XLSX workbook ({exc})") from None
    with archive:
        parts = archive.infolist()
        unpacked = sum(info.file_size for info in parts)
        if unpacked > limits.max_file_bytes:
            raise over_limit(
                path,
                f"the workbook unpacked ({size_text(unpacked)})",
                "max_file_bytes",
                limits.max_file_bytes,
            )
        for info in parts:
            if info.filename.endswith(".xml") and info.filename.startswith("xl/"):
                _longest_text(path, archive, info, limits)


def _longest_text(
    path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: InputLimits
) -> None:
    cap = limits.max_field_bytes
    run = 0  # bytes since the last '<' seen
    try:
        with archive.open(info) as stream:
            for block in iter(lambda: stream.read(_BLOCK), b""):
                pieces = block.split(b"<")
                longest = max(run + len(pieces[0]), max(map(len, pieces[1:]), default=0))
                run = len(pieces[-1]) if len(pieces) > 1 else run + len(block)
                if longest > cap:
                    raise over_limit(
                        path,
                        f"a cell's text (in the part {info.filename})",
                        "max_field_bytes",
                        cap,
                    )
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:  # a damaged or lying archive
        raise InputError(f"{path.name}: not a readable XLSX workbook ({exc})") from None
