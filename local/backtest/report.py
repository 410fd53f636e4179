"""What a backtest produced and the report made of it: trades, P&L net of fees, hit rate, maximum
drawdown, and how well the strategy's fair value predicted the results (Brier score), next to the
market's own price as a yardstick.

Everything here is deterministic in the run's inputs (no wall-clock timings), so the same seed gives
the same report, byte for byte.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final

from inplay.sports.models import League
from inplay.venues.base import Action, OutcomeSide

__all__ = [
    "BacktestResult",
    "BacktestSummary",
    "ClosedTrade",
    "EquityPoint",
    "ForecastPoint",
    "TradeFill",
    "brier",
    "format_report",
    "max_drawdown",
    "summarize",
]

ZERO: Final = Decimal(0)
CENT: Final = Decimal("0.01")
PLACES: Final = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class TradeFill:
    """One of our fills (or a settlement payout, ``kind == "settle"``)."""

    at: datetime
    league: League
    event_id: str
    market_ticker: str
    kind: str
    """``enter``, ``exit`` or ``settle``."""
    side: OutcomeSide
    action: Action
    price: Decimal
    count: Decimal
    fee: Decimal
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    """One position from first entry to flat (by exit or settlement)."""

    league: League
    event_id: str
    market_ticker: str
    side: OutcomeSide
    contracts: Decimal
    """Largest size held."""
    entry_price: Decimal
    """Average entry price of ``side``."""
    exit_price: Decimal
    """Average exit price of ``side`` (1 or 0 when settled)."""
    opened_at: datetime
    closed_at: datetime
    gross_pnl: Decimal
    fees: Decimal
    exit_reason: str

    @property
    def net_pnl(self) -> Decimal:
        return self.gross_pnl - self.fees

    @property
    def won(self) -> bool:
        return self.net_pnl > 0


@dataclass(frozen=True, slots=True)
class EquityPoint:
    at: datetime
    equity: Decimal
    """Cash plus open positions marked at the best bid of the held side."""


@dataclass(frozen=True, slots=True)
class ForecastPoint:
    """A live moment's forecasts of the home win and what happened."""

    league: League
    event_id: str
    fair: Decimal
    """The strategy's blended home win probability."""
    market: Decimal | None
    """The home market's mid price, when it had a two-sided book."""
    home_won: bool


@dataclass(slots=True)
class BacktestResult:
    """Everything a run produced; :func:`summarize` turns it into the report."""

    leagues: tuple[League, ...]
    seed: int | None
    starting_balance: Decimal
    games: int = 0
    games_traded: int = 0
    orders: int = 0
    orders_unfilled: int = 0
    decisions: Counter[str] = field(default_factory=Counter)
    """Decision kind + reason → count (``enter:edge``, ``skip:no_edge`` …)."""
    fills: list[TradeFill] = field(default_factory=list)
    trades: list[ClosedTrade] = field(default_factory=list)
    equity: list[EquityPoint] = field(default_factory=list)
    forecasts: list[ForecastPoint] = field(default_factory=list)
    final_balance: Decimal = ZERO
    open_positions: int = 0
    """Positions still open at the end (unsettled games), marked in the final equity."""
    settings: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BacktestSummary:
    games: int
    games_traded: int
    orders: int
    orders_unfilled: int
    fills: int
    trades: int
    wins: int
    losses: int
    hit_rate: Decimal | None
    gross_pnl: Decimal
    fees: Decimal
    net_pnl: Decimal
    starting_balance: Decimal
    final_equity: Decimal
    return_pct: Decimal
    max_drawdown: Decimal
    max_drawdown_pct: Decimal
    average_trade: Decimal | None
    best_trade: Decimal | None
    worst_trade: Decimal | None
    fair_brier: Decimal | None
    """Over every live moment."""
    market_brier: Decimal | None
    """The home market's mid, over the live moments it had a two-sided book …"""
    fair_brier_quoted: Decimal | None
    """… and the fair value over those same moments (the like-for-like comparison)."""
    forecasts: int
    quoted_forecasts: int
    exit_reasons: tuple[tuple[str, int], ...]
    open_positions: int

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, Decimal):
                out[name] = str(value)
            elif name == "exit_reasons":
                out[name] = dict(value)
            else:
                out[name] = value
        return out


def _q(value: Decimal, places: Decimal = CENT) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_EVEN)


