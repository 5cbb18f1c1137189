"""Headless Chromium for the journey tests: Debian's chromium driven by Playwright's sync API,
a screenshot of every page visited, and the page errors collected for a final assertion.

Screenshots go to `artifacts/screenshots/<journey>/<NN-name>.png` (ignored by git, kept as
CI artefacts); each run of a journey replaces its folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
SCREENSHOT_ROOT = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
PASSWORD = "correct-horse-battery-9"  # the factories' password


# Marks for a browser test module: `pytestmark = browser_marks()`.
def browser_marks() -> list[Any]:
    return [
        pytest.mark.browser,
        pytest.mark.skipif(
            not os.path.exists(CHROMIUM), reason=f"needs Debian's chromium at {CHROMIUM}"
        ),
    ]


class Journey:
    """Numbered screenshots of one journey, and the JavaScript errors of its pages."""

    def __init__(self, name: str) -> None:
        self.folder = SCREENSHOT_ROOT / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0
        self.errors: list[str] = []

    def watch(self, page: Any) -> Any:
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        return page

    def shot(self, page: Any, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def new_page(self, browser: Any, base_url: str) -> Any:
        context = browser.new_context(base_url=base_url, viewport={"width": 1200, "height": 800})
        context.set_default_timeout(30_000)
        return self.watch(context.new_page())


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium. Playwright's sync API runs an event loop in this thread, and
    Django refuses ORM calls from a thread with a running loop: the journeys read the
    database between browser steps, which is safe here (one thread, synchronous calls)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def session_cookie(live_server: Any, user: Any) -> dict:
    """A signed-in session for `user` as a cookie Playwright can add to a browser context
    (`context.add_cookies([...])`), so a journey starts signed in."""
    from django.conf import settings  # settings are configured by the time a test runs
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def wait_announced(page: Any, text: str) -> None:
    """Wait (5 s at most) until the player's live region has announced `text`."""
    page.wait_for_function(
        "(text) => document.querySelector('[data-player-announce]').textContent.includes(text)",
        arg=text,
        timeout=5_000,
    )


def video_js(expression: str) -> str:
    """A page function over the lesson's <video data-player> element, named `v`."""
    return (
        f"() => {{ const v = document.querySelector('video[data-player]'); return {expression}; }}"
    )
