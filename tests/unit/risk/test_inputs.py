"""Gathering the readings from the stores, the games table and the venue account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from inplay.orders.intents import IntentState, TradingMode
from inplay.risk.inputs import RiskSources, day_start, gather, trading_day
from inplay.risk.store import EquityMarks
from inplay.risk.triggers import KillSwitchLimits
from inplay.sports.models import League, Phase
from inplay.venues.base import Action, Balance, ExchangeStatus, ExchangeUnavailableError, MarketStatus
from tests.unit.risk.support import (
    NOW,
    TODAY_START,
    USER,
    World,
    fill,
    game,
    heartbeat,
    intent,
    market,
    settle,
)

D = Decimal
LIMITS = KillSwitchLimits()


def sources(world: World) -> RiskSources:
    return world.deps.sources


def test_the_trading_day_is_the_us_eastern_date() -> None:
    assert trading_day(NOW).isoformat() == "2026-01-14"  # 20:30 Eastern
    assert day_start(trading_day(NOW)) == TODAY_START
    summer = datetime(2026, 7, 1, 3, 59, tzinfo=UTC)  # 23:59 EDT on June 30
    assert trading_day(summer).isoformat() == "2026-06-30"
    assert day_start(trading_day(summer)) == datetime(2026, 6, 30, 4, 0, tzinfo=UTC)


def test_daily_pnl_is_todays_realized_net_of_fees_plus_unrealized_at_the_bid() -> None:
    world = World()
    trades = world.trades
    # Yesterday (Eastern): a round trip that lost $2 — not today's business.
    trades.record_fill(fill(market_ticker="OLD", price="0.50", at=TODAY_START - timedelta(minutes=30)))
    trades.record_fill(
        fill(market_ticker="OLD", action=Action.SELL, price="0.30", at=TODAY_START - timedelta(minutes=20))
    )
    # Today: buy 10 YES at 0.50 (fee 0.18), sell them at 0.40 (fee 0.17): −1.00 − 0.35.
    trades.record_fill(
        fill(market_ticker="RT", price="0.50", fee="0.18", at=TODAY_START + timedelta(minutes=1))
    )
    trades.record_fill(
        fill(market_ticker="RT", action=Action.SELL, price="0.40", fee="0.17", at=NOW - timedelta(minutes=5))
    )
    # Open: 10 YES bought at 0.60 (bid now 0.55 → −0.50) and 20 NO bought at 0.30 (NO bid = 1 − 0.57 → +2.60).
    world.hold("YESM", "10", price="0.60")
    world.hold("NOM", "-20", price="0.30")
    world.venue.markets = {"YESM": market("YESM"), "NOM": market("NOM")}
    readings = gather(sources(world), USER, now=NOW, limits=LIMITS)
    assert readings.since == TODAY_START
    assert readings.realized_pnl == D("-1.35")
    assert readings.unrealized_pnl == D("2.10")
    assert readings.daily_pnl == D("0.75")
    by_market = {mark.market_ticker: mark for mark in readings.positions}
    assert by_market["YESM"].bid == D("0.55") and by_market["NOM"].bid == D("0.43")


def test_an_unreadable_market_is_left_out_not_marked_at_zero() -> None:
    world = World()
    world.hold("GONE", "10")
    world.venue.balance = Balance(available=D(1000))  # no portfolio value: the holdings must be priced
    world.venue.fail["get_market"] = ExchangeUnavailableError("502")
    readings = gather(sources(world), USER, now=NOW, limits=LIMITS)
    [held] = readings.positions
    assert not held.market_read and held.unrealized is None
    assert readings.daily_pnl == 0
    assert readings.equity is None  # no portfolio value and an unpriced holding: no honest sum


def test_equity_marks_track_the_peak_and_the_days_opening() -> None:
    world = World()
    world.venue.balance = Balance(available=D(900), portfolio_value=D(100))
    first = gather(sources(world), USER, now=NOW, limits=LIMITS)
    assert (first.equity, first.peak_equity, first.day_open_equity) == (D(1000), D(1000), D(1000))
    world.venue.balance = Balance(available=D(1100), portfolio_value=D(100))
    higher = gather(sources(world), USER, now=NOW + timedelta(minutes=1), limits=LIMITS)
    assert (higher.peak_equity, higher.day_open_equity) == (D(1200), D(1000))
    world.venue.balance = Balance(available=D(700), portfolio_value=D(0))
    lower = gather(sources(world), USER, now=NOW + timedelta(minutes=2), limits=LIMITS)
    assert (lower.equity, lower.peak_equity, lower.day_open_equity) == (D(700), D(1200), D(1000))
    next_day = gather(sources(world), USER, now=NOW + timedelta(days=1), limits=LIMITS)
    assert (next_day.peak_equity, next_day.day_open_equity) == (D(1200), D(700))
    stored = world.risk.equity_marks(USER)
    assert stored is not None and stored.day == trading_day(NOW + timedelta(days=1))


def test_a_reset_restarts_the_peak_and_the_baseline() -> None:
    world = World()
    world.risk.put_equity_marks(
        USER,
        EquityMarks(D(2000), NOW - timedelta(hours=3), trading_day(NOW), D(2000), NOW - timedelta(hours=2)),
    )
    reset_at = NOW - timedelta(minutes=30)
    readings = gather(sources(world), USER, now=NOW, limits=LIMITS, reset_at=reset_at)
    assert (readings.peak_equity, readings.day_open_equity) == (D(1000), D(1000))
    assert readings.since == reset_at


def test_a_failed_balance_read_leaves_equity_unknown_and_the_marks_alone() -> None:
    world = World()
    gather(sources(world), USER, now=NOW, limits=LIMITS)
    world.venue.fail["get_balance"] = ExchangeUnavailableError("503")
    readings = gather(sources(world), USER, now=NOW + timedelta(minutes=1), limits=LIMITS)
    assert readings.equity is None and readings.peak_equity == D(1000)


def test_closed_positions_newest_first_and_only_since_the_last_reset() -> None:
    world = World()
    for n, (sell, closed_at) in enumerate([("0.40", 50), ("0.60", 40), ("0.45", 30), ("0.30", 10)]):
        ticker = f"C{n}"
        world.trades.record_fill(
            fill(market_ticker=ticker, fee="0.05", at=NOW - timedelta(minutes=closed_at + 5))
        )
        world.trades.record_fill(
            fill(
                market_ticker=ticker,
                action=Action.SELL,
                price=sell,
                fee="0.05",
                at=NOW - timedelta(minutes=closed_at),
            )
        )
    readings = gather(sources(world), USER, now=NOW, limits=LIMITS)
    assert readings.closed_pnl == (D("-2.10"), D("-0.60"), D("0.90"), D("-1.10"))
    after_reset = gather(sources(world), USER, now=NOW, limits=LIMITS, reset_at=NOW - timedelta(minutes=35))
    assert after_reset.closed_pnl == (D("-2.10"), D("-0.60"))


def test_slippage_against_the_decision_price_without_the_kill_switchs_own_orders() -> None:
    world = World()
    ledger = world.ledger

    def filled(
        n: int, average: str, *, meta: dict[str, str] | None = None, action: Action = Action.BUY
    ) -> None:
        record = intent(
            signal_id=f"s{n}",
            price="0.60",
            action=action,
            created_at=NOW - timedelta(minutes=60 - n),
            meta=meta,
        )
        ledger.create(record)
        settle(ledger, record, IntentState.FILLED, filled_count=D(10), average_fill_price=D(average))

    filled(1, "0.58", meta={"reference_price": "0.52"})  # bought 6 cents above the decision price
    filled(2, "0.55")  # no reference price: against the limit 0.60 → 5 cents better
    filled(3, "0.40", meta={"kill_event": "ks-1"}, action=Action.SELL)  # a flattening order: left out
    unfilled = intent(signal_id="s4", created_at=NOW - timedelta(minutes=10))
    ledger.create(unfilled)
    readings = gather(sources(world), USER, now=NOW, limits=LIMITS)
    assert [(o.slippage, o.filled) for o in readings.slippage] == [(D("-0.05"), D(10)), (D("0.06"), D(10))]


def test_positions_are_linked_to_their_game_and_its_feed() -> None:
    world = World()
    world.hold("NBA-LIVE", "10", meta={"league": "nba", "event_id": "401"})
    world.hold("NFL-DONE", "5", meta={"league": "nfl", "event_id": "777"})
    world.hold("NHL-DUE", "5", meta={"league": "nhl", "event_id": "55"})
    world.hold("MLB-UNKNOWN", "5", meta={"league": "mlb", "event_id": "88"})
    world.hold("MANUAL", "5")  # a manual order: no game
    world.venue.markets = {t: market(t) for t in ("NBA-LIVE", "NFL-DONE", "NHL-DUE", "MLB-UNKNOWN", "MANUAL")}
    world.games.upsert(game(League.NBA, "401"), NOW - timedelta(minutes=5))
    world.games.upsert(game(League.NFL, "777", state=Phase.POST), NOW - timedelta(minutes=5))
    world.games.upsert(game(League.NHL, "55", state=Phase.PRE, start=NOW - timedelta(minutes=1)), NOW)
    world.games.record_poll(heartbeat(League.NBA, NOW - timedelta(seconds=30)))
    world.games.record_poll(heartbeat(League.NFL, NOW - timedelta(seconds=500)))
    world.games.record_poll(heartbeat(League.NHL, NOW - timedelta(seconds=20), ok=False))
    readings = gather(sources(world), USER, now=NOW, limits=LIMITS)
    links = {m.market_ticker: (m.league, m.event_id) for m in readings.positions}
    assert links["NBA-LIVE"] == (League.NBA, "401")
    assert links["MANUAL"] == (None, None)
    assert readings.live_games == {(League.NBA, "401"), (League.NHL, "55"), (League.MLB, "88")}
    assert readings.feed_fresh_at == {
        League.MLB: None,
        League.NBA: NOW - timedelta(seconds=30),
        League.NFL: NOW - timedelta(seconds=500),
        League.NHL: None,  # its only poll failed: no fresh data at all
    }
    world.games.record_poll(heartbeat(League.NHL, NOW - timedelta(seconds=10)))
    world.games.record_poll(heartbeat(League.NHL, NOW - timedelta(seconds=5), ok=False))
    again = gather(sources(world), USER, now=NOW, limits=LIMITS)
    assert again.feed_fresh_at[League.NHL] == NOW - timedelta(seconds=10)  # the last poll that worked


def test_api_stats_market_status_and_exchange_status() -> None:
    world = World()
    world.hold("P", "5")
    world.venue.markets = {"P": market("P", status=MarketStatus.PAUSED)}
    world.venue.exchange = ExchangeStatus(exchange_active=True, trading_active=False)
    world.risk.count_api_calls(USER, at=NOW - timedelta(minutes=2), calls=10, errors=6)
    world.risk.count_api_calls(USER, at=NOW - timedelta(minutes=20), calls=100, errors=0)  # outside 5 min
    readings = gather(sources(world), USER, now=NOW, limits=LIMITS)
    assert (readings.api_calls, readings.api_errors) == (10, 6)
    assert readings.positions[0].market_status is MarketStatus.PAUSED
    assert readings.exchange_trading is False


def test_a_user_without_venue_credentials_still_gets_readings() -> None:
    world = World()
    world.venues.accounts.clear()
    world.hold("X", "5", mode=TradingMode.LIVE)
    readings = gather(sources(world), USER, now=NOW, limits=LIMITS)
    assert readings.equity is None and not readings.positions[0].market_read
    assert readings.positions[0].market_ticker == "X" and readings.positions[0].contracts == 5
    assert readings.positions[0].bid is None  # nothing read, nothing invented
