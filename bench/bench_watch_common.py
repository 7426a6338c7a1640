"""Shared by the watch benchmarks: real projects from their sdists, and a venv to test them.

Everything lives under ``bench/.work/watch/`` (git-ignored). Each project is downloaded
once with ``pip download --no-binary :all: --no-deps`` (the sdist, with its tests),
unpacked as a pristine copy, and tested by a separate virtualenv holding pytest, the
project's test requirements, pytest-testmon and pytest-watcher. The project itself is
not installed: ``PYTHONPATH`` points at its source folder, so an edit to the source is
what the tests import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work" / "watch"
VENV = WORK / "venv"


@dataclass(frozen=True)
class Project:
    name: str
    version: str
    test_requires: tuple[str, ...]
    package: str
    """The import package whose modules are mutated."""

    @property
    def pristine(self) -> Path:
        return WORK / "pristine" / f"{self.name}-{self.version}"

    def source_dir(self, tree: Path) -> Path:
        """The folder that goes on PYTHONPATH (``src/`` layout or flat)."""
        return tree / "src" if (tree / "src" / self.package).is_dir() else tree


PROJECTS = {
    "itsdangerous": Project("itsdangerous", "2.2.0", ("freezegun",), "itsdangerous"),
    "tomlkit": Project("tomlkit", "0.15.2", (), "tomlkit"),
    "attrs": Project("attrs", "26.1.0", ("hypothesis",), "attr"),
    # A template library whose package imports by computed name (import_module and
    # __import__: loaders, extensions, compiled-template modules).
    "jinja2": Project("jinja2", "3.1.6", ("markupsafe", "trio"), "jinja2"),
}
TOOLS = ("pytest", "pytest-testmon", "pytest-watcher", "watchdog<7")
"""watchdog 7 matches patterns against the whole path, so pytest-watcher 0.6.3 with it only
sees top-level `*.py` files: keep the combination pytest-watcher was released with."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, check=True, text=True, capture_output=True, **kwargs)  # type: ignore[call-overload, no-any-return]


def venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure_venv() -> Path:
    """A venv with pytest, testmon, pytest-watcher and every project's test requirements."""
    marker = VENV / ".cockpit-bench"
    wanted = "\n".join(sorted({*TOOLS, *(r for p in PROJECTS.values() for r in p.test_requires)}))
    if marker.is_file() and marker.read_text() == wanted:
        return venv_python()
    log(f"bench: creating {VENV}")
    shutil.rmtree(VENV, ignore_errors=True)
    run([sys.executable, "-m", "venv", str(VENV)])
    run([str(venv_python()), "-m", "pip", "install", "-q", *wanted.split("\n")])
    marker.write_text(wanted)
    return venv_python()


def ensure_project(project: Project) -> Path:
    """The unpacked sdist (downloaded by pip the first time)."""
    if project.pristine.is_dir():
        return project.pristine
    sdists = WORK / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    spec = f"{project.name}=={project.version}"
    log(f"bench: pip download --no-binary :all: --no-deps {spec}")
    pip = [sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps"]
    run([*pip, spec, "-d", str(sdists)])
    archive = next(
        path
        for path in sdists.glob("*.tar.gz")
        if path.name.lower().replace("_", "-").startswith(f"{project.name}-{project.version}")
    )
    target = project.pristine.parent
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    unpacked = target / archive.name.removesuffix(".tar.gz")
    if unpacked != project.pristine:
        unpacked.rename(project.pristine)
    return project.pristine


def has_pytest_config(tree: Path) -> bool:
    if (tree / "pytest.ini").is_file():
        return True
    sections = {
        "pyproject.toml": "[tool.pytest",
        "tox.ini": "[pytest]",
        "setup.cfg": "[tool:pytest]",
    }
    return any(
        (tree / name).is_file() and marker in (tree / name).read_text(encoding="utf-8")
        for name, marker in sections.items()
    )


def fresh_copy(project: Project, dest: Path) -> Path:
    """A copy of the pristine sdist; given an empty ``pytest.ini`` when it has no pytest
    configuration, or pytest would take cockpit's own checkout above it as its rootdir."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(ensure_project(project), dest)
    if not has_pytest_config(dest):
        (dest / "pytest.ini").write_text("[pytest]\n")
    return dest


def project_env(project: Project, tree: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "COCKPIT_")) and key not in ("VIRTUAL_ENV", "PYTHONPATH")
    }
    env["PYTHONPATH"] = str(project.source_dir(tree))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def commit() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "src/cockpit/watch", "bench"],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return out.stdout.strip() + (" + uncommitted" if dirty else "")
