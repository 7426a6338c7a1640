"""Failures grouped by root cause, largest first. Pure and incremental.

Adding a failure is a dictionary update, so clustering keeps up with a live run: the
signature is computed once per failure, and clusters are sorted only when read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from cockpit.rootcause.folding import Folded, fold_traceback
from cockpit.rootcause.hints import hint_for
from cockpit.rootcause.signature import Signature, signature_of


@dataclass(slots=True)
class Cluster:
    signature: Signature
    tests: list[str] = field(default_factory=list)
    modules: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    locations: Counter[str] = field(default_factory=Counter)
    example: str = ""
    example_test: str = ""
    rootdir: str | None = None

    @property
    def folded_example(self) -> Folded:
        """The example's traceback with its library frames folded (the one way every front
        shows it)."""
        return fold_traceback(self.example, self.rootdir)

    @property
    def count(self) -> int:
        return len(self.tests)

    @property
    def location(self) -> str | None:
        """The likely fix location: the project frame most of its failures point at."""
        common = self.locations.most_common(1)
        return common[0][0] if common else self.signature.location

    @property
    def hint(self) -> tuple[str, str] | None:
        return hint_for(self.signature.exception, self.signature.raw_message)

    def as_json(self) -> dict[str, Any]:
        hint = self.hint
        folded = self.folded_example
        return {
            "signature": self.signature.key,
            "count": self.count,
            "tests": self.tests,
            "modules": sorted(self.modules),
            "outcomes": dict(sorted(self.outcomes.items())),
            "location": self.location,
            "hint": hint[1] if hint else None,
            "hint_rule": hint[0] if hint else None,
            "example": self.example,
            "example_folded": folded.text,
            "raised_in": folded.raised_in,
            "example_test": self.example_test,
        }


class Clusterer:
    """Accumulates failures and answers with their clusters."""

    def __init__(self, rootdir: str | None = None) -> None:
        self.rootdir = rootdir
        self._clusters: dict[str, Cluster] = {}

    def add(
        self, nodeid: str, module: str, outcome: str, message: str, longrepr: str = ""
    ) -> Cluster:
        """Add one failure: ``outcome`` is failed, error, crashed or collection error."""
        signature = signature_of(message, longrepr, self.rootdir)
        cluster = self._clusters.get(signature.key)
        if cluster is None:
            cluster = Cluster(
                signature, example=longrepr or message, example_test=nodeid, rootdir=self.rootdir
            )
            self._clusters[signature.key] = cluster
        cluster.tests.append(nodeid)
        cluster.modules[module] += 1
        cluster.outcomes[outcome] += 1
        if signature.location:
            cluster.locations[signature.location] += 1
        return cluster

    def clusters(self) -> list[Cluster]:
        """Largest first; ties by signature, so the order is stable."""
        return sorted(self._clusters.values(), key=lambda c: (-c.count, c.signature.key))
