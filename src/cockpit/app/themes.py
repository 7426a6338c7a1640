"""cockpit's themes: Textual theme definitions (TOML) plus TCSS, from ``themes/``.

The folder sits at the top of the repository and is shipped inside the wheel as
``cockpit/themes`` (see ``pyproject.toml``); an editable install reads the repository's.
A theme's TCSS scopes its rules with ``.-theme-<name>``, the class Textual gives the app
while that theme is on, so every theme's stylesheet can be loaded at once.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from textual.theme import Theme

DEFAULT_THEME = "cockpit-dark"
_COLOURS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "success",
    "warning",
    "error",
)


class ThemeError(Exception):
    """A theme file that cannot be read; one line naming the file."""


@dataclass(frozen=True, slots=True)
class ThemeFiles:
    name: str
    definition: Path
    stylesheet: Path | None


def themes_dir() -> Path:
    """The shipped themes: inside the package when installed, else the repository's."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "themes", package.parent.parent / "themes"):
        if candidate.is_dir():
            return candidate
    raise ThemeError(f"cockpit's themes folder is missing (looked in {package / 'themes'})")


def available(folder: Path | None = None) -> list[ThemeFiles]:
    """The themes in ``folder``, sorted by name, dark (the default) first."""
    folder = folder or themes_dir()
    found = []
    for definition in sorted(folder.glob("*.toml")):
        stylesheet = definition.with_suffix(".tcss")
        found.append(
            ThemeFiles(definition.stem, definition, stylesheet if stylesheet.exists() else None)
        )
    found.sort(key=lambda files: (files.name != DEFAULT_THEME, files.name))
    return found


def load_theme(files: ThemeFiles) -> Theme:
    try:
        data = tomllib.loads(files.definition.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ThemeError(f"cannot read the theme {files.definition}: {error}") from None
    if data.get("name") != files.name or "primary" not in data:
        raise ThemeError(
            f"the theme {files.definition} must set name = {files.name!r} and a primary colour"
        )
    colour = {key: str(data[key]) if key in data else None for key in _COLOURS}
    variables = {str(key): str(value) for key, value in data.get("variables", {}).items()}
    return Theme(
        name=files.name,
        primary=str(data["primary"]),
        secondary=colour["secondary"],
        accent=colour["accent"],
        foreground=colour["foreground"],
        background=colour["background"],
        surface=colour["surface"],
        panel=colour["panel"],
        success=colour["success"],
        warning=colour["warning"],
        error=colour["error"],
        dark=bool(data.get("dark", True)),
        variables=variables,
    )
