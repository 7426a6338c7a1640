"""Hand out a fresh, writable copy of the example project that ships with cockpit.

``cockpit demo`` needs a real pytest project to run, and the one in the installed package
must stay untouched: pytest writes caches next to the tests, cockpit writes its session log,
and a user exploring the demo may well edit the code to try a fix. So the demo always runs
in a throwaway copy made here.
"""

from __future__ import annotations

import shutil
import tempfile
from importlib.resources import as_file, files
from pathlib import Path

DEMO_PACKAGE = "cockpit"
DEMO_FOLDER = "demo_project"

# Leftovers of earlier runs that must not travel with the copy.
IGNORED = ("__pycache__", "*.pyc", ".pytest_cache", ".cockpit")


def copy_demo_project(target: Path | None = None) -> Path:
    """Copy the shipped demo project and return the copy's root folder.

    Without ``target`` the copy goes into a new ``cockpit-demo-*`` temporary folder, which
    the caller owns and may delete. A given ``target`` must be missing or an empty folder;
    it is created when missing.
    """
    if target is None:
        target = Path(tempfile.mkdtemp(prefix="cockpit-demo-"))
    elif target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(f"demo target is not an empty folder: {target}")

    resource = files(DEMO_PACKAGE) / DEMO_FOLDER
    with as_file(resource) as source:
        if not source.is_dir():
            raise FileNotFoundError(f"the demo project is missing from the package: {source}")
        shutil.copytree(
            source,
            target,
            ignore=shutil.ignore_patterns(*IGNORED),
            dirs_exist_ok=True,
        )
    return target
