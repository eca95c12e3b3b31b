"""Fixtures of the encryption tests: switching the key ring in use."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from beian.crypto import keys
from beian.crypto.keys import KeyRing


@pytest.fixture
def use_ring() -> Iterator[Callable[[KeyRing], KeyRing]]:
    """Switch the ring in use for the rest of the test (restored afterwards)."""
    with ExitStack() as stack:
        yield lambda new: stack.enter_context(keys.using(new))
