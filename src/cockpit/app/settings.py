"""The user's remembered choices (the theme), in the platform's config folder.

One small TOML-like file written by hand (``theme = "name"``), so reading it needs no
dependency and a damaged file is ignored rather than fatal. ``COCKPIT_CONFIG_DIR``
moves the folder: the tests point it at a temporary one, never at the developer's.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs

CONFIG_FILE = "settings.toml"


def config_dir() -> Path:
    override = os.environ.get("COCKPIT_CONFIG_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir("cockpit", appauthor=False))


@dataclass(frozen=True, slots=True)
class Settings:
    theme: str | None = None

    @classmethod
    def load(cls) -> Settings:
        path = config_dir() / CONFIG_FILE
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            return cls()
        theme = data.get("theme")
        return cls(theme=theme if isinstance(theme, str) else None)

    def save(self) -> None:
        """Write atomically; a read-only config folder only loses the preference."""
        folder = config_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            temporary = folder / (CONFIG_FILE + ".tmp")
            escaped = (self.theme or "").replace("\\", "\\\\").replace('"', '\\"')
            temporary.write_text(f'theme = "{escaped}"\n', encoding="utf-8")
            temporary.replace(folder / CONFIG_FILE)
        except OSError:
            pass
