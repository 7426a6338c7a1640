"""Responsiveness of the cockpit app during a 10,000-test run, against the same app idle.

What it measures, and why: issue 6 says the app never blocks: a 10,000-test run at about
1,000 results a second keeps key presses answered within 100 ms. The app decodes every
event batch on its own asyncio loop and repaints the rows that changed on a 250 ms timer,
and on 2 cores its pytest child competes with it for the CPU. So this script opens the real
``CockpitApp`` in Textual's headless pilot (``App.run_test``) on a generated suite and
measures, in each round:

- **UI-tick jitter**: a 10 ms ``set_interval`` timer installed in the running app records
  each tick's lateness, the time since the previous tick minus 10 ms. A tick can only be
  late when the loop was busy (a batch being applied, a repaint), so the upper percentiles
  are how long the app keeps its loop. Measured in two idle windows (the app open, no run:
  once before the run on an empty screen, once after it with the 10,000 results on screen;
  the two bracket the run in time, which evens out the machine's drift) and during the run.
- **Key latency**: a thread that stands in for the terminal's input thread sends a key every
  ``--key-every`` seconds through the driver's thread-safe ``send_message``, as a real
  terminal driver does, cycling ``down`` (the module table's cursor), ``2`` and ``1`` (tab
  switches). The key's time is taken in that thread when it is sent, so a busy loop cannot
  hide its own delay. *Handled* is when the key's action (``cursor_down``, ``show_tab``) has
  run; *painted* is when the screen refresh after it has been composed
  (``call_after_refresh``). Measured idle and during the run.
- **Run wall time**: from pressing ``a`` in the app to the end of its run worker, against
  ``cockpit run --json --no-record`` on the same suite as a subprocess (which pays ~0.3 s of
  process start the app does not), in alternating order (the app first in odd rounds).

The suite is ``bench/gen_suite.py``'s 10,000 tests in 200 modules (trivial one-line tests
by default: on this machine they come at roughly 400-1,200 a second, the rate is printed;
``--sleep-ms`` paces each test with a sleep instead). Neither side records into the session
log (the app with ``open_log=False``, the command with ``--no-record``), so the comparison
is the UI's cost alone; both get ``-p no:cacheprovider`` and ``bench_run.py``'s clean
environment. One warm-up round (both sides) is not counted. Per round it prints every
figure; then the medians across rounds and the ratios during-run / idle of the tick
lateness p99 and p50 (the median of the per-round ratios).

Checks: every run (warm-up included) must end with exactly the suite's expected totals,
and every key sent must have been handled; the script exits 1 otherwise. A missed 100 ms
bar is printed as ``NOT met`` but is not a failure of the script.

``--busy N`` starts N processes that spin on the CPU for the whole measurement (both sides,
idle windows too), standing in for the rest of a developer's machine: an editor, a browser,
another suite. With ``--busy 1`` on 2 cores the pytest child, the app and the spinner share
two cores, so the app gets only what the other two leave.

Headless caveat: the pilot composes every frame as a terminal would, but skips turning it
into escape codes and writing them, so a real terminal costs the app a little more.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench_run import (
    NO_CACHE,
    WORK_DIR,
    Timing,
    clean_env,
    cockpit_script,
    ensure_suite,
    expected_counts,
    machine_line,
    source_line,
    timed_run,
)
from gen_suite import SuiteSpec
from textual import events
from textual.driver import Driver
from textual.widgets import DataTable

from cockpit.app.app import CockpitApp
from cockpit.app.themes import DEFAULT_THEME
from cockpit.app.views.workspace import Workspace
from cockpit.app.widgets.row_table import RowTable
from cockpit.engine.interpreter import Interpreter
from cockpit.session.project import Project
from cockpit.settings import database_location

TICK_INTERVAL = 0.010
KEY_BAR_MS = 100.0
KEY_CHOICES = ("down", "up", "1", "2")
COUNT_KEYS = ("passed", "failed", "errors", "skipped", "xfailed", "xpassed")


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True, slots=True)
class Spread:
    """The figures printed for one sample, in milliseconds."""

    count: int
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Spread:
        if not seconds:
            return cls(0, float("nan"), float("nan"), float("nan"), float("nan"))
        millis = [value * 1000 for value in seconds]
        return cls(
            len(millis),
            percentile(millis, 0.50),
            percentile(millis, 0.95),
            percentile(millis, 0.99),
            max(millis),
        )

    def row(self, label: str) -> str:
        return (
            f"  {label:<32} {self.p50:8.1f} {self.p95:8.1f} {self.p99:8.1f} "
            f"{self.max:8.1f} {self.count:7d}"
        )


SPREAD_HEADER = f"  {'ms':<32} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8} {'n':>7}"


class TickProbe:
    """A 10 ms timer in the app; each tick's lateness goes to the window that is open."""

    def __init__(self) -> None:
        self.windows: dict[str, list[float]] = {}
        self._current: list[float] | None = None
        self._last = 0.0

    def open(self, name: str) -> None:
        self._current = self.windows.setdefault(name, [])
        self._last = 0.0

    def close(self) -> None:
        self._current = None

    def tick(self) -> None:
        now = time.perf_counter()
        if self._current is not None and self._last:
            self._current.append(now - self._last - TICK_INTERVAL)
        self._last = now


