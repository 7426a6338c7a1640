"""Tracebacks that show the project: library frames folded to one line each. Pure.

pytest's ``--tb=auto`` shows the frames that matter; what cockpit keeps of a failure is
the whole text, where a collection error or a plugin's failure opens with importlib's,
``_pytest``'s and ``pluggy``'s frames and a library error carries twenty frames of
SQLAlchemy. :func:`fold_traceback` keeps the project's frames whole, folds every library
frame (``_pytest``, ``pluggy``, site-packages, the standard library, ``<frozen ...>``) to
one line, keeps every exception line, and names the innermost frame inside the project
("raised in"). Every place that shows a traceback (the detail pane, a root cause's
example, the headless summary, the export) goes through it, and :meth:`Folded.tail`
keeps the end of one without ever starting in the middle of a frame.

It reads pytest's long, short and auto styles (entries separated by ``_ _ _`` lines, a
long entry ending on its ``path:line:`` location, a short one starting with
``path:line: in function``) and Python's native traceback (``File "path", line N``).
"""

from __future__ import annotations

import re
from typing import NamedTuple

_SEPARATOR = re.compile(r"^(?:_ ){4,}_?\s*$")
_SHORT_HEADER = re.compile(r"^(?P<path>[^\s:][^:\n]*):(?P<line>\d+): in (?P<function>\S.*?)\s*$")
_LONG_LOCATION = re.compile(r"^(?P<path>[^\s:][^:\n]*):(?P<line>\d+):(?: (?P<rest>.*))?$")
_NATIVE_HEADER = re.compile(
    r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<function>.+?))?\s*$'
)
_DEF_LINE = re.compile(r"^\s*(?:>\s*)?(?:async\s+)?def (?P<function>\w+)\(")
_CHAIN_BREAK = re.compile(
    r"^(The above exception was the direct cause of the following exception:|"
    r"During handling of the above exception, another exception occurred:)\s*$"
)
_LIBRARY_ROOTS = re.compile(r"^.*(?:site-packages|dist-packages|lib/python\d[\d.]*)/")
FOLD_MARK = "⋮"
_OUTSIDE_PROJECT = ("site-packages", "dist-packages", "/lib/python", "<frozen", "<string>")


def in_project(path: str, rootdir: str | None) -> str | None:
    """``path`` relative to the project, or None for a library's or Python's file."""
    if path.startswith("<") or any(marker in path for marker in _OUTSIDE_PROJECT):
        return None  # <string>, <frozen ...>, <sqlalchemy generated __init__ ...>: no file
    if rootdir and path.startswith(rootdir.rstrip("/") + "/"):
        return path[len(rootdir.rstrip("/")) + 1 :]
    if path.startswith("/") and rootdir:
        return None  # an absolute path outside the project
    return path


class Frame(NamedTuple):
    """One traceback entry: where it is, and its lines as the text had them."""

    path: str
    line: int
    function: str | None
    lines: tuple[str, ...]
    project_path: str | None
    """The path relative to the project; None for a library's or Python's own frame."""

    @property
    def where(self) -> str:
        return f"{self.project_path or short_library_path(self.path)}:{self.line}"

    def folded(self) -> list[str]:
        """One line saying where, plus the exception lines (``E ...``) it carried."""
        name = f" in {self.function}" if self.function else ""
        kept = [line for line in self.lines if line.startswith("E ")]
        return [f"  {FOLD_MARK} {self.where}{name}", *kept]


class Block(NamedTuple):
    """A run of lines: a frame (``frame`` set) or text between frames (a chain break, the
    exception line of a native traceback, a separator)."""

    lines: tuple[str, ...]
    frame: Frame | None = None
    collapsed: int = 0
    """How many library frames this one line stands for (the callers of the project)."""


