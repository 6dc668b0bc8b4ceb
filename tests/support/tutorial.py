"""The plugin tutorial of docs/plugins.md, done the way its reader does it: block by block.

A fenced block whose info string names a file after its language (```` ```csv path ````) is that
file's new content, except Python: a Python block is applied to the module it names as its reader
would edit it — each top-level definition replaces the one of the same name, new ones go just
before the first definition they come with (or where the one a ``# replaces NAME`` comment names
was), and its imports join the module's.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Block", "apply_python", "blocks", "commands"]

_FENCE = re.compile(r"^```(\S*)[ \t]*(\S*)[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    language: str
    target: str  # the file the block is about ('' for commands and illustrations)
    text: str


def blocks(markdown: str, heading: str) -> list[Block]:
    """The fenced blocks of the section under ``heading`` (down to the next heading as high)."""
    start = markdown.index(heading)
    level = heading.split(" ", 1)[0]
    following = re.compile(rf"^{level} ", re.MULTILINE)
    end_match = following.search(markdown, start + len(heading))
    section = markdown[start : end_match.start() if end_match else len(markdown)]
    return [Block(m[1], m[2], m[3]) for m in _FENCE.finditer(section)]


def commands(section: list[Block]) -> list[str]:
    """The shell commands of the section, without comments and output lines."""
    out: list[str] = []
    for block in section:
        if block.language != "sh":
            continue
        for line in block.text.splitlines():
            line = line.split("  #", 1)[0].strip()
            if line and not line.startswith(("✓", "#")):
                out.append(line)
    return out


def _name(node: ast.stmt) -> str | None:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        return target.id if isinstance(target, ast.Name) else None
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    return None


def _span(node: ast.stmt) -> tuple[int, int]:
    """First and last line (1-based) of a statement, its decorators included."""
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    assert node.end_lineno is not None
    return first, node.end_lineno


def _import_line(module: str, names: list[str]) -> str:
    if len(names) <= 3:
        return f"from {module} import {', '.join(names)}"
    return f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")"


def apply_python(module_text: str, snippet: str) -> str:
    """``module_text`` edited as the snippet says (see the module's docstring)."""
    removed = re.findall(r"^# replaces (\w+)", snippet, re.MULTILINE)
    lines = module_text.splitlines()
    tree = ast.parse(module_text)
    piece_lines = snippet.splitlines()
    pieces: list[tuple[str | None, str]] = []  # (name, text) of the snippet's definitions
    imports: list[ast.ImportFrom] = []
    for node in ast.parse(snippet).body:
        if isinstance(node, ast.ImportFrom):
            imports.append(node)
            continue
        first, last = _span(node)
        pieces.append((_name(node), "\n".join(piece_lines[first - 1 : last])))
    existing = {_name(n): n for n in tree.body if _name(n)}
    replacing: dict[str, list[str]] = {}
    pending: list[str] = []
    for name, text in pieces:
        pending.append(text)
        if name in existing:
            replacing[name] = pending
            pending = []
    if pending:
        anchor = removed[0] if removed else "SOURCE"
        replacing.setdefault(anchor, []).extend(pending)
        if anchor == "SOURCE":  # new definitions before SOURCE, SOURCE itself kept
            first, last = _span(existing["SOURCE"])
            replacing["SOURCE"].append("\n".join(lines[first - 1 : last]))
    edits: list[tuple[int, int, str]] = []
    for node in tree.body:
        name = _name(node)
        if name in replacing:
            first, last = _span(node)
            edits.append((first, last, "\n\n\n".join(replacing[name])))
        elif name in removed:
            first, last = _span(node)
            edits.append((first, last, ""))
    for node in imports:  # each joins the module's import from the same module, or is added
        names = [a.name for a in node.names]
        same = next(
            (n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == node.module),
            None,
        )
        if same is not None:
            merged = sorted({a.name for a in same.names} | set(names), key=str.casefold)
            first, last = _span(same)
            edits.append((first, last, _import_line(str(node.module), merged)))
        else:
            last_import = max(
                _span(n)[1] for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
            )
            edits.append((last_import + 1, last_import, _import_line(str(node.module), names)))
    for first, last, text in sorted(edits, key=lambda e: e[0], reverse=True):
        lines[first - 1 : last] = text.splitlines() if text else []
    return "\n".join(lines) + "\n"


def write_block(package: Path, block: Block) -> None:
    """Do what one block of the tutorial says to the package's files."""
    path = package / block.target
    if block.language == "python":
        path.write_text(apply_python(path.read_text(encoding="utf-8"), block.text))
    else:
        path.write_text(block.text, encoding="utf-8")
