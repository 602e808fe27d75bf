"""The browser test's fixtures: Debian's chromium driven by Playwright,
against the whole product running (tests/browser/stack.py).

Without a Chromium the tests are skipped, and say why; `.ci/run` installs
Debian's chromium first, so CI always runs them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.stack import ROOT, Stack, running_stack

SCREENSHOTS = ROOT / "var" / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    configured = os.environ.get("POLYBOT_CHROMIUM")
    if configured:
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


CHROMIUM = chromium_path()
NO_CHROMIUM = (
    "no Chromium found (install Debian's `chromium`, or set POLYBOT_CHROMIUM): "
    "the browser test did not run"
)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    with running_stack() as running:
        yield running


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