class Folded(NamedTuple):
    """A traceback with its library frames folded (NamedTuples: the export imports this,
    and ``dataclasses`` alone costs it ~15 ms)."""

    full: str
    blocks: tuple[Block, ...] = ()
    folded_frames: int = 0
    raised_in: str | None = None
    """The innermost frame inside the project (``path:line``), where the fix usually is."""
    innermost: str | None = None
    """The innermost frame of all: a library's when the error was raised inside one."""

    @property
    def raised_in_library(self) -> bool:
        return self.innermost is not None and self.innermost != self.raised_in

    @property
    def text(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        return _squeeze([line for block in self.blocks for line in _shown(block)])

    def tail(self, max_lines: int) -> str:
        """The last whole blocks that fit in ``max_lines`` as shown (the last one always),
        after a line saying how many frames were left out above. In so little room a run
        of library frames keeps its first and last line and counts the rest, so the
        project's frame above them stays in view."""
        entries = _runs_shortened(self.blocks)
        start = len(entries)
        while start > 0:
            tried = _squeeze([line for lines, _ in entries[start - 1 :] for line in lines])
            if start < len(entries) and len(tried) > max_lines:
                break
            start -= 1
        left_out = sum(frames for _, frames in entries[:start])
        plural = "s" if left_out != 1 else ""
        head = [f"  {FOLD_MARK} {left_out} earlier frame{plural}"] if left_out else []
        return "\n".join(
            _squeeze([*head, *(line for lines, _ in entries[start:] for line in lines)])
        )


RUN_KEPT = 3
"""A run of more library frames than this shows in a tail as first, count, last."""


def _runs_shortened(blocks: tuple[Block, ...]) -> list[tuple[list[str], int]]:
    """(lines shown, frames they stand for) per block, a long run of library frames as
    three entries."""
    entries: list[tuple[list[str], int]] = []
    run: list[Block] = []

    def close() -> None:
        if len(run) > RUN_KEPT:
            middle = run[1:-1]
            names = ", ".join(dict.fromkeys(_package(b.frame.path) for b in middle if b.frame))
            line = f"  {FOLD_MARK} {len(middle)} more library frames ({names})"
            entries.extend([(_shown(run[0]), 1), ([line], len(middle)), (_shown(run[-1]), 1)])
        else:
            entries.extend((_shown(block), 1) for block in run)
        run.clear()

    for block in blocks:
        if _is_library(block):
            run.append(block)
            continue
        if run and _noise(block):
            continue  # a separator between library frames
        close()
        entries.append((_shown(block), block.collapsed + (block.frame is not None)))
    close()
    return entries


def _shown(block: Block) -> list[str]:
    if block.frame is not None and block.frame.project_path is None:
        return block.frame.folded()
    return list(block.lines)


def _is_library(block: Block) -> bool:
    return block.frame is not None and block.frame.project_path is None


def _squeeze(lines: list[str]) -> list[str]:
    """No blank runs, no separator next to a folded line, no leading or trailing blanks."""
    out: list[str] = []
    for line in lines:
        blank = not line.strip()
        if blank and (not out or not out[-1].strip()):
            continue
        if _SEPARATOR.match(line) and (not out or out[-1].lstrip().startswith(FOLD_MARK)):
            continue
        out.append(line)
    while out and (not out[-1].strip() or _SEPARATOR.match(out[-1])):
        out.pop()
    return out


def short_library_path(path: str) -> str:
    """``.../site-packages/sqlalchemy/orm/session.py`` -> ``sqlalchemy/orm/session.py``."""
    return _LIBRARY_ROOTS.sub("", path)


def _frame(
    path: str, line: str, function: str | None, lines: list[str], rootdir: str | None
) -> Frame:
    if function is None:
        function = next((m["function"] for m in map(_DEF_LINE.match, lines) if m is not None), None)
    return Frame(path, int(line), function, tuple(lines), in_project(path, rootdir))


def _native_blocks(lines: list[str], rootdir: str | None) -> list[Block]:
    blocks: list[Block] = []
    current: list[str] = []
    header: re.Match[str] | None = None

    def close() -> None:
        if header is not None:
            blocks.append(
                Block(
                    tuple(current),
                    _frame(header["path"], header["line"], header["function"], current, rootdir),
                )
            )
        elif current:
            blocks.append(Block(tuple(current)))

    for line in lines:
        match = _NATIVE_HEADER.match(line)
        if match is not None:
            close()
            header, current = match, [line]
        elif header is not None and (line.startswith("    ") or not line.strip()):
            current.append(line)
        else:  # the exception line(s), or text before the first frame
            close()
            header, current = None, [line]
    close()
    return blocks


def _pytest_chunk(lines: list[str], rootdir: str | None) -> list[Block]:
    """One chunk between ``_ _ _`` separators: short entries, or one long entry."""
    starts = [index for index, line in enumerate(lines) if _SHORT_HEADER.match(line)]
    if starts:
        blocks = (
            [Block(tuple(lines[: starts[0]]))] if any(s.strip() for s in lines[: starts[0]]) else []
        )
        for position, start in enumerate(starts):
            end = starts[position + 1] if position + 1 < len(starts) else len(lines)
            match = _SHORT_HEADER.match(lines[start])
            assert match is not None
            entry = lines[start:end]
            blocks.append(
                Block(
                    tuple(entry),
                    _frame(match["path"], match["line"], match["function"], entry, rootdir),
                )
            )
        return blocks
    for index in range(len(lines) - 1, -1, -1):
        match = _LONG_LOCATION.match(lines[index])
        if match is not None and not (match["rest"] or "").startswith("in "):
            entry = lines[: index + 1]
            frame = _frame(match["path"], match["line"], None, entry, rootdir)
            rest = [Block(tuple(lines[index + 1 :]))] if lines[index + 1 :] else []
            return [Block(tuple(entry), frame), *rest]
    return [Block(tuple(lines))] if lines else []


def _part_blocks(lines: list[str], rootdir: str | None) -> list[Block]:
    if any(_NATIVE_HEADER.match(line) for line in lines) and not any(
        _SHORT_HEADER.match(line) or _SEPARATOR.match(line) for line in lines
    ):
        return _native_blocks(lines, rootdir)
    blocks: list[Block] = []
    chunk: list[str] = []
    for line in lines:
        if _SEPARATOR.match(line):
            blocks += _pytest_chunk(chunk, rootdir)
            blocks.append(Block((line,)))
            chunk = []
        else:
            chunk.append(line)
    return blocks + _pytest_chunk(chunk, rootdir)


def _collapse_callers(blocks: list[Block]) -> list[Block]:
    """The library frames that called into the project (pytest's runner, pluggy, importlib:
    what pytest's own traceback cuts away) as one line, before the project's first frame."""
    first = next(
        (i for i, b in enumerate(blocks) if b.frame is not None and b.frame.project_path), None
    )
    if first is None:
        return blocks
    callers = [block.frame for block in blocks[:first] if block.frame is not None]
    if len(callers) < 2:
        return blocks
    packages = list(dict.fromkeys(_package(frame.path) for frame in callers))
    names = ", ".join(packages[:4]) + (", ..." if len(packages) > 4 else "")
    line = f"  {FOLD_MARK} {len(callers)} library frames calling the project ({names})"
    kept = [block for block in blocks[:first] if block.frame is None and not _noise(block)]
    return [*kept, Block((line,), collapsed=len(callers)), *blocks[first:]]


def _package(path: str) -> str:
    """The library a frame belongs to: ``_pytest``, ``pluggy``, ``importlib``..."""
    if path.startswith("<frozen "):
        return path[len("<frozen ") :].rstrip(">").split(".")[0]
    return short_library_path(path).split("/")[0].removesuffix(".py")


def _noise(block: Block) -> bool:
    return all(not line.strip() or _SEPARATOR.match(line) for line in block.lines)


def fold_traceback(longrepr: str, rootdir: str | None = None) -> Folded:
    """``longrepr`` with its library frames folded, and where it was raised."""
    parts: list[list[str]] = [[]]
    breaks: list[str] = []
    for line in longrepr.splitlines():
        if _CHAIN_BREAK.match(line):
            breaks.append(line)
            parts.append([])
        else:
            parts[-1].append(line)
    blocks: list[Block] = []
    last_frames: list[Frame] = []
    for index, part in enumerate(parts):
        if index:
            blocks.append(Block(("", breaks[index - 1], "")))
        part_blocks = _part_blocks(part, rootdir)
        frames = [block.frame for block in part_blocks if block.frame is not None]
        blocks += _collapse_callers(part_blocks)
        if frames:
            last_frames = frames
    project = [frame for frame in last_frames if frame.project_path is not None]
    return Folded(
        full=longrepr,
        blocks=tuple(blocks),
        folded_frames=sum(block.collapsed + _is_library(block) for block in blocks),
        raised_in=project[-1].where if project else None,
        innermost=last_frames[-1].where if last_frames else None,
    )
