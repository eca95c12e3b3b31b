"""precheck: the full pre-check of a varied set of documents, against only parsing them.

The floor parses each document into beian.core.document's models and stops; the
measure runs every rule (with an in-memory registry of other filings, face tasks and the
applicant's uploads, so the cross-filing rules do their work too). Target: the pre-check
costs at most 3× the parse, i.e. its rate is at least a third of the floor's.

Both sides are single-threaded and CPU-bound, so each run is timed in this process's CPU
time (other work on a shared machine does not count against either side), the two take
turns run by run, and the fastest run of each is kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from beian.core.document import parse_document
from beian.core.precheck import FaceTaskFacts, InMemoryRegistry, precheck
from beian.testing.media import register_media_in
from bench import corpus
from bench.common import Result, throughput

NAME = "precheck"
DOCUMENTS = {"tiny": 20, "small": 300, "full": 3000}
RUNS = {"tiny": 1, "small": 15, "full": 30}
OTHER_FILINGS = 40
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
APPLICANT = "bench-applicant"


def registry(documents: list[dict]) -> InMemoryRegistry:
    """Other live filings, a passed face task and the uploads `documents` name, as the
    rules would find them in the database."""
    known = InMemoryRegistry()
    for document in documents:
        register_media_in(known, document, owner=APPLICANT)
    known.add_face_task("face-task-0002",
                        FaceTaskFacts(status="passed", expires_at=NOW + timedelta(days=2)))
    for i in range(OTHER_FILINGS):
        parsed, _ = parse_document(corpus.document(1_000_000 + i))
        assert parsed is not None
        known.add_filing(f"other-{i}", parsed)
    return known


def run(size: str) -> list[Result]:
    """Time parsing alone and the full pre-check over the same documents."""
    documents = corpus.varied(DOCUMENTS[size])
    known = registry(documents)

    def parse_all() -> None:
        for document in documents:
            parse_document(document)

    def check_all() -> None:
        for document in documents:
            precheck(document, now=NOW, registry=known, applicant=APPLICANT)

    floors, measures = [], []
    for _ in range(RUNS[size]):
        floors.append(_cpu_seconds(parse_all))
        measures.append(_cpu_seconds(check_all))
    floor, measured = min(floors), min(measures)
    errors = sum(
        any(f.severity == "error"
            for f in precheck(d, now=NOW, registry=known, applicant=APPLICANT))
        for d in documents
    )
    note = f"{len(documents)} documents, {errors} with errors; floor: parse only"
    return [throughput("precheck.documents", len(documents), measured, floor,
                       unit="docs/s", minimum_ratio=1 / 3, note=note)]


def _cpu_seconds(action: Callable[[], None]) -> float:
    start = time.process_time()
    action()
    return time.process_time() - start
