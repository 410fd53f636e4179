"""GET /api/performance's domain part: the equity curve, per-league statistics and the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from inplay.api.errors import BadRequest
from inplay.api.performance import MAX_POSITIONS, PerformanceDeps, league_of, performance
from inplay.orders.fills import PositionState
from inplay.orders.intents import TradingMode
from inplay.sports.models import League

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def closed(
    n: int,
    *,
    market: str = "KXNBAGAME-26NOV20NYKBOS-BOS",
    realized: str = "0",
    fees: str = "0",
    closed_at: datetime | None = None,
    mode: TradingMode = TradingMode.PAPER,
    opened_at: datetime | None = None,
) -> PositionState:
    at = closed_at or NOW - timedelta(hours=n)
    return PositionState(
        user_id="alice",
        position_id=f"default#kalshi#{market}#{n}",
        bot_id="default",
        venue="kalshi",
        market_ticker=market,
        mode=mode,
        realized_pnl=Decimal(realized),
        fees=Decimal(fees),
        fills=2,
        opened_at=opened_at or at - timedelta(minutes=30),
        updated_at=at,
        closed_at=at,
        version=2,
    )


class Reader:
    def __init__(self, positions: list[PositionState], mode: TradingMode = TradingMode.PAPER) -> None:
        self.positions = positions
        self.mode = mode
        self.limits: list[int] = []

    def closed_positions(self, user_id: str, *, limit: int) -> list[PositionState]:
        assert user_id == "alice"
        self.limits.append(limit)
        return sorted(self.positions, key=lambda p: p.opened_at, reverse=True)[:limit]

    def trading_mode(self, user_id: str) -> TradingMode:
        return self.mode


def run(positions: list[PositionState], **kwargs: Any) -> dict[str, Any]:
    reader = Reader(positions, kwargs.pop("current", TradingMode.PAPER))
    result = performance(PerformanceDeps(reader, reader), user_id="alice", now=NOW, **kwargs)
    body: dict[str, Any] = result.model_dump(mode="json")
    return body


def test_equity_oldest_first_with_cumulative_net_and_leagues() -> None:
    body = run(
        [
            closed(1, realized="5.0000", fees="0.6000"),  # nba win, newest
            closed(3, market="KXNHLGAME-26NOV20BOSTOR-TOR", realized="-3.0000", fees="0.3000"),
            closed(2, realized="0.50", fees="0.50"),  # nba flat
            closed(4, market="KXNOPEGAME-X-Y", realized="1.25", fees="0.05"),  # unknown series
        ]
    )
    assert [point["market_ticker"][:9] for point in body["equity"]] == [
        "KXNOPEGAM",
        "KXNHLGAME",
        "KXNBAGAME",
        "KXNBAGAME",
    ]
    assert [point["net"] for point in body["equity"]] == ["1.2000", "-3.3000", "0.0000", "4.4000"]
    assert [point["cumulative"] for point in body["equity"]] == ["1.2000", "-2.1000", "-2.1000", "2.3000"]
    assert [point["league"] for point in body["equity"]] == [None, "nhl", "nba", "nba"]
    assert body["equity"][-1]["at"] == "2026-11-24T14:00:00Z"
    assert [row["league"] for row in body["leagues"]] == ["nba", "nhl", None]  # league order, unknown last
    nba = body["leagues"][0]
    assert nba == {
        "league": "nba",
        "positions": 2,
        "wins": 1,
        "losses": 0,
        "flat": 1,
        "win_rate": "1.0000",
        "realized": "5.5000",
        "fees": "1.1000",
        "net": "4.4000",
    }
    assert body["totals"] == {
        "league": None,
        "positions": 4,
        "wins": 2,
        "losses": 1,
        "flat": 1,
        "win_rate": "0.6667",
        "realized": "3.7500",
        "fees": "1.4500",
        "net": "2.3000",
    }
    assert body["mode"] == "paper" and body["truncated"] is False
    assert body["as_of"] == "2026-11-24T15:00:00Z" and body["since"] == "2026-10-25T15:00:00Z"


def test_win_rate_is_null_without_wins_or_losses() -> None:
    body = run([closed(1, realized="0.07", fees="0.07")])
    assert body["totals"]["win_rate"] is None and body["totals"]["flat"] == 1
    empty = run([])
    assert empty["equity"] == [] and empty["leagues"] == []
    assert empty["totals"]["positions"] == 0 and empty["totals"]["net"] == "0.0000"


def test_window_is_positions_closed_in_the_last_days() -> None:
    inside = closed(1, realized="1", closed_at=NOW - timedelta(days=2))
    edge = closed(2, realized="2", closed_at=NOW - timedelta(days=7))
    outside = closed(3, realized="4", closed_at=NOW - timedelta(days=7, seconds=1))
    future = closed(4, realized="8", closed_at=NOW + timedelta(seconds=1))
    body = run([inside, edge, outside, future], days=7)
    assert [point["net"] for point in body["equity"]] == ["2.0000", "1.0000"]
    assert body["since"] == "2026-11-17T15:00:00Z"
    # opened long before the window but closed inside it: counted
    late = closed(5, realized="16", closed_at=NOW - timedelta(hours=1), opened_at=NOW - timedelta(days=90))
    assert run([late], days=1)["totals"]["net"] == "16.0000"


def test_mode_defaults_to_the_current_trading_mode() -> None:
    positions = [closed(1, realized="1"), closed(2, realized="2", mode=TradingMode.LIVE)]
    assert run(positions)["totals"]["net"] == "1.0000"
    live = run(positions, current=TradingMode.LIVE)
    assert live["mode"] == "live" and live["totals"]["net"] == "2.0000"
    assert run(positions, current=TradingMode.LIVE, mode=TradingMode.PAPER)["mode"] == "paper"


def test_reads_at_most_the_cap_and_says_so() -> None:
    positions = [
        closed(n, realized="1", closed_at=NOW - timedelta(seconds=n)) for n in range(MAX_POSITIONS + 5)
    ]
    reader = Reader(positions)
    result = performance(PerformanceDeps(reader, reader), user_id="alice", now=NOW, days=1)
    assert reader.limits == [MAX_POSITIONS + 1]
    assert result.truncated is True
    assert result.totals.positions == MAX_POSITIONS
    assert result.totals.net == Decimal(MAX_POSITIONS)
    exact = run(positions[:MAX_POSITIONS], days=1)
    assert exact["truncated"] is False and exact["totals"]["positions"] == MAX_POSITIONS


@pytest.mark.parametrize("days", [0, -1, 366])
def test_days_out_of_range_is_a_bad_request(days: int) -> None:
    with pytest.raises(BadRequest) as caught:
        run([], days=days)
    assert caught.value.body()["errors"] == ["days: must be between 1 and 365"]


@pytest.mark.parametrize(
    ("ticker", "league"),
    [
        ("KXNBAGAME-26NOV24NYKBOS-BOS", League.NBA),
        ("kxnflgame-26nov24bufkc-kc", League.NFL),
        ("KXNHLGAME", League.NHL),
        ("KXSOMETHING-26NOV24", None),
        ("", None),
    ],
)
def test_league_from_the_series(ticker: str, league: League | None) -> None:
    assert league_of(ticker) == league
