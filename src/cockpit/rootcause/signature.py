"""Root-cause signatures: what stays the same when one bug fails many tests. Pure.

A signature is the original exception's type and first message line with the volatile
parts normalised (addresses, numbers, uuids, temp paths, quoted values that are data
rather than names), plus the innermost frame inside the project. Chained and wrapped
errors resolve to their original cause: SQLAlchemy's "One or more mappers failed to
initialize ... Original exception was: X" is X, and of an exception chain the first one
raised is the cause. Assertion messages carry the compared values, which vary by
parameter, so an ``AssertionError`` is known by its type and project line alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cockpit.rootcause.folding import in_project

_QUOTED = re.compile(r"'([^'\n]{0,200})'|\"([^\"\n]{0,200})\"")
# Lists of names vary with the parameter just as numbers do ("...: b, b_t, b_f." against
# "...: z."): a run of identifiers after a colon up to the end of the line (one bare
# identifier is a list too), and two or more quoted identifiers anywhere. A single dotted
# name ("module: app.models") and a single quoted name ("No module named 'x'", "KeyError:
# 'Invoice'") say which thing failed and are kept.
_IDENT = r"[A-Za-z_]\w*"
_ITEM = rf"(?:'{_IDENT}'|\"{_IDENT}\"|{_IDENT})"
_QUOTED_ITEM = rf"(?:'{_IDENT}'|\"{_IDENT}\")"
_LIST_SEPARATOR = r"(?:\s*,\s*(?:(?:and|or)\s+)?|\s+(?:and|or)\s+)"
_TRAILING_NAMES = re.compile(
    rf"(:\s+)(?:{_IDENT}|{_ITEM}(?:{_LIST_SEPARATOR}{_ITEM})+)(\s*[.;]?\s*)$"
)
_QUOTED_NAMES = re.compile(
    rf"(?<![\w'\"]){_QUOTED_ITEM}(?:{_LIST_SEPARATOR}{_QUOTED_ITEM})+(?![\w'\"])"
)
NAMES = "<names>"
_NAME_LIKE = re.compile(r"^[A-Za-z_][\w.]*$")
_NUMBERED = re.compile(r"(?<=[_\-])\d+(?![A-Za-z])")
"""A number that numbers a name ('tenant_7', 'user-12'); never part of one ('base64')."""
_VOLATILE = (
    (re.compile(r"0x[0-9a-fA-F]+"), "0x?"),
    (
        re.compile(
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
        ),
        "<uuid>",
    ),
    (re.compile(r"(/tmp|/var/folders|/private/var)/[^\s'\":]+"), "<tmp>"),
    (re.compile(r"pytest-of-[^\s/]+/pytest-\d+/[^\s'\":]+"), "<tmp>"),
    (re.compile(r"(?<![\w.])\d+(\.\d+)?(?![\w.])"), "N"),
)
_ORIGINAL = re.compile(r"Original exception was:\s*(.+)", re.DOTALL)
_TYPED_LINE = re.compile(
    r"^(?:E\s+)?((?:[A-Za-z_][\w.]*)?(?:Error|Exception|Exit|Warning|Failed))\b:?\s?(.*)$"
)
_CHAIN_BREAK = re.compile(
    r"^(The above exception was the direct cause of the following exception:|"
    r"During handling of the above exception, another exception occurred:)\s*$",
    re.MULTILINE,
)
# Frame references in pytest's long, short and native traceback styles.
_FRAME_NATIVE = re.compile(r'File "([^"]+)", line (\d+)')
_FRAME_PYTEST = re.compile(r"^([^\s:][^:\n]*\.py):(\d+):", re.MULTILINE)
_CYCLE = re.compile(r"from partially initialized module '(?P<module>[\w.]+)'")
_MODULE_FRAME = re.compile(
    r"^(?P<path>[^\s:][^:\n]*\.py):\d+: in <module>$"
    r'|File "(?P<native>[^"]+\.py)", line \d+, in <module>',
    re.MULTILINE,
)
# The cause of these is what they name (a module), not the line that happened to import it.
_KEYED_BY_MESSAGE = frozenset({"ImportError", "ModuleNotFoundError"})


@dataclass(frozen=True, slots=True)
class Signature:
    """The root cause of one failure, as far as its text tells."""

    exception: str
    message: str
    location: str | None
    """The innermost frame inside the project, ``path:line``: the likely fix location."""
    raw_message: str
    """The original cause's message before normalising: where hints find their evidence."""
    raised_in_project: bool = False
    """Raised by project code (then the line is part of the key), not inside a library
    (where the project line is just whichever test happened to trigger it)."""

    @property
    def key(self) -> str:
        text = f"{self.exception}: {self.message}" if self.message else self.exception
        where = f" @ {self.location}" if self.location and self.raised_in_project else ""
        return text + where


