"""Reading the project files a hint asks for: from the run's snapshot in the session log
(the files as that run saw them), else from disk. Blocking: fronts call it in a thread
(the app) or before they print (the command line)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cockpit.rootcause.clusters import Cluster
from cockpit.rootcause.evidence import Evidence, EvidenceRequest
from cockpit.store.session_log import SessionLog
from cockpit.store.snapshots import MAX_KEPT_BYTES
from cockpit.store.sources import source_files


class ProjectSources:
    """One run's view of the project's files: its snapshot when it has one, else the disk."""

    def __init__(self, root: Path | None, log: SessionLog | None, run_id: int | None) -> None:
        self.root = root
        self.log = log
        self.digests = log.run_files(run_id) if log is not None and run_id is not None else None

    def source(self, path: str) -> str | None:
        if self.digests is not None and self.log is not None and path in self.digests:
            content = self.log.file_content(self.digests[path])
            if content is not None:
                return content.decode("utf-8", "replace")
        if self.root is None:
            return None
        file = self.root / path
        try:
            if file.stat().st_size > MAX_KEPT_BYTES:
                return None
            return file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def conftest_paths(self) -> list[str]:
        if self.digests is not None:
            paths: Iterable[str] = self.digests
        elif self.root is not None:
            paths = (path for path, _, _ in source_files(self.root))
        else:
            return []
        return sorted(path for path in paths if path.rsplit("/", 1)[-1] == "conftest.py")

    def evidence(self, request: EvidenceRequest) -> Evidence:
        sources = {path: text for path in request.sources if (text := self.source(path))}
        conftests: dict[str, str] = {}
        if request.conftests:
            for path in self.conftest_paths():
                text = self.source(path)
                if text is not None:
                    conftests[path] = text
        return Evidence(sources, conftests)


def evidence_for(
    clusters: Iterable[Cluster], sources: ProjectSources
) -> list[tuple[Cluster, Evidence]]:
    """The evidence each cluster's hint asks for (each request read once)."""
    read: dict[EvidenceRequest, Evidence] = {}
    found = []
    for cluster in clusters:
        request = cluster.evidence_request
        if request is None:
            continue
        if request not in read:
            read[request] = sources.evidence(request)
        found.append((cluster, read[request]))
    return found


def fill_evidence(clusters: Iterable[Cluster], sources: ProjectSources) -> None:
    """Hand each cluster the evidence its hint asks for (the command line's way)."""
    for cluster, evidence in evidence_for(clusters, sources):
        cluster.evidence = evidence
