"""ESPN-shaped JSON for the scoreboard and summary endpoints, built from :class:`View` snapshots.

Shapes follow ESPN's site API: scores are strings on the scoreboard and in the summary header,
integers in ``plays``; a pre-game summary's competitors have no ``score``; ``odds`` appear on the
scoreboard only before the start; ``situation`` only while live; ``winner`` only once decided.
Team logos are left out so a local dashboard never reaches ESPN's CDN.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from inplay.sports.models import League
from local.espn_replay._time import espn_day, espn_utc, iso_utc, pacific_midnight_utc
from local.espn_replay.model import Drive, FootballSpot, Line, Play, Side
from local.espn_replay.scenario import ReplayGame
from local.espn_replay.teams import TeamInfo
from local.espn_replay.view import View, current_bases, format_clock, period_labels

__all__ = ["LEAGUE_META", "LeagueMeta", "scoreboard_json", "season_year", "summary_json", "week_number"]

Json = dict[str, Any]
WallTime = Callable[[ReplayGame, float], datetime]
"""(game, timeline seconds) → the wall time the play happened (for ``wallclock``)."""


@dataclass(frozen=True, slots=True)
class LeagueMeta:
    id: str
    sport_id: str
    name: str
    abbreviation: str

    def uid(self) -> str:
        return f"s:{self.sport_id}~l:{self.id}"


LEAGUE_META: Final = {
    League.NBA: LeagueMeta("46", "40", "National Basketball Association", "NBA"),
    League.WNBA: LeagueMeta("59", "40", "Women's National Basketball Association", "WNBA"),
    League.MENS_COLLEGE_BASKETBALL: LeagueMeta("41", "40", "NCAA Men's Basketball", "NCAAM"),
    League.NFL: LeagueMeta("28", "20", "National Football League", "NFL"),
    League.COLLEGE_FOOTBALL: LeagueMeta("23", "20", "NCAA - Football", "NCAAF"),
    League.NHL: LeagueMeta("90", "70", "National Hockey League", "NHL"),
    League.MLB: LeagueMeta("10", "1", "Major League Baseball", "MLB"),
}
_DRIVE_RESULTS: Final = {
    "TD": "Touchdown",
    "FG": "Field Goal",
    "PUNT": "Punt",
    "INT": "Interception",
    "FUMBLE": "Fumble",
    "DOWNS": "Downs",
    "MISSED FG": "Missed FG",
    "SF": "Safety",
    "END OF HALF": "End of Half",
    "END OF GAME": "End of Game",
}


# --- calendar helpers ---------------------------------------------------------------------------
def season_year(league: League, day: date) -> int:
    """ESPN's ``season.year``: the ending year for NBA/NHL/college basketball, else the start year."""
    if league in (League.NBA, League.NHL, League.MENS_COLLEGE_BASKETBALL):
        return day.year + 1 if day.month >= 8 else day.year
    if league.sport == "football":
        return day.year if day.month >= 3 else day.year - 1
    return day.year


