"""Drive the dashboard in Debian's Chromium (Playwright, sync API) against a real ``inplay demo``.

- :class:`Demo` runs ``inplay demo --port 0 --fresh --state-dir …`` as a subprocess, reads the
  dashboard's address from its banner and keeps draining its output (shown when a test fails).
- :func:`launch_chromium` starts the system Chromium (``/usr/bin/chromium``, or ``$INPLAY_CHROMIUM``)
  headless with the flags this sandbox needs; it never downloads a browser.
- :class:`PageGuard` records console errors, uncaught page errors and every request to a host other
  than 127.0.0.1 (aborted): a test fails when any was seen that it did not expect.
- :class:`Shots` saves numbered screenshots under ``build/screenshots/<test>/`` (git-ignored).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, Route, expect

ROOT = Path(__file__).resolve().parents[2]
DIST_INDEX = ROOT / "frontend" / "dist" / "index.html"
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM_ENV = "INPLAY_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Without the background-networking flags Chromium keeps calling Google's hosts, which this
machine's closed network refuses; ``--no-sandbox`` because CI runs as root."""
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "[::1]"})
DEMO_USER, DEMO_PASSWORD = "demo", "inplay-demo-pass"
DEMO_BOT = "demo"
DEMO_BOT_SETTINGS = {"max_wait_seconds": "20", "cooldown_seconds": "60"}
ACTION_TIMEOUT_MS = 15_000
"""Playwright's default for clicks, fills and ``expect``; slower waits pass their own timeout."""
DEMO_START_SECONDS = 240.0
"""The demo's banner: includes a synth (~30 s, more on a busy machine) when the template is stale."""


def require_chromium() -> str:
    """The Chromium executable to drive; fails the test (never skips) when it is not installed."""
    path = os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {path}: install Debian's browser (`apt-get install chromium`; "
            f".ci/run does) or point ${CHROMIUM_ENV} at a Chromium executable. "
            "The browser tests never download a browser.",
            pytrace=False,
        )
    return path


def require_dist() -> Path:
    """The built dashboard; fails the test when ``frontend/dist`` was not built."""
    if not DIST_INDEX.is_file():
        pytest.fail(
            "the dashboard is not built (frontend/dist/index.html is missing): run `make dev` "
            "(or `make frontend`) before the browser tests",
            pytrace=False,
        )
    return DIST_INDEX


def launch_chromium(playwright: Playwright, executable: str) -> Browser:
    """Headless Debian Chromium; Playwright gives every launch a fresh, empty user-data dir."""
    try:
        return playwright.chromium.launch(
            executable_path=executable, headless=True, args=list(CHROMIUM_ARGS), timeout=60_000
        )
    except Exception as exc:  # Playwright raises its own Error with the browser's output
        pytest.fail(f"Chromium at {executable} did not start under Playwright: {exc}", pytrace=False)


