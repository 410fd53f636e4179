"""The demo's half-minute trading line, from GET /api/bot/status."""

from __future__ import annotations

from local.commands.demo import trading_summary


def test_the_summary_shows_the_current_modes_positions_pnl_and_balance() -> None:
    status = {
        "mode": "paper",
        "open_positions": [{"mode": "paper"}, {"mode": "paper"}, {"mode": "live"}],
        "pnl_today": {
            "paper": {"realized": "2.4500", "fees": "3.8800", "net": "-1.4300", "fills": "13"},
            "live": {"realized": "9", "fees": "0", "net": "9", "fills": "1"},
        },
        "balances": {"paper": {"available": "9979.1200"}, "live": {"available": "10000.0000"}},
    }
    assert trading_summary(status) == (
        "trading [PAPER]: 2 open position(s); today: 13 fills, realized $2.4500, fees $3.8800, "
        "net $-1.4300; balance $9979.1200"
    )


def test_an_empty_status_still_makes_a_line() -> None:
    assert trading_summary({}) == (
        "trading [PAPER]: 0 open position(s); today: 0 fills, realized $0, fees $0, net $0; balance $?"
    )