def max_drawdown(equity: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    """``(largest peak-to-trough fall in dollars, that fall as a fraction of its peak)``."""
    peak: Decimal | None = None
    worst, worst_pct = ZERO, ZERO
    for value in equity:
        if peak is None or value > peak:
            peak = value
        fall = peak - value
        if fall > worst:
            worst = fall
            worst_pct = fall / peak if peak > 0 else ZERO
    return worst, worst_pct


def brier(pairs: Iterable[tuple[Decimal, bool]]) -> tuple[Decimal | None, int]:
    """Mean squared error of probabilities against outcomes, and how many pairs there were."""
    total, n = ZERO, 0
    for p, happened in pairs:
        total += (p - (1 if happened else 0)) ** 2
        n += 1
    return (_q(total / n, PLACES) if n else None), n


def summarize(result: BacktestResult) -> BacktestSummary:
    trades = result.trades
    nets = [t.net_pnl for t in trades]
    wins = sum(1 for t in trades if t.won)
    gross = sum((t.gross_pnl for t in trades), ZERO)
    fees = sum((f.fee for f in result.fills), ZERO)
    equity = [point.equity for point in result.equity] or [result.starting_balance]
    final = equity[-1]
    drawdown, drawdown_pct = max_drawdown([result.starting_balance, *equity])
    fair_brier, n = brier((f.fair, f.home_won) for f in result.forecasts)
    quoted = [f for f in result.forecasts if f.market is not None]
    market_brier, n_quoted = brier((f.market, f.home_won) for f in quoted if f.market is not None)
    fair_quoted, _ = brier((f.fair, f.home_won) for f in quoted)
    reasons = Counter(t.exit_reason for t in trades)
    start = result.starting_balance
    return BacktestSummary(
        games=result.games,
        games_traded=result.games_traded,
        orders=result.orders,
        orders_unfilled=result.orders_unfilled,
        fills=sum(1 for f in result.fills if f.kind != "settle"),
        trades=len(trades),
        wins=wins,
        losses=len(trades) - wins,
        hit_rate=_q(Decimal(wins) / len(trades), PLACES) if trades else None,
        gross_pnl=_q(gross),
        fees=_q(fees),
        net_pnl=_q(final - start),
        starting_balance=_q(start),
        final_equity=_q(final),
        return_pct=_q((final - start) / start * 100) if start > 0 else ZERO,
        max_drawdown=_q(drawdown),
        max_drawdown_pct=_q(drawdown_pct * 100),
        average_trade=_q(sum(nets, ZERO) / len(nets)) if nets else None,
        best_trade=_q(max(nets)) if nets else None,
        worst_trade=_q(min(nets)) if nets else None,
        fair_brier=fair_brier,
        market_brier=market_brier,
        fair_brier_quoted=fair_quoted,
        forecasts=n,
        quoted_forecasts=n_quoted,
        exit_reasons=tuple(sorted(reasons.items(), key=lambda item: (-item[1], item[0]))),
        open_positions=result.open_positions,
    )


def _money(value: Decimal | None) -> str:
    if value is None:
        return "-"
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def _num(value: Decimal | None) -> str:
    return "-" if value is None else str(value)


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def format_report(result: BacktestResult, summary: BacktestSummary | None = None, *, trades: int = 10) -> str:
    """A plain-text report: the summary, exit reasons, and the ``trades`` largest wins/losses."""
    s = summary or summarize(result)
    leagues = ", ".join(league.value for league in result.leagues)
    lines = [
        f"Backtest: {leagues}  games={s.games}  seed={result.seed if result.seed is not None else '-'}",
        "",
        f"  games traded      {s.games_traded}",
        f"  orders            {s.orders}  (unfilled {s.orders_unfilled})",
        f"  fills             {s.fills}",
        f"  trades            {s.trades}  (won {s.wins}, lost {s.losses}, hit rate {_pct(s.hit_rate)})",
        f"  gross P&L         {_money(s.gross_pnl)}",
        f"  fees              {_money(s.fees)}",
        f"  net P&L           {_money(s.net_pnl)}  ({s.return_pct:.2f}% of {_money(s.starting_balance)})",
        f"  final equity      {_money(s.final_equity)}",
        f"  max drawdown      {_money(s.max_drawdown)}  ({s.max_drawdown_pct:.2f}%)",
        f"  per trade         avg {_money(s.average_trade)}  best {_money(s.best_trade)}  "
        f"worst {_money(s.worst_trade)}",
        f"  Brier (fair)      {_num(s.fair_brier)}  over {s.forecasts} live moments",
        f"  Brier (market)    {_num(s.market_brier)}  home market mid, vs fair {_num(s.fair_brier_quoted)} "
        f"on the same {s.quoted_forecasts} two-sided moments",
    ]
    if s.open_positions:
        lines.append(f"  still open        {s.open_positions} positions (games without a result)")
    if s.exit_reasons:
        lines.append("")
        lines.append("  exits: " + ", ".join(f"{reason} {count}" for reason, count in s.exit_reasons))
    if result.decisions:
        top = sorted(result.decisions.items(), key=lambda item: (-item[1], item[0]))[:8]
        lines.append("  decisions: " + ", ".join(f"{name} {count}" for name, count in top))
    if result.trades and trades > 0:
        lines.append("")
        lines.append("  largest trades (net):")
        ranked = sorted(result.trades, key=lambda t: (-abs(t.net_pnl), t.closed_at, t.market_ticker))[:trades]
        for t in ranked:
            lines.append(
                f"    {t.closed_at:%Y-%m-%d %H:%M} {t.market_ticker:<32} {t.side.value:<3} "
                f"{t.contracts.quantize(CENT):>7} @ {t.entry_price:.2f} -> {t.exit_price:.2f}  "
                f"{_money(t.net_pnl):>10}  {t.exit_reason}"
            )
    return "\n".join(lines) + "\n"
