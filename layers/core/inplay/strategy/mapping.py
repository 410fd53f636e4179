"""Which Kalshi game-winner markets an ESPN game trades on.

Kalshi names a game ``{SERIES}-{YY}{MON}{DD}[HHMM]{AWAY}{HOME}[G1|G2]`` (US-Eastern date of the
scheduled start; MLB adds the start as HHMM US-Eastern and ``G1``/``G2`` for doubleheaders) and lists
one market per team, ``{EVENT}-{TEAM}``, whose YES pays when that team wins. College codes may
contain a hyphen (``M-OH``), so team codes are never found by splitting a ticker on ``-``: each
market's code is what follows its own event ticker, and the event's team part must be exactly the two
codes concatenated.

A game matches an event when the event's two markets name the game's two ESPN teams (an unordered
pair: neutral-site games may list home and away the other way round), the event's Eastern date is
the game's (or ±1 day, for late starts and reschedules, only with a start time to confirm it) and the
two start times are less than :data:`START_WINDOW` apart. Anything unclear is :class:`Unmatched`
with the reason; a game is never matched by guesswork.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from inplay.sports.models import GameState, League
from inplay.sports.teams import CODE_PATTERN, KALSHI_SERIES, espn_team_id, kalshi_code, league_for_series
from inplay.venues.base import MarketStatus
from inplay.venues.kalshi.mapping import market_status
from inplay.venues.kalshi.models import KalshiMarket

__all__ = [
    "AMBIGUITY_MARGIN",
    "EASTERN",
    "EXPIRATION_AFTER_START",
    "START_WINDOW",
    "EventTicker",
    "MappingError",
    "MarketLister",
    "MarketMatch",
    "TickerParseError",
    "Unmatched",
    "VenueMarket",
    "eastern_date",
    "event_ticker_for",
    "game_markets",
    "match_game",
    "parse_event_ticker",
]

EASTERN: Final = ZoneInfo("America/New_York")
START_WINDOW: Final = timedelta(hours=3)
"""An event matches a game only when their scheduled starts are less than this apart."""
EXPIRATION_AFTER_START: Final = timedelta(hours=3)
"""Kalshi's ``expected_expiration_time`` is about the scheduled start plus this."""
AMBIGUITY_MARGIN: Final = timedelta(hours=1)
"""Two events for the same pair (a doubleheader) are told apart by start time only when the nearer
one is at least this much nearer than the other."""

_MONTHS: Final = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_EVENT_BODY: Final = re.compile(
    r"(?P<yy>\d{2})(?P<mon>[A-Z]{3})(?P<dd>\d{2})(?P<hhmm>\d{4})?"
    r"(?P<teams>[A-Z][A-Z-]*?)(?:G(?P<game>[1-9]))?"
)


class MappingError(ValueError):
    """Bad input to a mapping function (the message says what)."""


class TickerParseError(MappingError):
    """A string that is not a game-winner event ticker of the series."""


def eastern_date(moment: datetime) -> date:
    """The US-Eastern calendar date of an aware instant (Kalshi's ticker date)."""
    if moment.tzinfo is None:
        raise MappingError("a timezone-aware datetime is required")
    return moment.astimezone(EASTERN).date()


# ---------------------------------------------------------------------------------------------
# Event tickers


@dataclass(frozen=True, slots=True)
class EventTicker:
    """A parsed game-winner event ticker."""

    series: str
    league: League | None
    day: date
    """US-Eastern date of the scheduled start."""
    start_et: time | None
    """Scheduled start, US-Eastern wall time, when the ticker carries HHMM (MLB)."""
    game: int | None
    """Doubleheader game number (``G1`` → 1)."""
    teams: str
    """The away and home codes as the ticker writes them, concatenated."""
    away: str | None
    """Away code, when the team part splits into two known codes in exactly one way."""
    home: str | None

    @property
    def start_utc(self) -> datetime | None:
        if self.start_et is None:
            return None
        return datetime.combine(self.day, self.start_et, EASTERN).astimezone(UTC)


