"""Shared pieces of the browser tests: Debian's Chromium, a live server, a watched tab.

Chromium comes from Debian (`apt-get install chromium fonts-wqy-microhei`, or
scripts/ensure-browser); Playwright only drives it and never downloads a browser.
Screenshots land in test-artifacts/ at the repository root for people to look at.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.web.web_helpers import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}
EXPECT_TIMEOUT_MS = 15_000
# A request the page itself cancels (a superseded live pre-check, or one cut off by the
# next navigation) is normal browsing, not a failure.
ABORTED = "net::ERR_ABORTED"


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Uvicorn in a background thread on a free loopback port; yields the base URL."""
    # Bind first and hand the socket over, so no other process can take the port meanwhile.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:  # readiness, not timing: stop as soon as it listens
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run scripts/ensure-browser (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def fits_the_screen(page: Any) -> bool:
    """Whether nothing on the page makes it scroll sideways."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def expect(locator: Any) -> Any:
    """Playwright's waiting assertions (imported late: Playwright is optional elsewhere)."""
    from playwright.sync_api import expect as playwright_expect

    # Two CPUs shared by many test runs: give a live answer longer than the default 5 s.
    playwright_expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    return playwright_expect(locator)


class Tab:
    """One browser context at one screen size that records what went wrong while browsing.

    Failed requests (other than those the page cancels), console errors (CSP violations
    included) and 404 responses are collected; `close()` asserts there were none.
    """

    def __init__(self, browser: Any, base: str, size: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.base, self.size = base, size
        self.context = browser.new_context(locale="zh-CN", **VIEWPORTS[size])
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("requestfailed", lambda request: request.failure != ABORTED
                     and self.problems.append(f"{request.url} {request.failure}"))
        # A missing resource is reported below by its URL; other console errors are kept.
        self.page.on("console", lambda message: message.type == "error"
                     and "Failed to load resource" not in message.text
                     and self.problems.append(message.text))
        self.page.on("response", lambda response: response.status == 404
                     and not response.url.endswith("/favicon.ico")
                     and self.problems.append(f"404 {response.url}"))

    def log_in(self, username: str, password: str = PASSWORD) -> None:
        """Log in through the login form and wait for the home page."""
        self.page.goto(self.base + "/login")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_url(self.base + "/")

    def shot(self, path: Path) -> None:
        """Check nothing overflows sideways, then save a full-page screenshot at `path`."""
        assert fits_the_screen(self.page), f"{path.name} is wider than the {self.size} screen"
        self.page.screenshot(path=path, full_page=True)

    def close(self) -> None:
        """Close the context; fail if any request failed or the console reported an error."""
        problems = list(self.problems)
        self.context.close()
        assert problems == [], problems
