from __future__ import annotations

import io
import struct
import zlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from inplay.sports.models import League
from inplay.venues.base import Action, OutcomeSide
from local.backtest.png import encode_png, equity_png, write_equity_png
from local.backtest.progress import Progress
from local.backtest.report import (
    BacktestResult,
    ClosedTrade,
    EquityPoint,
    ForecastPoint,
    TradeFill,
    brier,
    format_report,
    max_drawdown,
    summarize,
)

T0 = datetime(2025, 1, 15, tzinfo=UTC)
D = Decimal


def test_max_drawdown() -> None:
    assert max_drawdown([D(100), D(120), D(90), D(130), D(125)]) == (D(30), D(30) / D(120))
    assert max_drawdown([D(100), D(101)]) == (D(0), D(0))
    assert max_drawdown([]) == (D(0), D(0))


def test_brier() -> None:
    assert brier([(D("0.8"), True), (D("0.4"), False)]) == (D("0.1000"), 2)
    assert brier([]) == (None, 0)


def _trade(net: str, fees: str = "0.10", reason: str = "take_profit") -> ClosedTrade:
    return ClosedTrade(
        league=League.NBA,
        event_id="1",
        market_ticker="KXNBAGAME-25JAN15AB-A",
        side=OutcomeSide.YES,
        contracts=D(10),
        entry_price=D("0.40"),
        exit_price=D("0.50"),
        opened_at=T0,
        closed_at=T0 + timedelta(minutes=5),
        gross_pnl=D(net) + D(fees),
        fees=D(fees),
        exit_reason=reason,
    )


def _result() -> BacktestResult:
    result = BacktestResult(leagues=(League.NBA,), seed=3, starting_balance=D(100), games=2, games_traded=1)
    result.trades = [_trade("1.00"), _trade("-0.50", reason="stop_loss"), _trade("2.00")]
    fill = TradeFill(
        T0, League.NBA, "1", "X", "enter", OutcomeSide.YES, Action.BUY, D("0.4"), D(10), D("0.10")
    )
    result.fills = [fill, fill, fill]
    result.equity = [EquityPoint(T0, D(101)), EquityPoint(T0, D("99.5")), EquityPoint(T0, D("102.5"))]
    result.forecasts = [
        ForecastPoint(League.NBA, "1", D("0.8"), D("0.7"), True),
        ForecastPoint(League.NBA, "1", D("0.6"), None, True),
    ]
    result.decisions = Counter({"enter:edge": 3, "skip:no_edge": 40})
    return result


def test_summary_and_report() -> None:
    result = _result()
    s = summarize(result)
    assert (s.trades, s.wins, s.losses, s.hit_rate) == (3, 2, 1, D("0.6667"))
    assert s.net_pnl == D("2.50") and s.final_equity == D("102.50") and s.return_pct == D("2.50")
    assert s.fees == D("0.30") and s.gross_pnl == D("2.80")
    assert s.max_drawdown == D("1.50")
    assert s.fair_brier == D("0.1000") and s.forecasts == 2
    assert s.market_brier == D("0.0900") and s.fair_brier_quoted == D("0.0400") and s.quoted_forecasts == 1
    assert s.exit_reasons == (("take_profit", 2), ("stop_loss", 1))
    text = format_report(result, s)
    assert "hit rate 66.7%" in text and "net P&L           $2.50" in text and "stop_loss" in text
    assert format_report(result) == text
    assert s.as_dict()["net_pnl"] == "2.50"


def test_empty_report() -> None:
    result = BacktestResult(leagues=(League.NHL,), seed=None, starting_balance=D(50))
    s = summarize(result)
    assert s.trades == 0 and s.hit_rate is None and s.net_pnl == 0 and s.fair_brier is None
    assert "hit rate -" in format_report(result)


def _chunks(data: bytes) -> dict[bytes, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    out: dict[bytes, bytes] = {}
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        out[kind] = out.get(kind, b"") + body
        pos += 12 + length
    return out


def test_png_is_valid_and_draws_the_curve(tmp_path: Path) -> None:
    data = equity_png([D(100), D(110), D(90), D(105)], starting_balance=D(100), width=300, height=150)
    chunks = _chunks(data)
    width, height, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (width, height, depth, color) == (300, 150, 8, 2)
    raw = zlib.decompress(chunks[b"IDAT"])
    assert len(raw) == height * (1 + width * 3)
    assert b"\x1f\x77\xb4" in raw  # the blue equity line
    path = write_equity_png(tmp_path / "deep" / "eq.png", [D(1)])
    assert path.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ValueError):
        encode_png(2, 2, b"\x00" * 3)
    with pytest.raises(ValueError):
        equity_png([D(1)], width=10)


def test_progress_draws_on_request() -> None:
    now = [0.0]
    stream = io.StringIO()
    with Progress(4, "games", stream=stream, enabled=True, width=4, every=0, clock=lambda: now[0]) as bar:
        now[0] = 30.0
        bar.advance()
        assert bar.rate_per_minute == 2.0
        assert bar.line() == "[#...] 1/4 games  2.0/min  ETA 1:30"
    assert "\r[#...] 1/4 games" in stream.getvalue() and stream.getvalue().endswith("\n")
    quiet = io.StringIO()
    with Progress(2, stream=quiet, enabled=False) as bar:
        bar.advance(2)
    assert quiet.getvalue() == ""