def event_ticker_for(
    league: League,
    start_utc: datetime,
    away_code: str,
    home_code: str,
    *,
    hhmm: bool = False,
    game: int | None = None,
) -> str:
    """The event ticker Kalshi gives a game: the US-Eastern date of ``start_utc`` (and its HHMM when
    ``hhmm``), away code then home code, then ``G{game}`` for a doubleheader game."""
    series = KALSHI_SERIES.get(league)
    if series is None:
        raise MappingError(f"no Kalshi game-winner series for league {league}")
    for code in (away_code, home_code):
        if not CODE_PATTERN.fullmatch(code):
            raise MappingError(f"not a Kalshi team code: {code!r}")
    if game is not None and not 1 <= game <= 9:
        raise MappingError(f"doubleheader game number must be 1-9, got {game}")
    if start_utc.tzinfo is None:
        raise MappingError("start_utc must be timezone-aware")
    local = start_utc.astimezone(EASTERN)
    clock = f"{local:%H%M}" if hhmm else ""
    suffix = f"G{game}" if game is not None else ""
    return f"{series}-{local:%y}{_MONTHS[local.month - 1]}{local:%d}{clock}{away_code}{home_code}{suffix}"


def parse_event_ticker(series: str, event_ticker: str) -> EventTicker:
    """Parse ``event_ticker`` of ``series``; :class:`TickerParseError` when it is not one."""
    prefix = f"{series}-"
    if not event_ticker.startswith(prefix):
        raise TickerParseError(f"{event_ticker!r} is not an event of series {series}")
    body = event_ticker[len(prefix) :]
    found = _EVENT_BODY.fullmatch(body)
    if found is None:
        raise TickerParseError(f"{event_ticker!r}: expected YYMONDD[HHMM]<AWAY><HOME>[G1|G2]")
    month = found["mon"]
    if month not in _MONTHS:
        raise TickerParseError(f"{event_ticker!r}: unknown month {month!r}")
    try:
        day = date(2000 + int(found["yy"]), _MONTHS.index(month) + 1, int(found["dd"]))
    except ValueError as exc:
        raise TickerParseError(f"{event_ticker!r}: bad date ({exc})") from None
    start_et: time | None = None
    if found["hhmm"] is not None:
        hours, minutes = int(found["hhmm"][:2]), int(found["hhmm"][2:])
        if hours > 23 or minutes > 59:
            raise TickerParseError(f"{event_ticker!r}: bad start time {found['hhmm']}")
        start_et = time(hours, minutes)
    teams = found["teams"]
    if teams.endswith("-") or "--" in teams:
        raise TickerParseError(f"{event_ticker!r}: bad team codes {teams!r}")
    league = league_for_series(series)
    away, home = _split_teams(league, teams) if league is not None else (None, None)
    game = int(found["game"]) if found["game"] is not None else None
    return EventTicker(series, league, day, start_et, game, teams, away, home)


def _split_teams(league: League, teams: str) -> tuple[str | None, str | None]:
    splits = [
        (teams[:cut], teams[cut:])
        for cut in range(1, len(teams))
        if espn_team_id(league, teams[:cut]) is not None and espn_team_id(league, teams[cut:]) is not None
    ]
    return splits[0] if len(splits) == 1 else (None, None)


# ---------------------------------------------------------------------------------------------
# Venue markets


@dataclass(frozen=True, slots=True)
class VenueMarket:
    """One game-winner market as listed by the venue (enough to match it to a game)."""

    ticker: str
    event_ticker: str
    yes_sub_title: str | None
    status: MarketStatus
    expected_start: datetime | None
    """Scheduled start: the ticker's HHMM when it has one, else ``expected_expiration_time`` − 3 h."""
    title: str | None = None
    venue_status: str | None = None
    """The venue's own status word (``active``, ``finalized``…)."""

    @property
    def team_code(self) -> str | None:
        """The team this market's YES is on: what follows ``{event_ticker}-`` in the ticker."""
        prefix = f"{self.event_ticker}-"
        if not self.ticker.startswith(prefix):
            return None
        code = self.ticker[len(prefix) :]
        return code if CODE_PATTERN.fullmatch(code) else None

    @classmethod
    def from_kalshi(cls, market: KalshiMarket) -> VenueMarket | None:
        """``None`` for a market without an event ticker (it cannot be placed in a game)."""
        if not market.event_ticker:
            return None
        expected_start: datetime | None = None
        series = market.event_ticker.split("-", 1)[0]
        try:
            expected_start = parse_event_ticker(series, market.event_ticker).start_utc
        except TickerParseError:
            expected_start = None
        if expected_start is None and market.expected_expiration_time is not None:
            expected_start = market.expected_expiration_time - EXPIRATION_AFTER_START
        return cls(
            ticker=market.ticker,
            event_ticker=market.event_ticker,
            yes_sub_title=market.yes_sub_title,
            status=market_status(market.status),
            expected_start=expected_start,
            title=market.title,
            venue_status=market.status,
        )


