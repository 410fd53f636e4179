"""The dashboard in a real browser (Debian's Chromium through Playwright) against ``inplay demo``:
sign in, read the status, watch a position open live during a replayed game, stop the bot and
switch to live trading through the warning dialog (and back), trigger an emergency stop and reset
the kill switch with a reason, and use it on a phone-sized screen.

The tests share one demo (started without its bot) and run in file order: the bot is started
(through the API) while the Positions page is open, so the first position it opens is seen
arriving live. Each test still sets up what it needs, so any one of them also runs alone.
Screenshots of every step: build/screenshots/<test>/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import (
    DEMO_BOT,
    Demo,
    PageGuard,
    Shots,
    horizontal_overflow,
    is_red,
    is_yellow,
    open_page,
    rgb,
    settle,
    sign_in,
    wait_until,
)

# enable_socket: Playwright's asyncio loop needs a socket pair even where pytest-socket blocks
# sockets; what the page may reach is limited to 127.0.0.1 by PageGuard's route.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(420), pytest.mark.enable_socket]

POSITION_SECONDS = 180
"""From starting the bot to its first position: ~30 s on an idle machine at 5× replay speed."""
BOT_STOP_MS = 60_000


def _money(value: str) -> str:
    """The dashboard's dollars for a decimal string: "$10,000.00"."""
    amount = Decimal(value).quantize(Decimal("0.01"))
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


def _header_shows_paper(page: Page) -> None:
    badge = page.get_by_test_id("mode-badge")
    expect(badge).to_have_text("PAPER")
    expect(badge).to_have_class(re.compile(r"\bmode-paper\b"))
    assert is_yellow(rgb(page, "mode-badge")), f"PAPER badge is not yellow: {rgb(page, 'mode-badge')}"
    expect(page.get_by_text("LIVE TRADING — real money")).to_have_count(0)


def test_sign_in_shows_a_wrong_password_then_opens_the_page_asked_for(
    page: Page, guard: PageGuard, shots: Shots
) -> None:
    guard.allow(r"status of 401")  # Chromium logs the refused sign-in request itself
    sign_in(page, "/positions", password="not-the-demo-password")
    alert = page.get_by_role("alert").filter(has_text="wrong username or password")
    expect(alert).to_be_visible()
    expect(page).to_have_url(re.compile(r"/sign-in"))
    shots.take(page, "wrong-password")

    page.get_by_label("Password", exact=True).fill("inplay-demo-pass")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Positions", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/positions$"))
    nav = page.get_by_role("navigation", name="Main")
    for link in ("Dashboard", "Positions", "Trades", "Risk", "Settings", "Health"):
        expect(nav.get_by_role("link", name=link, exact=True)).to_have_count(1)
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    shots.take(page, "signed-in")

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in to inplay")).to_be_visible()


def test_dashboard_shows_paper_mode_in_yellow_and_the_balance(page: Page, demo: Demo, shots: Shots) -> None:
    sign_in(page)
    expect(page.get_by_role("heading", level=1, name="Dashboard", exact=True)).to_be_visible()
    settle(page)
    status = demo.status()
    assert status["mode"] == "paper", status

    _header_shows_paper(page)
    expect(page.get_by_test_id("kill-switch-badge")).to_have_text("Systems Normal")
    card = page.get_by_role("region", name="Trading status")
    expect(card).to_contain_text("PAPER")
    expect(card).to_contain_text("Balance")
    expect(card).to_contain_text(_money(status["balances"]["paper"]["available"]))
    expect(card).to_contain_text("Open positions")
    expect(card).to_contain_text(re.compile(r"Today['’]s P&L"))
    expect(page.get_by_test_id("live-indicator")).to_have_text("Live updates on")
    shots.take(page, "dashboard-paper")


def test_a_position_opened_by_the_bot_appears_live_on_the_positions_page(
    page: Page, demo: Demo, shots: Shots
) -> None:
    sign_in(page, "/positions")
    expect(page.get_by_role("heading", level=1, name="Positions", exact=True)).to_be_visible()
    settle(page)
    expect(page.get_by_test_id("live-indicator")).to_have_text("Live updates on")
    # Remember this document (a reload would lose it) and every row and toast that gets added.
    page.evaluate(
        """() => {
          window.__inplayDocument = 'kept';
          window.__openRows = []; window.__toasts = [];
          const seen = (node) => {
            if (!(node instanceof Element)) return;
            const rows = [node, ...node.querySelectorAll('tr')].filter(
              (el) => el.tagName === 'TR' && el.closest('table[aria-label="Open positions"]'));
            for (const row of rows) window.__openRows.push(row.textContent);
            if (node.closest('[data-testid="toasts"]')) window.__toasts.push(node.textContent);
          };
          new MutationObserver((changes) => changes.forEach(
            (change) => change.addedNodes.forEach(seen))).observe(document.body,
            {childList: true, subtree: true});
        }"""
    )
    shots.take(page, "before-the-bot-starts")
    already = {p["market_ticker"] for p in demo.status().get("open_positions") or []}

    demo.ensure_bot_running()

    def opened() -> str | None:
        toasts: list[str] = page.evaluate("() => window.__toasts")
        rows: list[str] = page.evaluate("() => window.__openRows")
        for toast in toasts:
            found = re.search(r"Position opened: ([A-Z0-9][A-Z0-9.-]*)", toast or "")
            if found and found.group(1) not in already and any(found.group(1) in row for row in rows):
                return found.group(1)
        return None

    wait_until(lambda: opened() is not None, POSITION_SECONDS, "no 'Position opened' toast and row")
    ticker = opened()
    assert ticker is not None
    assert page.evaluate("() => window.__inplayDocument") == "kept", "the page was reloaded"
    shots.take(page, "position-opened-live")
    # The API agrees: the position exists (open, or already closed by the bot's exit rules).
    open_tickers = {p["market_ticker"] for p in demo.status().get("open_positions") or []}
    closed = demo.api("GET", "/positions?status=closed").json().get("positions") or []
    assert ticker in open_tickers | {p["market_ticker"] for p in closed}, ticker


