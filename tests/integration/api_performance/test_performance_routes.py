"""GET /api/performance on moto tables: the caller's closed positions only, the window, the mode,
validation, 401 without a token, and CORS on every answer for the dashboard's origins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inplay.orders.intents import TradingMode
from tests.integration.api_performance.conftest import (
    DASHBOARD,
    PerformanceApi,
    allow_origin,
    raw_answer,
)
from tests.support.live import fill_for

NOW = datetime.now(UTC)
NBA = "KXNBAGAME-26NOV20NYKBOS-BOS"
NHL = "KXNHLGAME-26NOV20BOSTOR-TOR"


def round_trip(
    api: PerformanceApi,
    user: str,
    n: int,
    *,
    market: str,
    buy: str,
    sell: str,
    closed: datetime,
    mode: TradingMode = TradingMode.PAPER,
) -> None:
    """Buy 10 YES at ``buy``, sell them at ``sell`` (fees 0.07 each fill): closed at ``closed``."""
    for k, (is_buy, price) in enumerate(((True, buy), (False, sell))):
        fill = fill_for(user, n * 10 + k, buy=is_buy, count=10, price=price, at=closed, bot_id=f"b{n}")
        api.record(fill.model_copy(update={"market_ticker": market, "mode": mode}), at=closed)


def test_the_callers_closed_positions_as_an_equity_curve(api: PerformanceApi) -> None:
    round_trip(api, "alice", 1, market=NBA, buy="0.40", sell="0.60", closed=NOW - timedelta(days=3))
    round_trip(api, "alice", 2, market=NHL, buy="0.50", sell="0.30", closed=NOW - timedelta(days=1))
    round_trip(api, "alice", 3, market=NBA, buy="0.50", sell="0.90", closed=NOW - timedelta(days=45))
    round_trip(api, "alice", 4, market=NBA, buy="0.20", sell="0.90", closed=NOW, mode=TradingMode.LIVE)
    round_trip(api, "bob", 5, market=NBA, buy="0.10", sell="0.90", closed=NOW - timedelta(days=2))
    opening = fill_for("alice", 99, buy=True, count=5, price="0.5", at=NOW, bot_id="open")
    api.record(opening, at=NOW)  # an open position is not on the curve

    answer = api.get()
    assert answer.status == 200, answer.text
    body = answer.body
    assert body["mode"] == "paper" and body["truncated"] is False
    assert [(p["market_ticker"], p["net"], p["cumulative"]) for p in body["equity"]] == [
        (NBA, "1.8600", "1.8600"),  # 10 × 0.20 − 0.14 fees
        (NHL, "-2.1400", "-0.2800"),
    ]
    assert [p["league"] for p in body["equity"]] == ["nba", "nhl"]
    assert body["totals"] == {
        "league": None,
        "positions": 2,
        "wins": 1,
        "losses": 1,
        "flat": 0,
        "win_rate": "0.5000",
        "realized": "0.0000",
        "fees": "0.2800",
        "net": "-0.2800",
    }
    assert [row["league"] for row in body["leagues"]] == ["nba", "nhl"]

    longer = api.get({"days": "60"}).body
    assert [p["net"] for p in longer["equity"]] == ["3.8600", "1.8600", "-2.1400"]
    live = api.get({"mode": "live"}).body
    assert live["mode"] == "live" and [p["net"] for p in live["equity"]] == ["6.8600"]
    assert api.get(user="bob").body["totals"]["net"] == "7.8600"


def test_the_mode_defaults_to_the_users_trading_mode(api: PerformanceApi) -> None:
    round_trip(api, "alice", 1, market=NBA, buy="0.20", sell="0.90", closed=NOW, mode=TradingMode.LIVE)
    assert api.get().body["equity"] == []
    api.bots.set_trading_mode("alice", TradingMode.LIVE, expected=TradingMode.PAPER, bots=[])
    body = api.get().body
    assert body["mode"] == "live" and body["totals"]["positions"] == 1


@pytest.mark.parametrize(
    ("query", "field"), [({"days": "0"}, "days"), ({"days": "366"}, "days"), ({"mode": "both"}, "mode")]
)
def test_invalid_queries_are_400_naming_the_field(
    api: PerformanceApi, query: dict[str, str], field: str
) -> None:
    answer = api.get(query)
    assert answer.status == 400, answer.text
    assert any(error.startswith(field) for error in answer.body["errors"]), answer.body


def test_without_a_token_it_is_401(api: PerformanceApi) -> None:
    answer = api.get(user=None)
    assert answer.status == 401 and answer.body["message"]


@pytest.mark.parametrize(
    ("user", "query", "status"),
    [("alice", {}, 200), ("alice", {"days": "0"}, 400), (None, {}, 401)],
)
def test_every_answer_allows_the_dashboard_origin(
    api: PerformanceApi, user: str | None, query: dict[str, str], status: int
) -> None:
    token = api.users.token(user) if user else None
    result = raw_answer("GET", "/api/performance", token=token, origin=DASHBOARD, query=query)
    assert result["statusCode"] == status
    assert allow_origin(result) == [DASHBOARD]
    other = raw_answer("GET", "/api/performance", token=token, origin="https://evil.example", query=query)
    assert other["statusCode"] == status and allow_origin(other) == []


def test_an_unknown_route_allows_the_dashboard_origin_too(api: PerformanceApi) -> None:
    result = raw_answer("GET", "/api/nothing-here", token=api.users.token("alice"), origin=DASHBOARD)
    assert result["statusCode"] == 404 and allow_origin(result) == [DASHBOARD]