def normalise(message: str) -> str:
    """The first meaningful line of ``message`` with its volatile parts replaced."""
    first = next((line.strip() for line in message.splitlines() if line.strip()), "")

    def quoted(match: re.Match[str]) -> str:
        value = match.group(1) if match.group(1) is not None else match.group(2)
        if not _NAME_LIKE.match(value):
            return "'?'"  # data: a value that varies from test to test
        return "'" + _NUMBERED.sub("N", value) + "'"  # a name: 'tenant_7' ~ 'tenant_9'

    first = _TRAILING_NAMES.sub(rf"\g<1>{NAMES}\g<2>", first)
    first = _QUOTED_NAMES.sub(NAMES, first)
    first = _QUOTED.sub(quoted, first)
    for pattern, replacement in _VOLATILE:
        first = pattern.sub(replacement, first)
    return first[:300]


def error_signature(message: str) -> str:
    """The normalised ``Type: message`` of a crash message, for run-to-run comparisons."""
    signature = signature_of(message)
    return f"{signature.exception}: {signature.message}"


def split_exception(message: str) -> tuple[str, str]:
    """``("sqlalchemy.exc.InvalidRequestError", "rest")`` from one message."""
    first = next((line.strip() for line in message.splitlines() if line.strip()), "")
    if first.startswith("assert "):  # pytest's rewritten assertion, without its type
        return "AssertionError", message.strip()
    match = _TYPED_LINE.match(first)
    if match:
        return match.group(1), match.group(2) + message.strip()[len(first) :]
    return "", message.strip()


def original_cause(message: str) -> str:
    """Unwrap messages that quote their cause (SQLAlchemy's mapper initialisation)."""
    match = _ORIGINAL.search(message)
    while match:
        message = match.group(1).strip()
        match = _ORIGINAL.search(message)
    return message


def _exception_of(text: str) -> tuple[str, str] | None:
    """The last ``Type: message`` line of a traceback part (pytest ``E`` lines first)."""
    lines = text.splitlines()
    candidates = [line for line in lines if line.startswith("E ")] or lines
    for line in reversed(candidates):
        match = _TYPED_LINE.match(line.strip())
        if match:
            return match.group(1), match.group(2)
    return None


def project_location(longrepr: str, rootdir: str | None = None) -> tuple[str | None, bool]:
    """The innermost project frame of ``longrepr``, and whether the error was raised there
    (the innermost frame of all is the project's)."""
    frames: list[tuple[int, str, str]] = []
    for match in _FRAME_NATIVE.finditer(longrepr):
        frames.append((match.start(), match.group(1), match.group(2)))
    for match in _FRAME_PYTEST.finditer(longrepr):
        frames.append((match.start(), match.group(1), match.group(2)))
    frames.sort()
    for index, (_, path, line) in enumerate(reversed(frames)):
        relative = in_project(path, rootdir)
        if relative is not None:
            return f"{relative}:{line}", index == 0
    return None, False


def import_cycle(message: str, longrepr: str, rootdir: str | None = None) -> list[str] | None:
    """The project files of an import cycle, sorted (the same cycle, whichever of its
    modules a test imported first): from the partially initialised module's frame to the
    innermost, in the traceback's ``<module>`` frames."""
    match = _CYCLE.search(message)
    if match is None:
        return None
    paths = []
    for frame in _MODULE_FRAME.finditer(longrepr):
        relative = in_project(frame["path"] or frame["native"], rootdir)
        if relative is not None:
            paths.append(relative)
    stem = match["module"].replace(".", "/")
    starts = [i for i, path in enumerate(paths) if path in (f"{stem}.py", f"{stem}/__init__.py")]
    if not starts:
        return None
    return sorted(set(paths[starts[0] :]))


def signature_of(message: str, longrepr: str = "", rootdir: str | None = None) -> Signature:
    """The root-cause signature of one failure (crash message plus long traceback)."""
    exception, text = split_exception(message)
    unwrapped = original_cause(text)
    if unwrapped != text:  # a wrapper quoting its cause: the cause may name its own type
        inner_exception, inner_text = split_exception(unwrapped)
        exception, text = inner_exception or exception, inner_text
    parts = _CHAIN_BREAK.split(longrepr) if longrepr else [""]
    chain = [part for index, part in enumerate(parts) if index % 2 == 0]
    final = chain[-1]
    location, raised_here = project_location(final, rootdir) if final else (None, False)
    if len(chain) > 1 and raised_here and unwrapped == split_exception(message)[1]:
        # Project code re-raised a lower error (``raise ServiceError from exc``): the
        # first exception of the chain is the cause. A library wrapping its own internals
        # (SQLAlchemy's KeyError inside InvalidRequestError) keeps its own diagnosis.
        cause = _exception_of(chain[0])
        if cause is not None:
            exception, text = cause[0], original_cause(cause[1])
            location, raised_here = project_location(chain[0], rootdir)
    short = exception.rsplit(".", 1)[-1]
    is_assertion = short == "AssertionError" and location is not None
    cycle = import_cycle(text, longrepr, rootdir) if short == "ImportError" else None
    return Signature(
        exception=exception or "Failure",
        message=(
            f"import cycle between {', '.join(cycle)}"
            if cycle
            else ""
            if is_assertion
            else normalise(text)
        ),
        location=location,
        raw_message=text.strip(),
        raised_in_project=(raised_here or is_assertion) and short not in _KEYED_BY_MESSAGE,
    )