class MarketLister(Protocol):
    """What :func:`game_markets` needs of a venue client (``KalshiClient`` is one)."""

    def iter_markets(
        self, *, series_ticker: str | None = None, status: str | None = None
    ) -> Iterable[KalshiMarket]: ...


def game_markets(client: MarketLister, league: League, *, status: str | None = "open") -> list[VenueMarket]:
    """The league's game-winner markets (by default the open ones)."""
    series = KALSHI_SERIES.get(league)
    if series is None:
        return []
    prefix = f"{series}-"
    found = []
    for market in client.iter_markets(series_ticker=series, status=status):
        venue_market = VenueMarket.from_kalshi(market)
        if venue_market is not None and venue_market.event_ticker.startswith(prefix):
            found.append(venue_market)
    return found


# ---------------------------------------------------------------------------------------------
# Matching


@dataclass(frozen=True, slots=True)
class MarketMatch:
    """The two markets of a game; each market's YES is one ESPN team winning."""

    league: League
    event_id: str
    event_ticker: str
    home_ticker: str
    away_ticker: str
    home_team_id: str
    away_team_id: str

    @property
    def tickers(self) -> tuple[str, str]:
        return (self.home_ticker, self.away_ticker)

    def yes_team_id(self, ticker: str) -> str:
        """The ESPN team id whose win pays YES on ``ticker``."""
        return self.home_team_id if self.yes_is_home(ticker) else self.away_team_id

    def yes_is_home(self, ticker: str) -> bool:
        if ticker == self.home_ticker:
            return True
        if ticker == self.away_ticker:
            return False
        raise MappingError(f"{ticker} is not a market of {self.event_ticker}")

    def yes_probability(self, ticker: str, home_win: Decimal) -> Decimal:
        """The chance YES pays on ``ticker``, given the home team's win probability."""
        return home_win if self.yes_is_home(ticker) else Decimal(1) - home_win


@dataclass(frozen=True, slots=True)
class Unmatched:
    """A game with no market to trade, and why."""

    reason: str


@dataclass(slots=True)
class _Event:
    ticker: str
    parsed: EventTicker
    markets: dict[str, VenueMarket] = field(default_factory=dict)
    """By ESPN team id."""
    problem: str | None = None

    def start(self) -> datetime | None:
        if self.parsed.start_utc is not None:
            return self.parsed.start_utc
        starts = sorted(m.expected_start for m in self.markets.values() if m.expected_start is not None)
        return starts[0] if starts else None


def _events(league: League, series: str, markets: Sequence[VenueMarket]) -> list[_Event]:
    grouped: dict[str, list[VenueMarket]] = {}
    for market in markets:
        if market.event_ticker.startswith(f"{series}-"):
            grouped.setdefault(market.event_ticker, []).append(market)
    events = []
    for ticker, listed in grouped.items():
        try:
            parsed = parse_event_ticker(series, ticker)
        except TickerParseError:
            continue
        event = _Event(ticker, parsed)
        codes = []
        for market in listed:
            code = market.team_code
            team_id = None if code is None else espn_team_id(league, code)
            if code is None or team_id is None:
                event.problem = f"{market.ticker} names no known {league.value} team"
                break
            if team_id in event.markets:
                event.problem = f"{ticker} lists two markets for one team"
                break
            event.markets[team_id] = market
            codes.append(code)
        spelled = {codes[0] + codes[1], codes[1] + codes[0]} if len(codes) == 2 else {parsed.teams}
        if event.problem is None and parsed.teams not in spelled:
            event.problem = f"{ticker}: market codes {codes[0]}/{codes[1]} do not spell {parsed.teams}"
        events.append(event)
    return events