@dataclass(slots=True)
class KeyProbe:
    """Keys sent from a thread, matched (per key, first in first out) to their handling."""

    sent: dict[str, deque[float]] = field(default_factory=dict)
    handled: dict[str, list[float]] = field(default_factory=dict)
    painted: dict[str, list[float]] = field(default_factory=dict)
    window: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note_sent(self, key: str, at: float) -> None:
        with self.lock:
            self.sent.setdefault(key, deque()).append(at)

    def on_handled(self, key: str, app: CockpitApp) -> None:
        now = time.perf_counter()
        with self.lock:
            queue = self.sent.get(key)
            if not queue:
                return  # a key the benchmark did not send (the pilot's own "a")
            sent_at = queue.popleft()
        window = self.window
        self.handled.setdefault(window, []).append(now - sent_at)

        def painted() -> None:
            self.painted.setdefault(window, []).append(time.perf_counter() - sent_at)

        app.call_after_refresh(painted)

    def unanswered(self) -> int:
        with self.lock:
            return sum(len(queue) for queue in self.sent.values())


def instrument(app: CockpitApp, keys: KeyProbe) -> None:
    """Wrap the actions the benchmark's keys trigger, to note when each was handled.

    ``down`` and ``up`` move the cursor of whichever table has the focus (after a ``2``
    that is the root-cause table); ``1`` and ``2`` switch tabs.
    """
    for table in [*app.query(DataTable), *app.query(RowTable)]:
        for key in ("down", "up"):
            action = getattr(table, f"action_cursor_{key}")

            def timed(action: Callable[[], None] = action, key: str = key) -> None:
                action()
                keys.on_handled(key, app)

            setattr(table, f"action_cursor_{key}", timed)
    show_tab = app.action_show_tab

    def timed_show_tab(tab: str) -> None:
        show_tab(tab)
        keys.on_handled("1" if tab == "modules-tab" else "2", app)

    app.action_show_tab = timed_show_tab  # type: ignore[method-assign]


class KeySender(threading.Thread):
    """Sends the key cycle every ``period`` seconds, like a terminal's input thread."""

    def __init__(
        self, driver: Driver, probe: KeyProbe, period: float, cycle: Sequence[str]
    ) -> None:
        super().__init__(name="bench-keys", daemon=True)
        self.driver = driver
        self.cycle = cycle
        self.probe = probe
        self.period = period
        self.stopping = threading.Event()
        self.count = 0

    def run(self) -> None:
        while not self.stopping.wait(self.period):
            key = self.cycle[self.count % len(self.cycle)]
            self.count += 1
            event = events.Key(key, key if len(key) == 1 else None)
            self.probe.note_sent(key, time.perf_counter())
            self.driver.send_message(event)

    def stop(self) -> None:
        self.stopping.set()
        self.join()


