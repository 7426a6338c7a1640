"""Failures grouped by root cause, largest first. Pure and incremental.

Adding a failure is a dictionary update, so clustering keeps up with a live run: the
signature is computed once per failure, and clusters are sorted only when read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cockpit.rootcause.evidence import Evidence, EvidenceRequest, evidence_hint, evidence_request
from cockpit.rootcause.folding import Folded, fold_traceback
from cockpit.rootcause.hints import hint_for
from cockpit.rootcause.regression import REGRESSION, RegressionGroup
from cockpit.rootcause.signature import Signature, signature_of

ERROR_OUTCOMES = {
    "module": "collection error",
    "conftest": "conftest error",
    "plugin": "plugin error",
}
"""The outcome a cluster counts a collection error under, by its kind."""


def error_outcome(kind: str) -> str:
    """``collection error``, ``conftest error`` (every test under its folder blocked) or
    ``plugin error``."""
    return ERROR_OUTCOMES.get(kind, "collection error")


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
    evidence: Evidence | None = None
    """The project files its hint asked for (:attr:`evidence_request`), once fetched."""
    regression: RegressionGroup | None = None
    """Set for a regression root cause: tests that passed before and fail after files
    changed, each with its own signature (see :mod:`cockpit.rootcause.regression`)."""

    @property
    def key(self) -> str:
        """The root key: what ``results.root_key`` holds for its tests."""
        return self.regression.key if self.regression is not None else self.signature.key

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
        if self.regression is not None:
            return self.regression.location
        common = self.locations.most_common(1)
        return common[0][0] if common else self.signature.location

    @property
    def hint(self) -> tuple[str, str] | None:
        """(rule, advice): from the project's files and the traceback when a rule can read
        them, else from the message alone."""
        if self.regression is not None:
            return "regression", self.regression.hint(self.count)
        found = evidence_hint(self.signature, self.example_test, self.example, self.evidence)
        return found or hint_for(self.signature.exception, self.signature.raw_message)

    @property
    def evidence_request(self) -> EvidenceRequest | None:
        """The files its hint still needs read (None: nothing, or already fetched)."""
        if self.evidence is not None or self.regression is not None:
            return None
        return evidence_request(self.signature)

    def as_json(self) -> dict[str, Any]:
        hint = self.hint
        folded = self.folded_example
        return {
            "signature": self.key,
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
            "regression": self.regression.as_json() if self.regression is not None else None,
        }


class Clusterer:
    """Accumulates failures and answers with their clusters."""

    def __init__(self, rootdir: str | None = None) -> None:
        self.rootdir = rootdir
        self._clusters: dict[str, Cluster] = {}

    def add(
        self, nodeid: str, module: str, outcome: str, message: str, longrepr: str = ""
    ) -> Cluster:
        """Add one failure: ``outcome`` is failed, error, crashed or one of
        :data:`ERROR_OUTCOMES`."""
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
        return ranked(self._clusters.values())


def ranked(clusters: Any) -> list[Cluster]:
    """Largest first; ties by key, so the order is stable."""
    return sorted(clusters, key=lambda cluster: (-cluster.count, cluster.key))


def with_regressions(
    clusters: list[Cluster], groups: Mapping[str, RegressionGroup]
) -> list[Cluster]:
    """``clusters`` with the failures ``groups`` names moved into their regression root
    causes, ranked with the rest. Only whole clusters move (regressions are made of
    failures their signature left alone), so each failure stays in exactly one."""
    if not groups:
        return clusters
    kept: list[Cluster] = []
    merged: dict[str, Cluster] = {}
    for cluster in clusters:
        group = groups.get(cluster.tests[0]) if cluster.tests else None
        if group is None or any(groups.get(test) != group for test in cluster.tests):
            kept.append(cluster)
            continue
        target = merged.get(group.key)
        if target is None:
            signature = Signature(REGRESSION, group.key, group.location, group.key)
            target = merged[group.key] = Cluster(
                signature, rootdir=cluster.rootdir, regression=group
            )
        target.tests.extend(cluster.tests)
        target.modules.update(cluster.modules)
        target.outcomes.update(cluster.outcomes)
        if not target.example_test or cluster.example_test < target.example_test:
            target.example, target.example_test = cluster.example, cluster.example_test
    return ranked([*kept, *merged.values()])
