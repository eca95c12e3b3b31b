"""Crash-test fault points: SIGKILL this process at a named place in the code.

`BEIAN_FAULT_POINT=<name>:<n>` makes the n-th pass through `point("<name>")` (counted per
process, from 1) kill the process with SIGKILL on the spot: no `finally`, no rollback, no
flush, exactly as `kill -9` or a power cut of the process would. The variable is read
once, at import; when it is unset `point()` is a function that returns at once. Only
tests/crash sets it. A malformed value stops the process at start-up with the reason.

The points (each a one-line call in the code named; the process dies ...):

- `timer_handled` (beian/worker.py, fire_due_timers): after a timer's handler ran and the
  timer was marked fired, before the batch's transaction commits.
- `timers_committed` (beian/worker.py, fire_due_timers): after a batch of timers
  committed, before any outbox delivery.
- `outbox_claimed` (beian/notifications/service.py, deliver_due): after due outbox rows
  were leased (committed), before any of them is delivered.
- `delivery_written` (beian/notifications/service.py, _deliver_one): after an in-database
  channel (inbox, local SMS) wrote its row, before the transaction that marks the outbox
  row delivered commits.
- `delivery_sent` (beian/notifications/service.py, _deliver_one): after a remote channel
  (the webhook) accepted the message, before the row is marked delivered.
- `move_recorded` (beian/filings/lifecycle.py, move): after the status, history row, audit
  entry and timers of a move were written, before its notifications are queued and
  before anything commits.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable

VARIABLE = "BEIAN_FAULT_POINT"
POINTS = (
    "timer_handled",
    "timers_committed",
    "outbox_claimed",
    "delivery_written",
    "delivery_sent",
    "move_recorded",
)


class FaultSpecError(ValueError):
    """BEIAN_FAULT_POINT is not `<known point>:<positive whole number>`."""


def parse(spec: str) -> tuple[str, int]:
    """Split `name:n` into the point's name and the pass that kills."""
    name, _, count = spec.strip().partition(":")
    if name not in POINTS:
        raise FaultSpecError(
            f"{VARIABLE}: unknown point {name!r}; use one of {', '.join(POINTS)} as name:n"
        )
    if not count.isdigit() or int(count) < 1:
        raise FaultSpecError(f"{VARIABLE}: {spec!r} needs a pass number of 1 or more after ':'")
    return name, int(count)


def _disarmed(name: str) -> None:
    """No fault configured: nothing to do."""


def _armed(target: str, kill_on: int) -> Callable[[str], None]:
    lock = threading.Lock()  # the server runs requests on several threads
    passes = 0

    def point(name: str) -> None:
        """Count passes through the configured point; SIGKILL on the chosen one."""
        nonlocal passes
        if name != target:
            return
        with lock:
            passes += 1
            if passes == kill_on:
                os.kill(os.getpid(), signal.SIGKILL)

    return point


_SPEC = os.environ.get(VARIABLE, "").strip()
point: Callable[[str], None] = _armed(*parse(_SPEC)) if _SPEC else _disarmed