@dataclass(slots=True)
class AppRound:
    """What one app session measured."""

    wall: float = 0.0
    cpu: float = 0.0
    collected: int = 0
    totals: dict[str, int] = field(default_factory=dict)
    ticks: dict[str, list[float]] = field(default_factory=dict)
    keys: KeyProbe = field(default_factory=KeyProbe)
    keys_sent: int = 0


def make_app(suite: Path) -> CockpitApp:
    project = Project(
        folder=suite,
        root=suite,
        database=database_location(suite),
        interpreter=Interpreter(Path(sys.executable), "the benchmark's interpreter"),
    )
    return CockpitApp(Workspace(project, extra_args=NO_CACHE), theme=DEFAULT_THEME, open_log=False)


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """How each app session is driven."""

    size: tuple[int, int]
    idle: float
    key_every: float
    keys: tuple[str, ...]


async def app_session(suite: Path, plan: SessionPlan) -> AppRound:
    """Open the app, measure idle, run the suite, measure idle again, quit."""
    app = make_app(suite)
    result = AppRound()
    ticks = TickProbe()
    async with app.run_test(size=plan.size) as pilot:
        await pilot.pause()
        driver = app._driver
        assert driver is not None
        instrument(app, result.keys)
        app.set_interval(TICK_INTERVAL, ticks.tick)

        async def window(name: str, until: Callable[[], Awaitable[object]]) -> None:
            ticks.open(name)
            result.keys.window = name
            sender = KeySender(driver, result.keys, plan.key_every, plan.keys)
            sender.start()
            try:
                await until()
            finally:
                sender.stop()
                ticks.close()
                result.keys_sent += sender.count

        async def keys_answered() -> None:
            """Wait (at most 5 s) for the keys still in flight, before the pilot's own."""
            deadline = time.perf_counter() + 5
            while result.keys.unanswered() and time.perf_counter() < deadline:
                await pilot.pause(0.05)
            await pilot.pause(0.1)

        await window("idle before the run", lambda: asyncio.sleep(plan.idle))
        await keys_answered()
        await pilot.press("1")  # back on the module table, whatever the idle keys left
        cpu_before, started = self_cpu(), time.perf_counter()
        await pilot.press("a")

        async def run_to_end() -> None:
            for worker in list(app.workers):
                if worker.group == "run":
                    await worker.wait()

        await window("during the run", run_to_end)
        result.wall = time.perf_counter() - started
        result.cpu = self_cpu() - cpu_before
        await keys_answered()
        await pilot.press("1")
        await window("idle after the run", lambda: asyncio.sleep(plan.idle))
        await keys_answered()
        view = app.view
        if view is not None:
            result.collected = view.state.collected
            result.totals = {key: getattr(view.state.totals, key) for key in COUNT_KEYS}
        await app.action_quit_cockpit()
    result.ticks = ticks.windows
    return result


def run_app(suite: Path, plan: SessionPlan) -> AppRound:
    return asyncio.run(app_session(suite, plan))


def bare_run(suite: Path) -> Timing:
    argv = [
        str(cockpit_script()),
        "run",
        "--json",
        "--no-record",
        "--project",
        str(suite),
        "--python",
        sys.executable,
        *NO_CACHE,
    ]
    return timed_run(argv, suite, clean_env(), cockpit=True)


def check_round(label: str, app: AppRound, bare: Timing, spec: SuiteSpec) -> list[str]:
    expected = expected_counts(spec)
    problems = []
    if app.totals != expected:
        problems.append(f"{label}: the app's run counted {app.totals}, the suite holds {expected}")
    if bare.problem:
        problems.append(f"{label}: cockpit run: {bare.problem}")
    elif bare.counts != expected:
        problems.append(f"{label}: cockpit run counted {bare.counts}, the suite holds {expected}")
    unanswered = app.keys.unanswered()
    if unanswered:
        problems.append(f"{label}: {unanswered} of {app.keys_sent} keys sent were never handled")
    return problems