def _hours(delta: timedelta) -> str:
    return f"{abs(delta).total_seconds() / 3600:.1f} h"


def match_game(game: GameState, markets: Sequence[VenueMarket]) -> MarketMatch | Unmatched:
    """The event and markets of ``game`` among ``markets`` (its league's listing), or why not."""
    series = KALSHI_SERIES.get(game.league)
    if series is None:
        return Unmatched(f"no Kalshi game-winner series for {game.league.value}")
    codes = {}
    for side in (game.away, game.home):
        code = kalshi_code(game.league, side.team_id)
        if code is None:
            return Unmatched(
                f"no Kalshi team code for {game.league.value} team {side.name or side.abbreviation} "
                f"(ESPN id {side.team_id})"
            )
        codes[side.team_id] = code
    if game.home.team_id == game.away.team_id:
        return Unmatched(f"ESPN lists team {game.home.team_id} on both sides")
    label = f"{codes[game.away.team_id]} @ {codes[game.home.team_id]}"
    pair = {game.home.team_id, game.away.team_id}
    day = eastern_date(game.start_time)

    notes: list[str] = []
    by_offset: dict[int, list[tuple[_Event, timedelta | None]]] = {0: [], 1: []}
    for event in _events(game.league, series, markets):
        offset = abs((event.parsed.day - day).days)
        if offset > 1 or not set(event.markets) <= pair or not event.markets:
            continue
        if event.problem is not None:
            notes.append(event.problem)
            continue
        if set(event.markets) != pair:
            notes.append(f"{event.ticker} lists a market for only one of the two teams")
            continue
        start = event.start()
        diff = None if start is None else start - game.start_time
        if diff is not None and abs(diff) >= START_WINDOW:
            notes.append(
                f"{event.ticker} starts {_hours(diff)} from the ESPN start (window {_hours(START_WINDOW)})"
            )
            continue
        if offset == 1 and diff is None:
            notes.append(f"{event.ticker} is dated a day off and has no start time to confirm it")
            continue
        by_offset[offset].append((event, diff))

    for offset in (0, 1):
        accepted = by_offset[offset]
        if not accepted:
            continue
        chosen = _choose(accepted)
        if isinstance(chosen, Unmatched):
            return chosen
        home = chosen.markets[game.home.team_id]
        away = chosen.markets[game.away.team_id]
        return MarketMatch(
            league=game.league,
            event_id=game.event_id,
            event_ticker=chosen.ticker,
            home_ticker=home.ticker,
            away_ticker=away.ticker,
            home_team_id=game.home.team_id,
            away_team_id=game.away.team_id,
        )
    detail = f": {'; '.join(notes)}" if notes else ""
    return Unmatched(f"no {series} event for {label} on {day.isoformat()} (US-Eastern) or ±1 day{detail}")


def _choose(accepted: list[tuple[_Event, timedelta | None]]) -> _Event | Unmatched:
    """One event, or the two or more that cannot be told apart (a doubleheader without times)."""
    if len(accepted) == 1:
        return accepted[0][0]
    names = ", ".join(sorted(event.ticker for event, _ in accepted))
    if any(diff is None for _, diff in accepted):
        return Unmatched(f"ambiguous: {names} all fit and some have no start time to tell them apart")
    ranked = sorted(accepted, key=lambda item: abs(item[1] or timedelta()))
    best, runner_up = abs(ranked[0][1] or timedelta()), abs(ranked[1][1] or timedelta())
    if runner_up - best < AMBIGUITY_MARGIN:
        margin = _hours(AMBIGUITY_MARGIN)
        return Unmatched(f"ambiguous: {names} fit the ESPN start within {margin} of each other")
    return ranked[0][0]
