"""Bad input files for the tests, made the way an attacker or a broken export would make them."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import openpyxl

__all__ = ["binary_named_csv", "fifo_named_csv", "link_to_dev_zero", "xlsx_with_a_huge_cell"]

_MIB = 1 << 20


def binary_named_csv(folder: Path) -> Path:
    """A copy of an executable (``/bin/ls``) named ``.csv``."""
    path = folder / "ls.csv"
    shutil.copyfile("/bin/ls", path)
    return path


def fifo_named_csv(folder: Path) -> Path:
    """A named pipe nobody writes to, named ``.csv``: opening it to read would block forever."""
    path = folder / "pipe.csv"
    os.mkfifo(path)
    return path


def link_to_dev_zero(folder: Path) -> Path:
    """A symbolic link to ``/dev/zero`` named ``.csv``: reading it would never end."""
    path = folder / "zeros.csv"
    path.symlink_to("/dev/zero")
    return path


def xlsx_with_a_huge_cell(path: Path, cell_bytes: int, header: tuple[str, ...]) -> Path:
    """A workbook whose second row holds one cell of ``cell_bytes`` repeated letters.

    The cell compresses about a thousandfold, so the file on disk stays small (400 MB of text
    make a file of about 400 KB). Written a mebibyte at a time: making it needs no memory. The
    cell is written in the sheet's own part, as openpyxl writes text (Excel would put it in
    ``xl/sharedStrings.xml``; the readers check every part the same way).
    """
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(header))
    sheet.append(["HUGE", *(["1"] * (len(header) - 1))])
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if b">HUGE<" not in data:  # the part holding the cell (openpyxl writes it inline)
                out.writestr(info.filename, data)
                continue
            head, _, tail = data.decode().partition("HUGE")
            with out.open(info.filename, "w", force_zip64=True) as stream:
                stream.write(head.encode())
                block = b"a" * _MIB
                whole, rest = divmod(cell_bytes, _MIB)
                for _ in range(whole):
                    stream.write(block)
                stream.write(b"a" * rest)
                stream.write(tail.encode())
    plain.unlink()
    return path