class Demo:
    """``inplay demo`` in a subprocess on a free port, with its own fresh state directory."""

    BANNER = re.compile(r"dashboard\s+(http://127\.0\.0\.1:\d+)/")

    def __init__(self, state_dir: Path, *extra: str) -> None:
        inplay = Path(sys.executable).with_name("inplay")
        command = [str(inplay), "demo", "--port", "0", "--fresh", "--state-dir", str(state_dir), *extra]
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self.url = ""
        self._process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._reader = threading.Thread(target=self._read, name="demo-output", daemon=True)
        self._reader.start()
        self._token: str | None = None

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            with self._lock:
                self._lines.append(line)
            found = self.BANNER.search(line)
            if found and not self._ready.is_set():
                self.url = found.group(1)
                self._ready.set()
        self._ready.set()  # ended: wake a waiter up

    def wait_ready(self, timeout: float = DEMO_START_SECONDS) -> Demo:
        if not self._ready.wait(timeout) or not self.url:
            self.stop()
            pytest.fail(f"inplay demo did not print its dashboard address:\n{self.output()}", pytrace=False)
        return self

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    def output(self, tail: int = 200) -> str:
        with self._lock:
            return "".join(self._lines[-tail:])

    def alive(self) -> bool:
        return self._process.poll() is None

    def stop(self) -> int:
        """SIGTERM (the demo stops cleanly), then a kill after a minute."""
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._reader.join(timeout=10)
        return self._process.returncode

    # ---- the API, signed in as the demo user (set-up and cross-checks, not what a test asserts on)

    def api(self, method: str, path: str, body: Any = None) -> httpx.Response:
        with httpx.Client(timeout=20) as http:
            if self._token is None:
                self._token = self._sign_in(http)
            response = http.request(method, f"{self.api_url}{path}", json=body, headers=self._headers())
            if response.status_code == 401:
                self._token = self._sign_in(http)
                response = http.request(method, f"{self.api_url}{path}", json=body, headers=self._headers())
            return response

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    def _sign_in(self, http: httpx.Client) -> str:
        answer = http.post(
            f"{self.api_url}/auth/sign-in", json={"username": DEMO_USER, "password": DEMO_PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["id_token"])

    def status(self) -> dict[str, Any]:
        response = self.api("GET", "/bot/status")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def ensure_bot_running(self, timeout: float = 120.0) -> None:
        """Start the demo bot through the API, retrying while its pre-flight refuses (the feeds'
        first poll is not in yet)."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            bots = {bot["bot_id"]: bot for bot in self.status().get("bots") or []}
            if bots.get(DEMO_BOT, {}).get("state") == "RUNNING":
                return
            response = self.api("POST", "/bot/start", {"bot_id": DEMO_BOT, "settings": DEMO_BOT_SETTINGS})
            if response.status_code == 200:
                return
            last = response.text
            time.sleep(2)
        raise AssertionError(f"the demo bot did not start within {timeout:.0f} s: {last[:2000]}")


class PageGuard:
    """Everything a page must not do: console errors, uncaught errors, requests off this machine."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self._allowed: list[re.Pattern[str]] = []

    def attach(self, context: BrowserContext) -> None:
        """Route every request of ``context`` and watch each page it opens (before it loads)."""
        context.route("**/*", self._route)
        context.on("page", self.watch)

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught error: {error}"))

    def allow(self, pattern: str) -> None:
        """A console error the test provokes on purpose (e.g. the browser's log line for a 401)."""
        self._allowed.append(re.compile(pattern))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        text = message.text
        if not any(pattern.search(text) for pattern in self._allowed):
            where = message.location.get("url", "") if message.location else ""
            self.errors.append(f"console error: {text} ({where})")

    def _route(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOOPBACK_HOSTS or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def problems(self) -> list[str]:
        return [*self.errors, *(f"request off this machine (aborted): {url}" for url in self.blocked)]


class Shots:
    """Numbered full-page screenshots of one test's steps: build/screenshots/<test>/NN-<step>.png."""

    def __init__(self, test_name: str) -> None:
        self.folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        self._count = 0
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()

    def take(self, page: Page, step: str) -> Path:
        self._count += 1
        path = self.folder / f"{self._count:02d}-{re.sub(r'[^A-Za-z0-9_-]+', '-', step)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def sign_in(page: Page, path: str = "/", *, password: str = DEMO_PASSWORD) -> None:
    """Open ``path``; the app sends an unauthenticated visitor to the sign-in page; sign in."""
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/sign-in"))
    expect(page.get_by_role("heading", name="Sign in to inplay")).to_be_visible()
    page.get_by_label("Username", exact=True).fill(DEMO_USER)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def open_page(page: Page, link: str, heading: str | None = None) -> None:
    """Follow a link of the main navigation (opening the phone menu first when it is collapsed)."""
    nav = page.get_by_role("navigation", name="Main")
    target = nav.get_by_role("link", name=link, exact=True)
    menu = page.get_by_role("button", name="Menu", exact=True)
    if not target.is_visible() and menu.count() == 1 and menu.is_visible():
        menu.click()
    target.click()
    expect(page.get_by_role("heading", level=1, name=heading or link, exact=True)).to_be_visible()


def settle(page: Page, timeout: float = ACTION_TIMEOUT_MS) -> None:
    """Wait until no data region shows "Loading…" (SSE keeps a request open: no network idle)."""
    expect(page.get_by_role("status").filter(has_text="Loading…")).to_have_count(0, timeout=timeout)


def rgb(page: Page, selector_test_id: str, prop: str = "background-color") -> tuple[int, int, int]:
    value = page.get_by_test_id(selector_test_id).evaluate(
        "(element, prop) => getComputedStyle(element).getPropertyValue(prop)", prop
    )
    numbers = [int(float(n)) for n in re.findall(r"[\d.]+", str(value))[:3]]
    assert len(numbers) == 3, f"{selector_test_id} {prop} is {value!r}"
    return numbers[0], numbers[1], numbers[2]


def is_yellow(color: tuple[int, int, int]) -> bool:
    red, green, blue = color
    return red >= 200 and green >= 150 and blue <= 120


def is_red(color: tuple[int, int, int]) -> bool:
    red, green, blue = color
    return red >= 150 and green <= 90 and blue <= 90


_OVERFLOW_JS = r"""() => {
  const width = document.documentElement.clientWidth;
  const overflow = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - width;
  const scrolls = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible') return true;
    }
    return false;
  };
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const right = el.getBoundingClientRect().right;
    if (right > width + 0.5 && !scrolls(el) && !wide.some((w) => w.el.contains(el))) wide.push({el, right});
  }
  const name = (el) => {
    const classes = typeof el.className === 'string' ? el.className.trim().split(/\s+/) : [];
    return [el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''), ...classes].filter(Boolean).join('.');
  };
  const shown = wide.slice(0, 5).map((w) => `${name(w.el)} (right edge ${Math.round(w.right)} px)`);
  return {overflow, wide: shown};
}"""


def horizontal_overflow(page: Page) -> tuple[int, list[str]]:
    """How many CSS pixels the page itself scrolls sideways, and the outermost elements that stick
    out past the screen's right edge outside any scroller (tables scroll inside their wrapper)."""
    found = page.evaluate(_OVERFLOW_JS)
    return int(found["overflow"]), [str(item) for item in found["wide"]]


def wait_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 1.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)
