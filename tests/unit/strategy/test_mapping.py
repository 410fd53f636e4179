"""ESPN game ↔ Kalshi game-winner markets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from inplay.sports.models import GameState, GameStatus, League, Phase, TeamState
from inplay.sports.teams import KALSHI_SERIES, kalshi_code, teams
from inplay.strategy import mapping
from inplay.strategy.mapping import (
    EXPIRATION_AFTER_START,
    MappingError,
    MarketMatch,
    TickerParseError,
    Unmatched,
    VenueMarket,
    eastern_date,
    event_ticker_for,
    game_markets,
    match_game,
    parse_event_ticker,
)
from inplay.venues.base import MarketStatus
from inplay.venues.kalshi.models import KalshiMarket

# ESPN team ids used below.
BOS, LAL, GS, NY = "2", "13", "9", "18"
CIN, BAL_NFL = "4", "33"
DET_MLB, CLE_MLB, COL_MLB, ARI_MLB = "6", "5", "27", "29"


def game(
    league: League,
    away_id: str,
    home_id: str,
    start: datetime,
    *,
    event_id: str = "401",
) -> GameState:
    return GameState(
        league=league,
        event_id=event_id,
        home=TeamState(team_id=home_id, abbreviation=f"H{home_id}", name=f"Home {home_id}"),
        away=TeamState(team_id=away_id, abbreviation=f"A{away_id}", name=f"Away {away_id}"),
        state=Phase.IN,
        completed=False,
        status=GameStatus.IN_PROGRESS,
        start_time=start,
    )


def market(
    event_ticker: str,
    code: str,
    *,
    start: datetime | None = None,
    status: str = "active",
) -> VenueMarket:
    """A market as the client lists it; ``start`` sets ``expected_expiration_time`` = start + 3 h."""
    body: dict[str, object] = {
        "ticker": f"{event_ticker}-{code}",
        "event_ticker": event_ticker,
        "status": status,
        "yes_sub_title": code,
        "title": "Away at Home Winner?",
    }
    if start is not None:
        body["expected_expiration_time"] = (start + EXPIRATION_AFTER_START).isoformat()
    venue_market = VenueMarket.from_kalshi(KalshiMarket.model_validate(body))
    assert venue_market is not None
    return venue_market


def event(event_ticker: str, away: str, home: str, *, start: datetime | None = None) -> list[VenueMarket]:
    return [market(event_ticker, away, start=start), market(event_ticker, home, start=start)]


def matched(result: MarketMatch | Unmatched) -> MarketMatch:
    assert isinstance(result, MarketMatch), getattr(result, "reason", result)
    return result


def unmatched(result: MarketMatch | Unmatched) -> str:
    assert isinstance(result, Unmatched), result
    return result.reason


# ---------------------------------------------------------------------------------------------
# Event tickers


def test_ticker_date_is_the_us_eastern_date_of_the_start():
    # CIN @ BAL at 8:20 PM ET on Nov 27: ESPN says 2025-11-28T01:20Z, Kalshi says 25NOV27.
    start = datetime(2025, 11, 28, 1, 20, tzinfo=UTC)
    assert eastern_date(start) == date(2025, 11, 27)
    assert event_ticker_for(League.NFL, start, "CIN", "BAL") == "KXNFLGAME-25NOV27CINBAL"
    # Half an hour earlier in UTC terms is the same ET evening; a morning UTC time is the same day.
    assert event_ticker_for(League.NFL, start + timedelta(hours=5), "CIN", "BAL") == "KXNFLGAME-25NOV28CINBAL"


def test_ticker_date_follows_daylight_saving_time():
    # 03:30Z is 11:30 PM EDT (previous day) in summer, but 10:30 PM EST in winter: both previous day.
    assert event_ticker_for(League.WNBA, datetime(2026, 7, 10, 3, 30, tzinfo=UTC), "IND", "PHX") == (
        "KXWNBAGAME-26JUL09INDPHX"
    )
    # 04:30Z is 12:30 AM EDT (same day) in summer but 11:30 PM EST (previous day) in winter.
    assert eastern_date(datetime(2026, 7, 10, 4, 30, tzinfo=UTC)) == date(2026, 7, 10)
    assert eastern_date(datetime(2026, 1, 10, 4, 30, tzinfo=UTC)) == date(2026, 1, 9)


def test_mlb_ticker_carries_the_eastern_start_time_and_doubleheader_game():
    start = datetime(2026, 5, 23, 1, 40, tzinfo=UTC)  # 9:40 PM EDT on May 22
    assert event_ticker_for(League.MLB, start, "COL", "AZ", hhmm=True) == "KXMLBGAME-26MAY222140COLAZ"
    first = datetime(2026, 9, 4, 18, 10, tzinfo=UTC)  # 2:10 PM EDT
    assert event_ticker_for(League.MLB, first, "DET", "CLE", hhmm=True, game=1) == (
        "KXMLBGAME-26SEP041410DETCLEG1"
    )


def test_ticker_for_hyphenated_college_code():
    start = datetime(2025, 12, 27, 20, 0, tzinfo=UTC)
    assert event_ticker_for(League.COLLEGE_FOOTBALL, start, "M-OH", "FRES") == "KXNCAAFGAME-25DEC27M-OHFRES"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start_utc": datetime(2026, 1, 1, 12, 0)}, "timezone-aware"),
        ({"away_code": "gsw"}, "not a Kalshi team code"),
        ({"home_code": "M-"}, "not a Kalshi team code"),
        ({"home_code": ""}, "not a Kalshi team code"),
        ({"game": 0}, "1-9"),
    ],
)
def test_ticker_for_refuses_bad_input(kwargs, message):
    args = {
        "start_utc": datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
        "away_code": "BOS",
        "home_code": "LAL",
        **kwargs,
    }
    with pytest.raises(MappingError, match=message):
        event_ticker_for(
            League.NBA, args.pop("start_utc"), args.pop("away_code"), args.pop("home_code"), **args
        )


def test_parse_plain_ticker():
    parsed = parse_event_ticker("KXNBAGAME", "KXNBAGAME-26MAR25BKNGSW")
    assert parsed.league is League.NBA
    assert parsed.day == date(2026, 3, 25)
    assert (parsed.start_et, parsed.start_utc, parsed.game) == (None, None, None)
    assert (parsed.teams, parsed.away, parsed.home) == ("BKNGSW", "BKN", "GSW")


def test_parse_mlb_start_time_and_doubleheader():
    parsed = parse_event_ticker("KXMLBGAME", "KXMLBGAME-26SEP041410DETCLEG1")
    assert parsed.day == date(2026, 9, 4)
    assert parsed.start_et == time(14, 10)
    assert parsed.start_utc == datetime(2026, 9, 4, 18, 10, tzinfo=UTC)
    assert parsed.game == 1
    assert (parsed.away, parsed.home) == ("DET", "CLE")
    second = parse_event_ticker("KXMLBGAME", "KXMLBGAME-26SEP041840DETCLEG2")
    assert (second.game, second.start_et) == (2, time(18, 40))
    winter = parse_event_ticker("KXMLBGAME", "KXMLBGAME-26MAR052005TEXKC")
    assert winter.start_utc == datetime(2026, 3, 6, 1, 5, tzinfo=UTC)  # 8:05 PM EST


def test_parse_hyphenated_college_codes():
    parsed = parse_event_ticker("KXNCAAFGAME", "KXNCAAFGAME-25DEC27M-OHFRES")
    assert (parsed.teams, parsed.away, parsed.home) == ("M-OHFRES", "M-OH", "FRES")
    home_hyphen = parse_event_ticker("KXNCAAFGAME", "KXNCAAFGAME-25DEC27FRESM-OH")
    assert (home_hyphen.away, home_hyphen.home) == ("FRES", "M-OH")


def test_parse_team_code_ending_in_g_is_not_a_doubleheader():
    parsed = parse_event_ticker("KXNCAAFGAME", "KXNCAAFGAME-26OCT03PITTRUTG")
    assert (parsed.away, parsed.home, parsed.game) == ("PITT", "RUTG", None)
    second = parse_event_ticker("KXNCAAFGAME", "KXNCAAFGAME-26OCT03PITTRUTGG2")
    assert (parsed.teams, second.teams, second.game) == ("PITTRUTG", "PITTRUTG", 2)


@pytest.mark.parametrize("league", list(KALSHI_SERIES))
def test_every_pair_of_codes_splits_one_way_only(league):
    series = KALSHI_SERIES[league]
    codes = [code for row in teams(league) for code in (row.kalshi, *row.aliases)]
    for away in codes:
        for home in codes:
            if away != home:
                parsed = parse_event_ticker(series, f"{series}-26JAN05{away}{home}")
                assert (parsed.away, parsed.home) == (away, home)


def test_parse_leaves_an_ambiguous_split_unsplit(monkeypatch):
    known = {"AB": "1", "CD": "2", "A": "3", "BCD": "4"}
    monkeypatch.setattr(mapping, "espn_team_id", lambda league, code: known.get(code))
    parsed = parse_event_ticker("KXNBAGAME", "KXNBAGAME-26JAN05ABCD")
    assert (parsed.teams, parsed.away, parsed.home) == ("ABCD", None, None)
    assert parse_event_ticker("KXNBAGAME", "KXNBAGAME-26JAN05ABBCD").away == "AB"


def test_parse_keeps_unknown_codes_unsplit():
    parsed = parse_event_ticker("KXNCAAMBGAME", "KXNCAAMBGAME-26JAN08RUTGILL")
    assert parsed.teams == "RUTGILL"
    assert (parsed.away, parsed.home) == (None, None)  # RUTG is not in the basketball table


@pytest.mark.parametrize(
    "ticker",
    [
        "KXNFLGAME-26MAR25BKNGSW",  # another series
        "KXNBAGAME-26ABC25BKNGSW",  # no such month
        "KXNBAGAME-26FEB30BKNGSW",  # no such day
        "KXNBAGAME-26MAR252460BKNGSW",  # no such time
        "KXNBAGAME-26MAR25",  # no teams
        "KXNBAGAME-26MAR25bkngsw",  # lower case
        "KXNBAGAME-26MAR25BKN--GSW",
        "KXNBAGAME26MAR25BKNGSW",
    ],
)
def test_parse_refuses_what_is_not_an_event_ticker(ticker):
    with pytest.raises(TickerParseError):
        parse_event_ticker("KXNBAGAME", ticker)


def test_built_tickers_parse_back():
    start = datetime(2026, 4, 29, 22, 40, tzinfo=UTC)
    for hhmm, game_number in ((False, None), (True, None), (True, 2)):
        ticker = event_ticker_for(League.MLB, start, "SF", "PHI", hhmm=hhmm, game=game_number)
        parsed = parse_event_ticker("KXMLBGAME", ticker)
        assert (parsed.away, parsed.home, parsed.game) == ("SF", "PHI", game_number)
        assert parsed.day == date(2026, 4, 29)
        assert parsed.start_utc == (start if hhmm else None)


# ---------------------------------------------------------------------------------------------
# Venue markets


def test_venue_market_from_kalshi():
    start = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)
    listed = market("KXNBAGAME-26NOV24BOSLAL", "LAL", start=start)
    assert listed.ticker == "KXNBAGAME-26NOV24BOSLAL-LAL"
    assert listed.team_code == "LAL"
    assert listed.status is MarketStatus.OPEN
    assert listed.venue_status == "active"
    assert listed.expected_start == start  # expected_expiration_time − 3 h
    assert listed.title == "Away at Home Winner?"
    assert listed.yes_sub_title == "LAL"


def test_venue_market_prefers_the_ticker_start_time():
    listed = market("KXMLBGAME-26APR291840SFPHI", "PHI", start=datetime(2026, 4, 29, 12, 0, tzinfo=UTC))
    assert listed.expected_start == datetime(2026, 4, 29, 22, 40, tzinfo=UTC)


def test_venue_market_without_times_has_no_start():
    assert market("KXNBAGAME-26NOV24BOSLAL", "BOS").expected_start is None


def test_venue_market_team_code_keeps_the_hyphen():
    listed = market("KXNCAAFGAME-25DEC27M-OHFRES", "M-OH")
    assert listed.team_code == "M-OH"
    foreign = VenueMarket("KXNBAGAME-X-BOS", "KXNBAGAME-Y", None, MarketStatus.OPEN, None)
    assert foreign.team_code is None


def test_venue_market_needs_an_event_ticker():
    raw = KalshiMarket.model_validate({"ticker": "KXNBAGAME-26NOV24BOSLAL-LAL", "status": "active"})
    assert VenueMarket.from_kalshi(raw) is None


class FakeLister:
    def __init__(self, markets: list[KalshiMarket]) -> None:
        self.markets = markets
        self.calls: list[tuple[str | None, str | None]] = []

    def iter_markets(self, *, series_ticker: str | None = None, status: str | None = None):
        self.calls.append((series_ticker, status))
        return iter(self.markets)


def test_game_markets_lists_the_league_series():
    raw = [
        {
            "ticker": "KXNBAGAME-26NOV24BOSLAL-LAL",
            "event_ticker": "KXNBAGAME-26NOV24BOSLAL",
            "status": "active",
        },
        {
            "ticker": "KXNBAGAME-26NOV24BOSLAL-BOS",
            "event_ticker": "KXNBAGAME-26NOV24BOSLAL",
            "status": "active",
        },
        {
            "ticker": "KXNBASPREAD-26NOV24BOSLAL-LAL5",
            "event_ticker": "KXNBASPREAD-26NOV24BOSLAL",
            "status": "active",
        },
        {"ticker": "KXNBAGAME-ORPHAN", "status": "active"},
    ]
    lister = FakeLister([KalshiMarket.model_validate(item) for item in raw])
    listed = game_markets(lister, League.NBA)
    assert lister.calls == [("KXNBAGAME", "open")]
    assert [m.ticker for m in listed] == ["KXNBAGAME-26NOV24BOSLAL-LAL", "KXNBAGAME-26NOV24BOSLAL-BOS"]
    game_markets(lister, League.NBA, status=None)
    assert lister.calls[-1] == ("KXNBAGAME", None)


# ---------------------------------------------------------------------------------------------
# Matching


NBA_START = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)  # 7:30 PM EST on Nov 24


def test_match_sets_the_yes_side_per_team():
    listings = event("KXNBAGAME-26NOV24BOSLAL", "BOS", "LAL", start=NBA_START)
    found = matched(match_game(game(League.NBA, BOS, LAL, NBA_START, event_id="4017"), listings))
    assert found == MarketMatch(
        league=League.NBA,
        event_id="4017",
        event_ticker="KXNBAGAME-26NOV24BOSLAL",
        home_ticker="KXNBAGAME-26NOV24BOSLAL-LAL",
        away_ticker="KXNBAGAME-26NOV24BOSLAL-BOS",
        home_team_id=LAL,
        away_team_id=BOS,
    )
    assert found.yes_team_id(found.home_ticker) == LAL
    assert found.yes_team_id(found.away_ticker) == BOS
    assert found.yes_is_home(found.home_ticker) and not found.yes_is_home(found.away_ticker)
    assert found.yes_probability(found.home_ticker, Decimal("0.62")) == Decimal("0.62")
    assert found.yes_probability(found.away_ticker, Decimal("0.62")) == Decimal("0.38")
    assert found.tickers == (found.home_ticker, found.away_ticker)
    with pytest.raises(MappingError, match="not a market of"):
        found.yes_team_id("KXNBAGAME-26NOV24BOSLAL-NYK")


def test_late_evening_game_matches_the_eastern_date_not_the_utc_date():
    start = datetime(2025, 11, 28, 1, 20, tzinfo=UTC)  # 8:20 PM EST on Nov 27
    listings = event("KXNFLGAME-25NOV27CINBAL", "CIN", "BAL", start=start)
    found = matched(match_game(game(League.NFL, CIN, BAL_NFL, start), listings))
    assert found.event_ticker == "KXNFLGAME-25NOV27CINBAL"


def test_late_evening_game_prefers_the_eastern_date_over_a_utc_dated_event():
    start = datetime(2025, 11, 28, 1, 20, tzinfo=UTC)
    listings = [
        *event("KXNFLGAME-25NOV28CINBAL", "CIN", "BAL"),  # dated by UTC, no start time
        *event("KXNFLGAME-25NOV27CINBAL", "CIN", "BAL", start=start),
    ]
    found = matched(match_game(game(League.NFL, CIN, BAL_NFL, start), listings))
    assert found.event_ticker == "KXNFLGAME-25NOV27CINBAL"


def test_event_without_start_time_matches_on_the_exact_date():
    listings = event("KXNBAGAME-26NOV24BOSLAL", "BOS", "LAL")
    assert matched(match_game(game(League.NBA, BOS, LAL, NBA_START), listings))


def test_falls_back_to_the_next_or_previous_day_when_the_start_confirms_it():
    start = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)  # 11:30 PM EST on Mar 1
    for ticker in ("KXNBAGAME-26MAR02BOSLAL", "KXNBAGAME-26FEB28BOSLAL"):
        listings = event(ticker, "BOS", "LAL", start=start + timedelta(minutes=20))
        assert matched(match_game(game(League.NBA, BOS, LAL, start), listings)).event_ticker == ticker


def test_exact_date_wins_over_a_day_off_event_that_also_fits():
    start = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)  # 11:30 PM EST on Mar 1
    listings = [
        *event("KXNBAGAME-26MAR02BOSLAL", "BOS", "LAL", start=start),
        *event("KXNBAGAME-26MAR01BOSLAL", "BOS", "LAL", start=start + timedelta(hours=2)),
    ]
    found = matched(match_game(game(League.NBA, BOS, LAL, start), listings))
    assert found.event_ticker == "KXNBAGAME-26MAR01BOSLAL"


def test_day_off_event_without_start_time_is_not_guessed():
    start = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)
    listings = event("KXNBAGAME-26MAR02BOSLAL", "BOS", "LAL")
    assert "no start time to confirm" in unmatched(match_game(game(League.NBA, BOS, LAL, start), listings))


def test_two_days_off_is_never_the_game():
    listings = event("KXNBAGAME-26NOV26BOSLAL", "BOS", "LAL", start=NBA_START)
    reason = unmatched(match_game(game(League.NBA, BOS, LAL, NBA_START), listings))
    assert "no KXNBAGAME event for BOS @ LAL on 2026-11-24 (US-Eastern) or ±1 day" in reason


@pytest.mark.parametrize("hours", [3, 4, -3.5, 24])
def test_start_window_refusal(hours):
    listings = event("KXNBAGAME-26NOV24BOSLAL", "BOS", "LAL", start=NBA_START + timedelta(hours=hours))
    reason = unmatched(match_game(game(League.NBA, BOS, LAL, NBA_START), listings))
    assert "from the ESPN start (window 3.0 h)" in reason
    assert "KXNBAGAME-26NOV24BOSLAL" in reason


def test_start_just_inside_the_window_matches():
    start = NBA_START + timedelta(hours=2, minutes=59)
    listings = event("KXNBAGAME-26NOV24BOSLAL", "BOS", "LAL", start=start)
    assert matched(match_game(game(League.NBA, BOS, LAL, NBA_START), listings))


def test_postponed_game_is_not_matched_to_the_original_date_market():
    original = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)
    listings = event("KXNBAGAME-26NOV24BOSLAL", "BOS", "LAL", start=original)
    moved = game(League.NBA, BOS, LAL, original + timedelta(days=1))
    assert "window" in unmatched(match_game(moved, listings))


def test_pair_is_unordered_for_neutral_site_games():
    # The venue lists LAL as the away team; ESPN has LAL at home. YES sides follow the team codes.
    listings = event("KXNBAGAME-26NOV24LALBOS", "LAL", "BOS", start=NBA_START)
    found = matched(match_game(game(League.NBA, BOS, LAL, NBA_START), listings))
    assert found.home_ticker == "KXNBAGAME-26NOV24LALBOS-LAL"
    assert found.away_ticker == "KXNBAGAME-26NOV24LALBOS-BOS"
    assert found.yes_team_id("KXNBAGAME-26NOV24LALBOS-LAL") == LAL


def test_other_games_and_series_are_ignored():
    listings = [
        *event("KXNBAGAME-26NOV24BOSNYK", "BOS", "NYK", start=NBA_START),
        *event("KXNBAGAME-26NOV24GSWLAL", "GSW", "LAL", start=NBA_START),
        *event("KXNBAGAME-26NOV17BOSLAL", "BOS", "LAL", start=NBA_START - timedelta(days=7)),
        market("KXNBASPREAD-26NOV24BOSLAL", "LAL", start=NBA_START),
        market("KXNFLGAME-26NOV24BOSLAL", "LAL", start=NBA_START),
        *event("KXNBAGAME-26NOV24BOSLAL", "BOS", "LAL", start=NBA_START),
    ]
    found = matched(match_game(game(League.NBA, BOS, LAL, NBA_START), listings))
    assert found.event_ticker == "KXNBAGAME-26NOV24BOSLAL"


def test_no_markets_at_all():
    reason = unmatched(match_game(game(League.NBA, BOS, LAL, NBA_START), []))
    assert reason == "no KXNBAGAME event for BOS @ LAL on 2026-11-24 (US-Eastern) or ±1 day"


def test_team_without_a_kalshi_code_is_unmatched():
    listings = event("KXNBAGAME-26NOV24BOSLAL", "BOS", "LAL", start=NBA_START)
    reason = unmatched(match_game(game(League.NBA, "999", LAL, NBA_START), listings))
    assert "no Kalshi team code for nba team Away 999 (ESPN id 999)" in reason


def test_event_listing_only_one_team_is_not_matched():
    listings = [market("KXNBAGAME-26NOV24BOSLAL", "LAL", start=NBA_START)]
    reason = unmatched(match_game(game(League.NBA, BOS, LAL, NBA_START), listings))
    assert "lists a market for only one of the two teams" in reason


def test_event_whose_market_codes_do_not_spell_its_ticker_is_not_matched():
    listings = [
        market("KXNBAGAME-26NOV24BOSLAL", "BOS", start=NBA_START),
        market("KXNBAGAME-26NOV24BOSLAL", "LAL", start=NBA_START),
        market("KXNBAGAME-26NOV24BOSLAL", "NYK", start=NBA_START),
    ]
    assert matched(match_game(game(League.NBA, BOS, LAL, NBA_START), listings[:2]))
    wrong = [
        market("KXNBAGAME-26NOV24BOSLAX", "BOS", start=NBA_START),
        market("KXNBAGAME-26NOV24BOSLAX", "LAL", start=NBA_START),
    ]
    reason = unmatched(match_game(game(League.NBA, BOS, LAL, NBA_START), wrong))
    assert "do not spell BOSLAX" in reason


def test_market_with_an_unknown_code_is_reported():
    listings = [
        market("KXNBAGAME-26NOV24BOSLAL", "LAL", start=NBA_START),
        market("KXNBAGAME-26NOV24BOSLAL", "XYZ", start=NBA_START),
    ]
    reason = unmatched(match_game(game(League.NBA, BOS, LAL, NBA_START), listings))
    assert "KXNBAGAME-26NOV24BOSLAL-XYZ names no known nba team" in reason


def test_duplicate_team_market_is_reported():
    listings = [
        market("KXNBAGAME-26NOV24BOSLAL", "LAL", start=NBA_START),
        VenueMarket(
            "KXNBAGAME-26NOV24BOSLAL-LAL", "KXNBAGAME-26NOV24BOSLAL", None, MarketStatus.OPEN, NBA_START
        ),
    ]
    reason = unmatched(match_game(game(League.NBA, BOS, LAL, NBA_START), listings))
    assert "two markets for one team" in reason


def test_espn_abbreviation_in_a_ticker_is_not_guessed_into_a_match():
    # Kalshi writes the Warriors GSW; an event spelled with ESPN's GS names no team.
    start = NBA_START
    listings = event("KXNBAGAME-26NOV24GSNY", "GS", "NY", start=start)
    assert isinstance(match_game(game(League.NBA, GS, NY, start), listings), Unmatched)
    listings = event("KXNBAGAME-26NOV24GSWNYK", "GSW", "NYK", start=start)
    found = matched(match_game(game(League.NBA, GS, NY, start), listings))
    assert (found.home_ticker, found.away_ticker) == (
        "KXNBAGAME-26NOV24GSWNYK-NYK",
        "KXNBAGAME-26NOV24GSWNYK-GSW",
    )


# (league, away ESPN id, home ESPN id, expected away code, expected home code): every mismatch.
MISMATCH_GAMES = [
    (League.NBA, "9", "18", "GSW", "NYK"),
    (League.NBA, "24", "3", "SAS", "NOP"),
    (League.NBA, "26", "27", "UTA", "WAS"),
    (League.NFL, "30", "28", "JAC", "WAS"),
    (League.MLB, "29", "4", "AZ", "CWS"),
    (League.MLB, "20", "10", "WSH", "NYY"),
    (League.WNBA, "18", "132052", "CONN", "PDX"),
    (League.COLLEGE_FOOTBALL, "193", "278", "M-OH", "FRES"),
    (League.MENS_COLLEGE_BASKETBALL, "193", "150", "M-OH", "DUKE"),
]


@pytest.mark.parametrize(("league", "away_id", "home_id", "away_code", "home_code"), MISMATCH_GAMES)
def test_every_code_mismatch_matches_by_team_id(league, away_id, home_id, away_code, home_code):
    start = datetime(2026, 9, 5, 23, 5, tzinfo=UTC)  # 7:05 PM EDT
    assert (kalshi_code(league, away_id), kalshi_code(league, home_id)) == (away_code, home_code)
    ticker = event_ticker_for(league, start, away_code, home_code, hhmm=league is League.MLB)
    assert ticker.startswith(f"{KALSHI_SERIES[league]}-26SEP05")
    found = matched(match_game(game(league, away_id, home_id, start), event(ticker, away_code, home_code)))
    assert found.home_ticker == f"{ticker}-{home_code}"
    assert found.away_ticker == f"{ticker}-{away_code}"
    assert found.yes_team_id(f"{ticker}-{home_code}") == home_id
    assert found.yes_team_id(f"{ticker}-{away_code}") == away_id


def test_hyphenated_college_codes_match():
    start = datetime(2025, 12, 27, 20, 0, tzinfo=UTC)
    listings = event("KXNCAAFGAME-25DEC27M-OHFRES", "M-OH", "FRES", start=start)
    found = matched(match_game(game(League.COLLEGE_FOOTBALL, "193", "278", start), listings))
    assert found.away_ticker == "KXNCAAFGAME-25DEC27M-OHFRES-M-OH"
    assert found.yes_team_id("KXNCAAFGAME-25DEC27M-OHFRES-M-OH") == "193"
    assert found.yes_team_id("KXNCAAFGAME-25DEC27M-OHFRES-FRES") == "278"


def test_alias_codes_in_tickers_match():
    start = datetime(2026, 3, 15, 23, 0, tzinfo=UTC)
    listings = event("KXNHLGAME-26MAR15BOSNJD", "BOS", "NJD", start=start)
    found = matched(match_game(game(League.NHL, "1", "11", start), listings))
    assert found.home_ticker == "KXNHLGAME-26MAR15BOSNJD-NJD"


# Doubleheaders: DET @ CLE, 2:10 PM and 6:40 PM EDT on Sep 4.
G1_START = datetime(2026, 9, 4, 18, 10, tzinfo=UTC)
G2_START = datetime(2026, 9, 4, 22, 40, tzinfo=UTC)
DOUBLEHEADER = [
    *event("KXMLBGAME-26SEP041410DETCLEG1", "DET", "CLE"),
    *event("KXMLBGAME-26SEP041840DETCLEG2", "DET", "CLE"),
]


def test_doubleheader_games_are_told_apart_by_start_time():
    first = matched(match_game(game(League.MLB, DET_MLB, CLE_MLB, G1_START, event_id="g1"), DOUBLEHEADER))
    second = matched(match_game(game(League.MLB, DET_MLB, CLE_MLB, G2_START, event_id="g2"), DOUBLEHEADER))
    assert first.event_ticker == "KXMLBGAME-26SEP041410DETCLEG1"
    assert second.event_ticker == "KXMLBGAME-26SEP041840DETCLEG2"
    assert second.home_ticker == "KXMLBGAME-26SEP041840DETCLEG2-CLE"
    # A delayed second game (ESPN moved it 2 h later) still finds G2, not G1.
    late = game(League.MLB, DET_MLB, CLE_MLB, G2_START + timedelta(hours=2))
    assert matched(match_game(late, DOUBLEHEADER)).event_ticker.endswith("G2")


def test_doubleheader_without_start_times_is_ambiguous():
    listings = [
        *event("KXMLBGAME-26SEP04DETCLEG1", "DET", "CLE"),
        *event("KXMLBGAME-26SEP04DETCLEG2", "DET", "CLE"),
    ]
    reason = unmatched(match_game(game(League.MLB, DET_MLB, CLE_MLB, G1_START), listings))
    assert reason.startswith("ambiguous:")
    assert "no start time to tell them apart" in reason
    assert "KXMLBGAME-26SEP04DETCLEG1" in reason and "KXMLBGAME-26SEP04DETCLEG2" in reason


def test_doubleheader_with_starts_too_close_to_tell_apart_is_ambiguous():
    listings = [
        *event("KXMLBGAME-26SEP041410DETCLEG1", "DET", "CLE"),
        *event("KXMLBGAME-26SEP041540DETCLEG2", "DET", "CLE"),
    ]
    between = datetime(2026, 9, 4, 18, 50, tzinfo=UTC)  # 2:50 PM: 40 and 50 minutes from each
    assert unmatched(match_game(game(League.MLB, DET_MLB, CLE_MLB, between), listings)).startswith(
        "ambiguous:"
    )


def test_mlb_hhmm_start_is_checked_against_the_espn_start():
    listings = event("KXMLBGAME-26MAY222140COLAZ", "COL", "AZ")
    on_time = datetime(2026, 5, 23, 1, 40, tzinfo=UTC)
    assert matched(match_game(game(League.MLB, COL_MLB, ARI_MLB, on_time), listings))
    afternoon = datetime(2026, 5, 22, 17, 10, tzinfo=UTC)  # 1:10 PM, 8.5 h before the ticker's start
    assert "window" in unmatched(match_game(game(League.MLB, COL_MLB, ARI_MLB, afternoon), listings))


def test_simulator_tickers_are_accepted():
    from local.kalshi_sim.clock import ManualClock
    from local.kalshi_sim.simulator import KalshiSimulator, Team
    from local.kalshi_sim.wire import market_json

    start = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)  # 7:30 PM EST, Nov 24
    sim = KalshiSimulator(seed=1, clock=ManualClock(start - timedelta(hours=1)), maintenance=False)
    cases = [
        (League.NBA, BOS, LAL),
        (League.MLB, "20", "29"),
        (League.COLLEGE_FOOTBALL, "193", "278"),
    ]
    for league, away_id, home_id in cases:
        away_code, home_code = kalshi_code(league, away_id), kalshi_code(league, home_id)
        assert away_code is not None and home_code is not None
        created = sim.add_game(
            Team(away_code, "Away"),
            Team(home_code, "Home"),
            series=KALSHI_SERIES[league],
            start_ms=int(start.timestamp() * 1000),
        )
        listings = []
        for ticker in (created.away_ticker, created.home_ticker):
            wire = market_json(sim.exchange.markets[ticker], sim.now_ms())
            venue_market = VenueMarket.from_kalshi(KalshiMarket.model_validate(wire))
            assert venue_market is not None
            listings.append(venue_market)
        found = matched(match_game(game(league, away_id, home_id, start), listings))
        assert found.event_ticker == created.event_ticker
        assert (found.home_ticker, found.away_ticker) == (created.home_ticker, created.away_ticker)
