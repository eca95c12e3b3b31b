"""`beian serve` on the crash test's simulated clock.

    python tests/crash/crash_serve.py <clock file> --port N

Runs the real `beian serve` command (uvicorn, create_app, every router) with two changes:
`SystemClock.now` reads the instant written in <clock file>, so the server lives on the
same simulated time as the `beian tick --at` runs of the test; and an unexpected error is
logged with its whole traceback (to the run's server.log).
"""

from __future__ import annotations

import sys
import traceback
from datetime import datetime
from pathlib import Path

from starlette.types import Scope

from beian import clock
from beian.cli import main
from beian.web import errors


def serve(clock_file: str, argv: list[str]) -> int:
    """Patch the system clock to the file's instant and run `beian serve`."""
    path = Path(clock_file)

    def now(_self: clock.SystemClock) -> datetime:
        return datetime.fromisoformat(path.read_text(encoding="ascii"))

    clock.SystemClock.now = now  # type: ignore[method-assign,assignment]
    log_unexpected = errors._log_unexpected

    def log_whole(error: BaseException, scope: Scope) -> None:
        # The product logs the type only (messages may quote personal data); this log is
        # the test's own, of invented people, and a 500 here needs its whole story.
        log_unexpected(error, scope)
        traceback.print_exception(error)

    errors._log_unexpected = log_whole
    return main(["serve", *argv])


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1], sys.argv[2:]))
