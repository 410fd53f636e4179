"""Fixtures of the browser suite: one Chromium per session, one ``inplay demo`` per module, a fresh
browser context per test whose console errors and off-machine requests fail the test."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.support.browser import (
    ACTION_TIMEOUT_MS,
    Demo,
    PageGuard,
    Shots,
    launch_chromium,
    require_chromium,
    require_dist,
)

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    reports = request.node.stash.get(_REPORTS, {})
    return any(report.failed for report in reports.values())


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (fails, never skips, when it is missing). Module-scoped: the
    sync API keeps an asyncio loop on the main thread while it runs, which later tests that run
    their own loop must not inherit."""
    executable = require_chromium()
    expect.set_options(timeout=ACTION_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright, executable)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """``inplay demo`` without its bot (tests start it when they need it), games replayed at 5×."""
    require_dist()
    running = Demo(tmp_path_factory.mktemp("demo-state"), "--no-bot", "--speed", "5")
    try:
        yield running.wait_ready()
    finally:
        running.stop()


@pytest.fixture
def guard() -> PageGuard:
    return PageGuard()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(request.node.name)


@pytest.fixture
def new_page(
    browser: Browser, demo: Demo, guard: PageGuard, shots: Shots, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Page]]:
    """``new_page(**context_options)``: a page in a fresh context (no cookies, no storage) on the
    demo's origin. After the test: a screenshot if it failed, then its console errors and
    off-machine requests fail it."""
    contexts: list[BrowserContext] = []
    pages: list[Page] = []

    def make(**options: Any) -> Page:
        if not demo.alive():
            pytest.fail(f"inplay demo exited:\n{demo.output()}", pytrace=False)
        context = browser.new_context(
            base_url=demo.url, viewport=options.pop("viewport", {"width": 1280, "height": 900}), **options
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(30_000)
        guard.attach(context)
        page = context.new_page()  # the guard watches it (a context 'page' event)
        contexts.append(context)
        pages.append(page)
        return page

    yield make
    if _failed(request):
        for page in pages:
            with contextlib.suppress(PlaywrightError):  # a crashed page must not hide the failure
                shots.take(page, "failure")
        print(f"--- inplay demo output (last lines) ---\n{demo.output(80)}")
    for context in contexts:
        context.close()
    problems = guard.problems()
    if problems:
        pytest.fail("the page misbehaved:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()
