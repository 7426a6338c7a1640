"""What the app runs on: the resolved project, its session log, and the filters the user
set for every run (``-k``, ``-m``, the arguments after ``--``). Textual-free."""

from __future__ import annotations

from dataclasses import dataclass, field

from cockpit.engine.launch import COLD_ASKED, ColdLauncher, Launcher
from cockpit.engine.runner import DEFAULT_CAPTURE_CAP
from cockpit.session.project import Project
from cockpit.session.recorded_run import RecordedRun, RunPlan, recorded_reason
from cockpit.store.session_log import SessionLog


@dataclass(slots=True)
class Workspace:
    project: Project
    log: SessionLog | None = None
    """Opened by the app in a thread after the first screen paints; None until then."""
    extra_args: tuple[str, ...] = field(default=())
    """The pytest arguments the app was started with (``cockpit -- -n 2``), on every run."""
    keyword: str = ""
    marker: str = ""
    capture_cap: int = DEFAULT_CAPTURE_CAP
    warm: bool = True
    """Fork runs from a warm server (``--cold``: every run in a fresh interpreter)."""

    def filter_args(self) -> tuple[str, ...]:
        args: list[str] = list(self.extra_args)
        if self.keyword:
            args += ["-k", self.keyword]
        if self.marker:
            args += ["-m", self.marker]
        return tuple(args)

    def start(self, plan: RunPlan, launcher: Launcher | None = None) -> RecordedRun:
        """A run of ``plan`` with the filters, recorded in the log (when it is open),
        started by ``launcher`` (the app's warm starts; None: cold)."""
        args = (*self.filter_args(), *plan.args)
        whole_suite, reason = recorded_reason(args, plan.reason)
        return RecordedRun(
            self.project,
            args,
            log=self.log,
            reason=reason,
            whole_suite=whole_suite,
            capture_cap=self.capture_cap,
            launcher=launcher if launcher is not None or self.warm else ColdLauncher(COLD_ASKED),
            trace=plan.traced,
        )


def expression_problem(option: str, expression: str) -> str | None:
    """Why pytest would refuse ``expression`` after ``option`` (``-k``, ``-m``), in one
    line; None when it parses, or when this interpreter's pytest cannot tell.

    The check uses the grammar of the pytest cockpit runs on, which may be another version
    than the project's: the prompt lets the user insist.
    """
    if not expression.strip():
        return None
    try:
        from _pytest.mark.expression import Expression, ParseError
    except ImportError:  # a pytest without the module: the run itself will say
        return None
    try:
        Expression.compile(expression)
    except ParseError as error:
        return f"{option} {expression!r} does not parse: {error}"
    return None
