"""grimp or cockpit's own ``ast`` scan for the import graph: the measurement behind the choice.

On packages installed in cockpit's venv (sqlalchemy, textual, rich), medians of
``--repeat`` runs of: grimp's ``build_graph`` without a cache and with a warm cache (what
a rebuild after one save costs: grimp has no per-file update); cockpit's
``ImportGraph.build`` without and with its scan cache; and cockpit's update after one
save (rescan that file and list what reaches it), the operation a watch session repeats.

    python bench/bench_watch_graph.py --repeat 5
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import grimp

from cockpit.watch.graph import ImportGraph
from cockpit.watch.scan_cache import ScanCache


def median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(name: str, repeat: int) -> str:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None, name
    package_dir = Path(spec.origin).parent
    with tempfile.TemporaryDirectory() as cache:
        cold = median_ms(lambda: grimp.build_graph(name, cache_dir=None), repeat)
        grimp.build_graph(name, cache_dir=cache)
        cached = median_ms(lambda: grimp.build_graph(name, cache_dir=cache), repeat)
    modules = len(grimp.build_graph(name, cache_dir=None).modules)
    build = median_ms(lambda: ImportGraph.build(package_dir), repeat)
    with tempfile.TemporaryDirectory() as folder:
        cache_file = Path(folder) / ".cockpit" / "watch-scans.json"
        ImportGraph.build(package_dir, cache=ScanCache(cache_file))
        warm = median_ms(
            lambda: ImportGraph.build(package_dir, cache=ScanCache(cache_file)), repeat
        )
    graph = ImportGraph.build(package_dir)
    changed = sorted(graph.nodes)[len(graph.nodes) // 2]

    def update() -> None:
        graph.update([changed])
        graph.reaching(changed)

    one = median_ms(update, repeat)
    grimp_part = f"{cold:.0f} ms | {cached:.0f} ms"
    return f"| {name} | {modules} | {grimp_part} | {build:.0f} ms | {warm:.0f} ms | {one:.2f} ms |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", default="sqlalchemy,textual,rich")
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    print(
        "| package | modules | grimp cold | grimp cached (rebuild) | cockpit build | "
        "cockpit build, scans cached | cockpit update after one save |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in options.packages.split(","):
        print(measure(name, options.repeat))
    print(
        f"(grimp {grimp.__version__}, Python {sys.version.split()[0]}, medians of {options.repeat})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