def test_stop_the_bot_then_switch_to_live_through_the_dialog_and_back_to_paper(
    page: Page, demo: Demo, shots: Shots
) -> None:
    demo.ensure_bot_running()
    sign_in(page)
    expect(page.get_by_role("heading", level=1, name="Dashboard", exact=True)).to_be_visible()
    bot = page.get_by_role("region", name="Bot")
    expect(bot).to_contain_text(DEMO_BOT)
    expect(bot.get_by_test_id("bot-state")).to_have_text("RUNNING")
    bot.get_by_role("button", name="Stop bot", exact=True).click()
    expect(bot.get_by_test_id("bot-state")).to_have_text("STOPPED", timeout=BOT_STOP_MS)
    shots.take(page, "bot-stopped")

    page.get_by_role("button", name="Switch to LIVE trading", exact=True).click()
    dialog = page.get_by_role("dialog", name="Switch to LIVE Trading?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("listitem")).not_to_have_count(0)
    expect(dialog).to_contain_text("real money")
    confirm = dialog.get_by_role("button", name="Switch to LIVE", exact=True)
    accept = dialog.get_by_label("I understand and accept the risks")
    expect(accept).not_to_be_checked()
    expect(confirm).to_be_disabled()
    shots.take(page, "live-dialog-unconfirmed")
    accept.check()
    expect(confirm).to_be_enabled()
    accept.uncheck()
    expect(confirm).to_be_disabled()
    accept.check()
    shots.take(page, "live-dialog-confirmed")
    confirm.click()

    expect(dialog).to_be_hidden()
    badge = page.get_by_test_id("mode-badge")
    expect(badge).to_have_text("LIVE")
    expect(badge).to_have_class(re.compile(r"\bmode-live\b"))
    assert is_red(rgb(page, "mode-badge")), f"LIVE badge is not red: {rgb(page, 'mode-badge')}"
    expect(page.get_by_text("LIVE TRADING — real money")).to_be_visible()
    assert demo.status()["mode"] == "live"
    shots.take(page, "live")

    page.get_by_role("button", name="Switch to PAPER trading", exact=True).click()
    back = page.get_by_role("dialog", name="Switch to PAPER trading?")
    expect(back).to_be_visible()
    back.get_by_role("button", name="Switch to PAPER", exact=True).click()
    expect(back).to_be_hidden()
    _header_shows_paper(page)
    assert demo.status()["mode"] == "paper"
    shots.take(page, "paper-again")


def test_emergency_stop_trips_the_kill_switch_and_the_risk_page_resets_it_with_a_reason(
    page: Page, demo: Demo, shots: Shots
) -> None:
    sign_in(page)
    expect(page.get_by_role("heading", level=1, name="Dashboard", exact=True)).to_be_visible()
    expect(page.get_by_test_id("kill-switch-badge")).to_have_text("Systems Normal")
    page.get_by_role("button", name="Emergency stop", exact=True).click()
    dialog = page.get_by_role("dialog", name="Emergency stop?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Close all open positions")).to_be_checked()
    shots.take(page, "emergency-stop-dialog")
    dialog.get_by_role("button", name="Stop everything", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("kill-switch-badge")).to_have_text("KILL SWITCH ACTIVE")
    assert demo.status()["kill_switch"]["tripped"] is True
    shots.take(page, "kill-switch-active")

    open_page(page, "Risk")
    settle(page)
    reason = page.get_by_label("Reason", exact=True)
    reset = page.get_by_role("button", name="Reset kill switch", exact=True)
    expect(reset).to_be_disabled()
    reason.fill("browser test: drill over, markets checked")
    expect(reset).to_be_enabled()
    shots.take(page, "risk-reset-form")
    reset.click()
    expect(page.get_by_test_id("kill-switch-badge")).to_have_text("Systems Normal")
    assert demo.status()["kill_switch"]["tripped"] is False
    events = page.get_by_role("list", name="Risk events")
    expect(events).to_contain_text(re.compile(r"kill.switch", re.IGNORECASE))
    shots.take(page, "kill-switch-reset")


def test_every_page_fits_a_phone_screen_without_sideways_scrolling(
    new_page: Callable[..., Page], shots: Shots
) -> None:
    page = new_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    sign_in(page)
    expect(page.get_by_role("heading", level=1, name="Dashboard", exact=True)).to_be_visible()
    for link in ("Dashboard", "Positions", "Trades", "Risk", "Settings", "Health"):
        open_page(page, link)
        settle(page)
        overflow, wide = horizontal_overflow(page)
        shots.take(page, f"phone-{link.lower()}")
        assert overflow <= 0, f"{link}: the page scrolls sideways by {overflow} px on a 375 px screen: {wide}"
    expect(page.get_by_test_id("mode-badge")).to_be_visible()