IDLE = ("idle before the run", "idle after the run")
RUN = "during the run"


def print_round(label: str, app: AppRound, bare: Timing, first: str) -> None:
    rate = app.collected / app.wall if app.wall else 0.0
    print(
        f"\n{label} ({first} first): app run {app.wall:6.2f} s ({rate:5.0f} results/s, "
        f"app process cpu {app.cpu:5.2f} s), cockpit run {bare.wall:6.2f} s, "
        f"ratio {app.wall / bare.wall:.3f}"
    )
    print(SPREAD_HEADER)
    for name in (*IDLE, RUN):
        print(Spread.of(app.ticks.get(name, [])).row(f"tick late, {name}"))
    for name in (IDLE[0], RUN, IDLE[1]):
        print(Spread.of(app.keys.handled.get(name, [])).row(f"key handled, {name}"))
        print(Spread.of(app.keys.painted.get(name, [])).row(f"key painted, {name}"))


def ratio(during: float, idle: float) -> float:
    return during / idle if idle > 0 else float("nan")


def summarize(rounds: list[tuple[AppRound, Timing]]) -> None:
    """Medians across rounds of each figure, and the ratios the issue asks for.

    The run is compared with each idle window on its own: before the run the screen is
    empty (the keys move nothing), after it the 10,000 results are on screen (each ``down``
    shows another module's tests), so the two baselines answer different questions.
    """

    def spreads(measure: Callable[[AppRound], dict[str, list[float]]], name: str) -> list[Spread]:
        return [Spread.of(measure(app).get(name, [])) for app, _ in rounds]

    def med(values: list[Spread], what: str) -> float:
        return float(statistics.median(getattr(spread, what) for spread in values))

    print(f"\n== medians across {len(rounds)} rounds (ms)")
    print(f"  {'':<32} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
    measures: tuple[tuple[str, Callable[[AppRound], dict[str, list[float]]]], ...] = (
        ("tick late", lambda app: app.ticks),
        ("key handled", lambda app: app.keys.handled),
        ("key painted", lambda app: app.keys.painted),
    )
    for label, measure in measures:
        for name in (IDLE[0], RUN, IDLE[1]):
            figures = " ".join(
                f"{med(spreads(measure, name), what):8.1f}" for what in ("p50", "p95", "p99", "max")
            )
            print(f"  {label + ', ' + name:<32} {figures}")
    during = spreads(lambda app: app.ticks, RUN)
    for name in IDLE:
        idle = spreads(lambda app: app.ticks, name)
        p99, p50 = (
            statistics.median(
                ratio(getattr(run, what), getattr(base, what))
                for run, base in zip(during, idle, strict=True)
            )
            for what in ("p99", "p50")
        )
        print(f"tick lateness during the run / {name}: p99 {p99:.1f}x, p50 {p50:.1f}x")
    app_walls = [app.wall for app, _ in rounds]
    bare_walls = [bare.wall for _, bare in rounds]
    paired = statistics.median(app.wall / bare.wall for app, bare in rounds)
    print(
        f"run wall: app {statistics.median(app_walls):.2f} s, cockpit run "
        f"{statistics.median(bare_walls):.2f} s, ratio "
        f"{statistics.median(app_walls) / statistics.median(bare_walls):.3f} "
        f"(median of per-round ratios {paired:.3f})"
    )
    all_painted = [value for app, _ in rounds for value in app.keys.painted.get(RUN, [])]
    worst = Spread.of(all_painted)
    verdict = "met" if worst.max <= KEY_BAR_MS else "NOT met"
    print(
        f"keys during the run, all rounds: painted p50 {worst.p50:.1f} ms, p95 {worst.p95:.1f} ms, "
        f"max {worst.max:.1f} ms of {worst.count} (bar: every key within {KEY_BAR_MS:.0f} ms: "
        f"{verdict}; {sum(v * 1000 > KEY_BAR_MS for v in all_painted)} over)"
    )


def parse_size(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    try:
        return int(width), int(height)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size {text!r}: use WIDTHxHEIGHT, e.g. 120x36") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (3), after a warm-up")
    parser.add_argument("--tests", type=int, default=10_000, help="suite size (10000)")
    parser.add_argument("--modules", type=int, default=200, help="suite modules (200)")
    parser.add_argument(
        "--sleep-ms", type=float, default=0.0, metavar="MS", help="each test sleeps MS ms (0)"
    )
    parser.add_argument("--idle", type=float, default=4.0, help="seconds of each idle window (4)")
    parser.add_argument(
        "--key-every", type=float, default=0.2, metavar="S", help="seconds between keys (0.2)"
    )
    parser.add_argument(
        "--keys",
        default="down",
        help="the keys sent in turn, comma-separated, from down, up, 1, 2 (down)",
    )
    parser.add_argument("--size", type=parse_size, default=(120, 36), help="terminal (120x36)")
    parser.add_argument(
        "--busy", type=int, default=0, metavar="N", help="processes spinning on the CPU (0)"
    )
    options = parser.parse_args(argv)
    if options.rounds < 1:
        parser.error("--rounds must be at least 1")
    keys = tuple(key.strip() for key in options.keys.split(",") if key.strip())
    if not keys or not set(keys) <= set(KEY_CHOICES):
        parser.error(f"--keys: choose from {', '.join(KEY_CHOICES)}")
    plan = SessionPlan(options.size, options.idle, options.key_every, keys)
    spec = SuiteSpec(tests=options.tests, modules=options.modules, sleep_ms=options.sleep_ms)
    name = f"suite{spec.tests}-{spec.modules}m" + (
        f"-sleep{spec.sleep_ms:g}" if spec.sleep_ms else ""
    )
    suite = (WORK_DIR / "app" / name).resolve()
    print(f"bench_app: {machine_line()}")
    print(f"bench_app: {source_line()}")
    ensure_suite(suite, spec, label="bench_app")
    # The app's pytest child inherits this process's environment: make it the command's.
    env = clean_env()
    for key in set(os.environ) - set(env):
        del os.environ[key]
    os.environ.update(env)
    spinners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(options.busy)
    ]
    if spinners:
        print(f"bench_app: {len(spinners)} process(es) spinning on the CPU throughout")
    try:
        problems, rounds = measure_rounds(suite, spec, plan, options.rounds)
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    print(f"\nbench_app: done {machine_line()}")
    print(f"bench_app: {source_line()}")
    summarize(rounds)
    for problem in problems:
        print(f"bench_app: CHECK FAILED {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"checks: every run counted {expected_counts(spec)}; every key sent was handled")
    return 0


def measure_rounds(
    suite: Path, spec: SuiteSpec, plan: SessionPlan, count: int
) -> tuple[list[str], list[tuple[AppRound, Timing]]]:
    """A warm-up and ``count`` rounds, the sides alternating; the checks' problems too."""
    problems: list[str] = []
    rounds: list[tuple[AppRound, Timing]] = []
    for index in range(count + 1):
        label = f"round {index}" if index else "warm-up"
        app_first = index % 2 == 1 or index == 0
        app_result: AppRound | None = None
        bare: Timing | None = None
        for side in ("app", "bare") if app_first else ("bare", "app"):
            if side == "app":
                app_result = run_app(suite, plan)
            else:
                bare = bare_run(suite)
        assert app_result is not None and bare is not None
        print_round(label, app_result, bare, "app" if app_first else "cockpit run")
        problems += check_round(label, app_result, bare, spec)
        if index:
            rounds.append((app_result, bare))
    return problems, rounds


if __name__ == "__main__":
    sys.exit(main())