def week_number(league: League, day: date) -> int:
    """Approximate football week: counted from the first Thursday of September (clamped 1–18)."""
    year = season_year(league, day)
    first = date(year, 9, 1)
    first += timedelta(days=(3 - first.weekday()) % 7)
    if league is League.COLLEGE_FOOTBALL:
        first -= timedelta(days=7)
    return min(max((day - first).days // 7 + 1, 1), 18 if league is League.NFL else 16)


# --- small pieces -------------------------------------------------------------------------------
def _play_id(game: ReplayGame, play: Play) -> str:
    return f"{game.event_id}{play.seq:04d}"


def team_json(league: League, team: TeamInfo) -> Json:
    meta = LEAGUE_META[league]
    return {
        "id": team.id,
        "uid": f"{meta.uid()}~t:{team.id}",
        "location": team.location,
        "name": team.name,
        "abbreviation": team.abbreviation,
        "displayName": team.display_name,
        "shortDisplayName": team.short_display_name,
        "color": team.color,
        "alternateColor": "ffffff",
        "isActive": True,
    }


def status_json(view: View) -> Json:
    s = view.status
    body: Json = {
        "clock": view.clock,
        "displayClock": view.display_clock,
        "period": view.period,
        "type": {
            "id": s.id,
            "name": s.name,
            "state": s.state,
            "completed": s.completed,
            "description": s.description,
            "detail": s.detail,
            "shortDetail": s.short_detail,
        },
    }
    return body


def _venue_json(game: ReplayGame) -> Json:
    kind = {"basketball": "Arena", "hockey": "Arena", "football": "Stadium", "baseball": "Ballpark"}
    return {
        "id": game.venue_id,
        "fullName": f"{game.home.location} {kind[game.league.sport]}",
        "address": {"city": game.home.location},
        "indoor": game.league.sport in ("basketball", "hockey"),
    }


def linescores(view: View, side: Side) -> list[Json]:
    """Per-period points for periods this side has played so far (MLB: innings it has batted)."""
    if not view.started:
        return []
    script = view.game.script
    numbers: list[int] = []
    for segment in script.segments:
        if segment.start > view.elapsed:
            break
        batting_ok = segment.half is None or (segment.half == "top") == (side == "away")
        if batting_ok and segment.number not in numbers:
            numbers.append(segment.number)
    totals = dict.fromkeys(numbers, 0)
    for play in view.plays:
        if play.scorer == side and play.score_value and play.period in totals:
            totals[play.period] += play.score_value
    return [{"value": float(v), "displayValue": str(v), "period": n} for n, v in totals.items()]


def competitor_json(view: View, side: Side, *, summary: bool) -> Json:
    game = view.game
    team = game.home if side == "home" else game.away
    body: Json = {
        "id": team.id,
        "uid": f"{LEAGUE_META[game.league].uid()}~t:{team.id}",
        "type": "team",
        "order": 0 if side == "home" else 1,
        "homeAway": side,
    }
    if view.status.completed:
        body["winner"] = view.winner == side
    body["team"] = team_json(game.league, team)
    if not summary or view.started:
        body["score"] = str(view.score_of(side))
    if view.started:
        body["linescores"] = (
            [{"displayValue": ls["displayValue"]} for ls in linescores(view, side)]
            if summary
            else linescores(view, side)
        )
    if summary:
        body["record"] = []
        if game.league.sport == "football" and view.state == "in":
            spot = view.last_play.spot_after if view.last_play else None
            body["possession"] = spot is not None and spot.possession == side
    else:
        body["statistics"] = []
    return body


def _american(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def _line_number(value: float) -> str:
    text = f"{value:g}"
    return f"+{text}" if value > 0 else text


def odds_json(game: ReplayGame, *, pickcenter: bool = False) -> Json:
    line: Line = game.matchup.line
    home_fav = line.home_moneyline < line.away_moneyline
    fav = game.home if home_fav else game.away
    if line.moneyline_details:
        details = f"{fav.abbreviation} {_american(min(line.home_moneyline, line.away_moneyline))}"
    elif line.spread == 0:
        details = "EVEN"
    else:
        details = f"{(game.home if line.spread < 0 else game.away).abbreviation} {-abs(line.spread):g}"
    away_spread = -line.spread
    body: Json = {
        "provider": {"id": "100", "name": "DraftKings", "priority": 1},
        "details": details,
        "overUnder": line.over_under,
        "spread": line.spread,
        "overOdds": -110.0,
        "underOdds": -110.0,
        "awayTeamOdds": _team_odds(game, "away", not home_fav, pickcenter),
        "homeTeamOdds": _team_odds(game, "home", home_fav, pickcenter),
        "moneyline": {
            "displayName": "Moneyline",
            "shortDisplayName": "ML",
            "home": {
                "close": {"odds": _american(line.home_moneyline)},
                "open": {"odds": _american(line.home_moneyline)},
            },
            "away": {
                "close": {"odds": _american(line.away_moneyline)},
                "open": {"odds": _american(line.away_moneyline)},
            },
        },
        "pointSpread": {
            "displayName": "Spread",
            "shortDisplayName": "Spread",
            "home": {
                "close": {"line": _line_number(line.spread), "odds": "-110"},
                "open": {"line": _line_number(line.spread), "odds": "-110"},
            },
            "away": {
                "close": {"line": _line_number(away_spread), "odds": "-110"},
                "open": {"line": _line_number(away_spread), "odds": "-110"},
            },
        },
        "total": {
            "displayName": "Total",
            "shortDisplayName": "Total",
            "over": {
                "close": {"line": f"o{line.over_under:g}", "odds": "-110"},
                "open": {"line": f"o{line.over_under:g}", "odds": "-110"},
            },
            "under": {
                "close": {"line": f"u{line.over_under:g}", "odds": "-110"},
                "open": {"line": f"u{line.over_under:g}", "odds": "-110"},
            },
        },
    }
    return body


def _team_odds(game: ReplayGame, side: Side, favorite: bool, pickcenter: bool) -> Json:
    team = game.home if side == "home" else game.away
    line = game.matchup.line
    body: Json = {"favorite": favorite, "underdog": not favorite, "favoriteAtOpen": favorite}
    if pickcenter:
        body["moneyLine"] = line.home_moneyline if side == "home" else line.away_moneyline
        body["spreadOdds"] = -110.0
        body["teamId"] = team.id
    else:
        body["team"] = {
            "id": team.id,
            "abbreviation": team.abbreviation,
            "displayName": team.display_name,
            "name": team.name,
        }
    return body


# --- situation ----------------------------------------------------------------------------------
def _yard_text(game: ReplayGame, spot: FootballSpot) -> str:
    if spot.yard_line == 50:
        return "50"
    own = game.home if spot.possession == "home" else game.away
    opp = game.away if spot.possession == "home" else game.home
    return (
        f"{own.abbreviation} {spot.yard_line}"
        if spot.yard_line < 50
        else f"{opp.abbreviation} {100 - spot.yard_line}"
    )


def spot_json(game: ReplayGame, spot: FootballSpot) -> Json:
    team = game.home if spot.possession == "home" else game.away
    body: Json = {
        "down": spot.down,
        "distance": spot.distance,
        "yardLine": spot.yard_line,
        "yardsToEndzone": 100 - spot.yard_line,
        "possessionText": _yard_text(game, spot),
        "team": {"id": team.id},
    }
    if spot.down > 0:
        to_go = "Goal" if spot.distance >= 100 - spot.yard_line else str(spot.distance)
        short = f"{ordinal_down(spot.down)} & {to_go}"
        body["shortDownDistanceText"] = short
        body["downDistanceText"] = f"{short} at {_yard_text(game, spot)}"
    return body


def ordinal_down(down: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(down, f"{down}th")


def _seconds_left(view: View) -> int:
    league, segment = view.game.league, view.segment
    if segment is None or league.sport in ("baseball", "hockey"):
        return 0
    regulation = view.game.script.regulation_periods
    length = segment.length
    if view.period > regulation or length <= 0:
        return int(view.clock)
    return int((regulation - view.period) * length + view.clock)


def last_play_json(view: View, play: Play) -> Json:
    game = view.game
    body: Json = {
        "id": _play_id(game, play),
        "type": {"id": play.type_id, "text": play.type_text},
        "text": play.text,
        "scoreValue": play.score_value,
    }
    if play.team is not None:
        body["team"] = {"id": (game.home if play.team == "home" else game.away).id}
    if play.home_wp is not None:
        probability: Json = {
            "homeWinPercentage": play.home_wp,
            "awayWinPercentage": round(1 - play.home_wp, 3),
            "tiePercentage": 0.0,
        }
        if game.league.sport == "football":
            probability["secondsLeft"] = _seconds_left(view)
        body["probability"] = probability
    return body


def situation_json(view: View) -> Json | None:
    if view.state != "in":
        return None
    game, last = view.game, view.last_play
    body: Json = {}
    if game.league.sport == "football" and last is not None and last.spot_after is not None:
        spot = last.spot_after
        body.update(spot_json(game, spot))
        del body["team"]
        body["possession"] = (game.home if spot.possession == "home" else game.away).id
        body["isRedZone"] = spot.down > 0 and spot.yard_line >= 80
        body["homeTimeouts"], body["awayTimeouts"] = spot.home_timeouts, spot.away_timeouts
    elif game.league is League.MLB:
        bases = current_bases(view)
        if bases is not None:
            body.update(
                {
                    "balls": bases.balls,
                    "strikes": bases.strikes,
                    "outs": bases.outs,
                    "onFirst": bases.first,
                    "onSecond": bases.second,
                    "onThird": bases.third,
                }
            )
    if last is not None:
        body["lastPlay"] = last_play_json(view, last)
    return body


# --- scoreboard ---------------------------------------------------------------------------------
def competition_json(view: View, *, summary: bool = False) -> Json:
    game = view.game
    meta = LEAGUE_META[game.league]
    date_text = espn_utc(game.scheduled_start)
    status = status_json(view)
    if game.league is League.NFL:
        status["isTBDFlex"] = False
    body: Json = {
        "id": game.event_id,
        "uid": f"{meta.uid()}~e:{game.event_id}~c:{game.event_id}",
        "date": date_text,
    }
    if not summary:
        body.update(
            {
                "attendance": 0,
                "type": {"id": "1", "abbreviation": "STD"},
                "timeValid": True,
            }
        )
    body.update(
        {
            "neutralSite": game.matchup.neutral_site,
            "conferenceCompetition": False,
            "playByPlayAvailable": view.started,
            "recent": False,
        }
    )
    if not summary:
        body["venue"] = _venue_json(game)
    body["competitors"] = [
        competitor_json(view, "home", summary=summary),
        competitor_json(view, "away", summary=summary),
    ]
    situation = situation_json(view)
    if situation is not None and not summary:
        body["situation"] = situation
    body["status"] = status
    body["broadcasts"] = []
    if not summary:
        body["format"] = {"regulation": {"periods": game.script.regulation_periods}}
        body["startDate"] = date_text
        if view.state == "pre":
            body["odds"] = [odds_json(game)]
        body["geoBroadcasts"] = []
    return body


def event_json(view: View) -> Json:
    game = view.game
    meta = LEAGUE_META[game.league]
    day = espn_day(game.scheduled_start)
    joiner, short_joiner = ("vs", "VS") if game.matchup.neutral_site else ("at", "@")
    body: Json = {
        "id": game.event_id,
        "uid": f"{meta.uid()}~e:{game.event_id}",
        "date": espn_utc(game.scheduled_start),
        "name": f"{game.away.display_name} {joiner} {game.home.display_name}",
        "shortName": f"{game.away.abbreviation} {short_joiner} {game.home.abbreviation}",
        "season": {"year": season_year(game.league, day), "type": 2, "slug": "regular-season"},
    }
    if game.league.sport == "football":
        body["week"] = {"number": week_number(game.league, day)}
    body["competitions"] = [competition_json(view)]
    body["links"] = []
    body["status"] = status_json(view)
    return body


def _league_json(league: League, games: Sequence[ReplayGame], day: date) -> Json:
    meta = LEAGUE_META[league]
    year = season_year(league, day)
    days = sorted({espn_day(g.scheduled_start) for g in games if g.league is league} | {day})
    start, end = pacific_midnight_utc(days[0]), pacific_midnight_utc(days[-1] + timedelta(days=1))
    body: Json = {
        "id": meta.id,
        "uid": meta.uid(),
        "name": meta.name,
        "abbreviation": meta.abbreviation,
        "slug": league.value,
        "season": {
            "year": year,
            "startDate": espn_utc(start),
            "endDate": espn_utc(end - timedelta(minutes=1)),
            "displayName": str(year),
            "type": {"id": "2", "type": 2, "name": "Regular Season", "abbreviation": "reg"},
        },
        "logos": [],
        "calendarIsWhitelist": True,
        "calendarStartDate": espn_utc(start),
        "calendarEndDate": espn_utc(end - timedelta(minutes=1)),
    }
    if league.sport == "football":
        weeks = sorted({week_number(league, d) for d in days})
        body["calendarType"] = "list"
        body["calendar"] = [
            {
                "label": "Regular Season",
                "value": "2",
                "startDate": espn_utc(start),
                "endDate": espn_utc(end - timedelta(minutes=1)),
                "entries": [
                    {"label": f"Week {w}", "alternateLabel": f"Week {w}", "detail": "", "value": str(w)}
                    for w in weeks
                ],
            }
        ]
    else:
        body["calendarType"] = "day"
        body["calendar"] = [espn_utc(pacific_midnight_utc(d)) for d in days]
    return body


def scoreboard_json(
    league: League, views: Sequence[View], all_games: Sequence[ReplayGame], day: date
) -> Json:
    """``views``: the events to list (already filtered and ordered); ``day``: the day shown."""
    body: Json = {
        "leagues": [_league_json(league, all_games, day)],
        "season": {"type": 2, "year": season_year(league, day)},
        "day": {"date": day.isoformat()},
    }
    if league.sport == "football":
        body["week"] = {"number": week_number(league, day)}
    body["events"] = [event_json(v) for v in views]
    return body


# --- summary ------------------------------------------------------------------------------------
def _play_clock(league: League, play: Play, segment_length: float) -> str:
    if league is League.MLB or segment_length <= 0:
        return "0:00"
    return format_clock(league, play.clock)[1]


def _segment_lengths(game: ReplayGame) -> dict[int, float]:
    return {s.number: s.length for s in game.script.segments}


def play_json(view: View, play: Play, wall_time: WallTime, lengths: dict[int, float]) -> Json:
    game = view.game
    long, _ = period_labels(game.league, play.period)
    period: Json = {"number": play.period, "displayValue": long}
    if play.bases is not None:
        period["type"] = "Top" if play.bases.batting == "away" else "Bottom"
    body: Json = {
        "id": _play_id(game, play),
        "sequenceNumber": str(play.seq),
        "type": {"id": play.type_id, "text": play.type_text},
        "text": play.text,
        "awayScore": play.away_score,
        "homeScore": play.home_score,
        "period": period,
        "clock": {"displayValue": _play_clock(game.league, play, lengths.get(play.period, 0.0))},
        "scoringPlay": play.scoring,
        "scoreValue": play.score_value,
    }
    if play.team is not None:
        body["team"] = {"id": (game.home if play.team == "home" else game.away).id}
    if game.league.sport == "basketball":
        body["shootingPlay"] = play.type_id in ("92", "110", "98")
    if play.bases is not None:
        body["outs"] = play.bases.outs
    body["wallclock"] = iso_utc(wall_time(game, play.t))
    return body


def _football_play_json(view: View, play: Play, wall_time: WallTime, lengths: dict[int, float]) -> Json:
    game = view.game
    body = play_json(view, play, wall_time, lengths)
    body["period"] = {"number": play.period}
    body["priority"] = False
    body["modified"] = body["wallclock"]
    if play.spot_before is not None:
        body["start"] = spot_json(game, play.spot_before)
    if play.spot_after is not None:
        body["end"] = spot_json(game, play.spot_after)
    if play.stat_yardage is not None:
        body["statYardage"] = play.stat_yardage
    return body


def _game_seconds_at(play: Play, lengths: dict[int, float], regulation_length: float) -> float:
    length = lengths.get(play.period, regulation_length)
    return (play.period - 1) * regulation_length + (length - play.clock)


def _drive_origin(plays: list[Play], done: Drive | None) -> tuple[Side, int]:
    """(offense, starting spot) of a drive: the receiving team after a kickoff, else the first snap."""
    if done is not None:
        return done.team, done.start_yard_line
    first = plays[0]
    if first.type_text != "Kickoff" and first.spot_before is not None:
        return first.spot_before.possession, first.spot_before.yard_line
    if first.spot_after is not None:
        return first.spot_after.possession, first.spot_after.yard_line
    return "home", 25


def _drive_json(
    view: View,
    index: int,
    plays: list[Play],
    done: Drive | None,
    wall_time: WallTime,
    lengths: dict[int, float],
) -> Json:
    game = view.game
    first, last = plays[0], plays[-1]
    team_side, start_yl = _drive_origin(plays, done)
    team = game.home if team_side == "home" else game.away
    regulation_length = lengths.get(1, 900.0)
    seconds = max(
        int(
            _game_seconds_at(last, lengths, regulation_length)
            - _game_seconds_at(first, lengths, regulation_length)
        ),
        0,
    )
    offensive = [p for p in plays if p.type_text != "Kickoff"]
    end_yl = start_yl
    if done is not None:
        end_yl = done.end_yard_line
    elif last.spot_after is not None and last.spot_after.possession == team_side:
        end_yl = last.spot_after.yard_line
    yards = max(min(end_yl, 100) - start_yl, -99)
    elapsed_text = f"{seconds // 60}:{seconds % 60:02d}"
    body: Json = {
        "id": f"{game.event_id}{index + 1}",
        "description": f"{len(offensive)} plays, {yards} yards, {elapsed_text}",
        "team": {
            "id": team.id,
            "name": team.name,
            "abbreviation": team.abbreviation,
            "displayName": team.display_name,
            "shortDisplayName": team.short_display_name,
        },
        "start": {
            "period": {"type": "quarter", "number": first.period},
            "clock": {"displayValue": _play_clock(game.league, first, lengths.get(first.period, 0.0))},
            "yardLine": start_yl,
            "text": _yard_text(game, FootballSpot(team_side, 1, 10, min(max(start_yl, 1), 99))),
        },
        "timeElapsed": {"displayValue": elapsed_text},
        "yards": yards,
        "isScore": bool(done and done.result in ("TD", "FG")),
        "offensivePlays": len(offensive),
    }
    if done is not None:
        body["end"] = {
            "period": {"type": "quarter", "number": last.period},
            "clock": {"displayValue": _play_clock(game.league, last, lengths.get(last.period, 0.0))},
            "yardLine": done.end_yard_line,
        }
        body["result"] = done.result
        body["shortDisplayResult"] = done.result
        body["displayResult"] = _DRIVE_RESULTS.get(done.result, done.result.title())
    body["plays"] = [_football_play_json(view, p, wall_time, lengths) for p in plays]
    return body


def drives_json(view: View, wall_time: WallTime) -> Json:
    script = view.game.script
    lengths = _segment_lengths(view.game)
    finished = {d.index: d for d in script.drives if d.last_play < view.revealed}
    grouped: dict[int, list[Play]] = {}
    for play in view.plays:
        if play.drive is not None:
            grouped.setdefault(play.drive, []).append(play)
    previous = [
        _drive_json(view, i, plays, finished.get(i), wall_time, lengths) for i, plays in grouped.items()
    ]
    body: Json = {"previous": previous}
    if previous and view.state == "in" and max(grouped) not in finished:
        body["current"] = previous[-1]
    return body


def _scoring_type(play: Play) -> Json:
    if play.type_text.endswith("Touchdown"):
        return {"name": "touchdown", "displayName": "Touchdown", "abbreviation": "TD"}
    if play.type_text == "Safety":
        return {"name": "safety", "displayName": "Safety", "abbreviation": "SF"}
    if play.type_text == "Two-point Conversion":
        return {"name": "two-point-conversion", "displayName": "Two-Point Conversion", "abbreviation": "2PT"}
    return {"name": "field-goal", "displayName": "Field Goal", "abbreviation": "FG"}


def _header_json(view: View) -> Json:
    game = view.game
    meta = LEAGUE_META[game.league]
    day = espn_day(game.scheduled_start)
    body: Json = {
        "id": game.event_id,
        "uid": f"{meta.uid()}~e:{game.event_id}",
        "season": {"year": season_year(game.league, day), "type": 2},
        "timeValid": True,
        "competitions": [competition_json(view, summary=True)],
        "links": [],
    }
    if game.league.sport == "football":
        body["week"] = week_number(game.league, day)
    body["league"] = {
        "id": meta.id,
        "uid": meta.uid(),
        "name": meta.name,
        "abbreviation": meta.abbreviation,
        "midsizeName": meta.abbreviation,
        "slug": game.league.value,
        "isTournament": False,
        "links": [],
    }
    return body


def _predictor_json(view: View) -> Json:
    game = view.game
    home = round(game.matchup.line.home_win_prob * 100, 1)
    return {
        "header": "Matchup Predictor",
        "homeTeam": {
            "id": game.home.id,
            "gameProjection": f"{home:.1f}",
            "teamChanceLoss": f"{100 - home:.1f}",
        },
        "awayTeam": {
            "id": game.away.id,
            "gameProjection": f"{100 - home:.1f}",
            "teamChanceLoss": f"{home:.1f}",
        },
    }


def summary_json(view: View, wall_time: WallTime) -> Json:
    game = view.game
    league = game.league
    body: Json = {
        "boxscore": {
            "teams": [
                {
                    "team": team_json(league, game.away),
                    "statistics": [],
                    "displayOrder": 1,
                    "homeAway": "away",
                },
                {
                    "team": team_json(league, game.home),
                    "statistics": [],
                    "displayOrder": 2,
                    "homeAway": "home",
                },
            ],
            "players": [],
        },
        "format": {"regulation": {"periods": game.script.regulation_periods}},
        "gameInfo": {"venue": _venue_json(game)},
        "header": _header_json(view),
    }
    lengths = _segment_lengths(game)
    situation = situation_json(view)
    if situation is not None and league.sport in ("football", "baseball"):
        body["situation"] = situation
    if league.sport == "football":
        body["drives"] = drives_json(view, wall_time)
        body["scoringPlays"] = [
            {**_football_play_json(view, p, wall_time, lengths), "scoringType": _scoring_type(p)}
            for p in view.plays
            if p.scoring
        ]
    else:
        body["plays"] = [play_json(view, p, wall_time, lengths) for p in view.plays]
    if league is not League.NHL:
        entries = []
        for play in view.plays:
            if play.home_wp is None:
                continue
            entry: Json = {"homeWinPercentage": play.home_wp}
            if league.sport != "football":
                entry["tiePercentage"] = 0.0
            entry["playId"] = _play_id(game, play)
            entries.append(entry)
        body["winprobability"] = entries
        if view.state == "pre":
            body["predictor"] = _predictor_json(view)
    body["pickcenter"] = [] if game.special == "postponed" else [odds_json(game, pickcenter=True)]
    body["standings"] = {"groups": []}
    body["news"] = {"articles": []}
    return body
