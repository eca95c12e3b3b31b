"""Fixtures for the notification tests: a real webhook receiver and a short retry policy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from beian.notifications.channels import RetryPolicy
from tests.notifications.webhook_receiver import Receiver, serve


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server in a thread, on a free port."""
    with serve() as receiver:
        yield receiver


@pytest.fixture
def policy() -> RetryPolicy:
    """Three attempts, 30 s doubling backoff, a five-minute lease."""
    return RetryPolicy(
        max_attempts=3, backoff_seconds=30, backoff_max_seconds=3600, lease_seconds=300
    )
