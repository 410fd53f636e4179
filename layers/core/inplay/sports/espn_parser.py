"""ESPN site-API JSON (scoreboard and summary) → :class:`GameState`.

Rules:

- Identity and status fields (event id, teams, ``status.type``, start time) are required: a payload
  without them raises :class:`EspnPayloadError`. Numbers there must have the right type.
- Auxiliary fields (odds, ESPN win probability, live situation) are best effort: absent or
  malformed pieces become ``None`` and never sink the game.
- Every JSON number becomes a ``Decimal`` through ``str()``; no float survives.
- ``state == "post"`` does not mean final: see :attr:`GameState.is_final`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from pydantic import ValidationError

from inplay.sports.models import GameState, GameStatus, League, Phase, TeamState

__all__ = [
    "EspnError",
    "EspnPayloadError",
    "detect_league",
    "map_status",
    "parse_american_odds",
    "parse_payload",
    "parse_score",
    "parse_scoreboard",
    "parse_summary",
]


class EspnError(Exception):
    """Base class of every ESPN ingestion error."""


class EspnPayloadError(EspnError, ValueError):
    """The JSON is not a usable ESPN scoreboard or summary; the message says what is wrong."""


ESPN_LEAGUE_IDS: Final = {
    "46": League.NBA,
    "59": League.WNBA,
    "28": League.NFL,
    "90": League.NHL,
    "10": League.MLB,
    "23": League.COLLEGE_FOOTBALL,
    "41": League.MENS_COLLEGE_BASKETBALL,
}
"""ESPN's numeric league ids (``leagues[0].id``, ``uid`` ``l:NN``); used only when the slug is absent."""

_STATUS_NAMES: Final = {
    "STATUS_SCHEDULED": GameStatus.SCHEDULED,
    "STATUS_IN_PROGRESS": GameStatus.IN_PROGRESS,
    "STATUS_HALFTIME": GameStatus.HALFTIME,
    "STATUS_END_PERIOD": GameStatus.END_PERIOD,
    "STATUS_FINAL": GameStatus.FINAL,
    "STATUS_FULL_TIME": GameStatus.FINAL,
    "STATUS_POSTPONED": GameStatus.POSTPONED,
    "STATUS_SUSPENDED": GameStatus.SUSPENDED,
    "STATUS_DELAYED": GameStatus.DELAYED,
    "STATUS_RAIN_DELAY": GameStatus.DELAYED,
    "STATUS_CANCELED": GameStatus.CANCELED,
    "STATUS_CANCELLED": GameStatus.CANCELED,
}
_STATUS_IDS: Final = {
    "1": GameStatus.SCHEDULED,
    "2": GameStatus.IN_PROGRESS,
    "3": GameStatus.FINAL,
    "6": GameStatus.POSTPONED,
    "8": GameStatus.SUSPENDED,
    "23": GameStatus.HALFTIME,
}
"""``status.type.id`` values seen in captures; only used when ``name`` is missing."""

_SPREAD_SPORTS: Final = frozenset({"basketball", "football"})
"""Sports whose ``odds.details`` is a point spread ("BOS -3.5"). MLB/NHL ``details`` is a moneyline."""
_DETAILS_RE: Final = re.compile(r"^\s*(?P<team>\S.*?)\s+(?P<line>[+-]?\d+(?:\.\d+)?)\s*$")
_PICKEM: Final = frozenset({"EVEN", "PK", "PICK", "PICKEM", "PICK'EM"})
_CLOCK_RE: Final = re.compile(r"^\s*(?:(?P<min>\d+):)?(?P<sec>\d+(?:\.\d+)?)\s*$")
_AMERICAN_RE: Final = re.compile(r"^[+-]?\d{1,7}$")
_MAX_INT_DIGITS: Final = 15
"""Integers past 10**15 are nonsense here (and a string like "1e999999999" must not become one)."""

_SITUATION_INTS: Final = (
    ("down", "down"),
    ("distance", "distance"),
    ("yardLine", "yard_line"),
    ("homeTimeouts", "home_timeouts"),
    ("awayTimeouts", "away_timeouts"),
    ("balls", "balls"),
    ("strikes", "strikes"),
    ("outs", "outs"),
)
_SITUATION_BOOLS: Final = (("isRedZone", "is_red_zone"),)
_SITUATION_BASES: Final = (("onFirst", "on_first"), ("onSecond", "on_second"), ("onThird", "on_third"))
_SITUATION_TEXTS: Final = (("downDistanceText", "down_distance_text"),)


# --------------------------------------------------------------------------- public API


def parse_payload(
    payload: object,
    league: League | str | None = None,
    *,
    errors: list[EspnPayloadError] | None = None,
) -> list[GameState]:
    """Parse a scoreboard (``events``) or a summary (``header``), whichever ``payload`` is."""
    obj = _require_object(payload, "payload")
    if "events" in obj:
        return parse_scoreboard(obj, league, errors=errors)
    if "header" in obj:
        return [parse_summary(obj, league)]
    raise EspnPayloadError("not an ESPN scoreboard or summary: no 'events' and no 'header'")


def parse_scoreboard(
    payload: Mapping[str, Any],
    league: League | str | None = None,
    *,
    errors: list[EspnPayloadError] | None = None,
) -> list[GameState]:
    """Every game of a scoreboard payload, in ESPN's order.

    One malformed event raises, unless ``errors`` is given: then that event's error is appended
    to it and the event is skipped, so one bad game does not hide the rest of the day.
    """
    obj = _require_object(payload, "scoreboard")
    leagues = obj.get("leagues")
    named = leagues[0] if isinstance(leagues, list) and leagues else None
    resolved = detect_league(named, league)
    events = obj.get("events")
    if not isinstance(events, list):
        raise EspnPayloadError("scoreboard has no 'events' list")
    games: list[GameState] = []
    for index, event in enumerate(events):
        try:
            games.append(_parse_event(event, resolved, index))
        except EspnPayloadError as exc:
            if errors is None:
                raise
            errors.append(exc)
    return games


def parse_summary(payload: Mapping[str, Any], league: League | str | None = None) -> GameState:
    """The one game of a ``summary?event=ID`` payload (``header`` + ``winprobability`` + odds)."""
    obj = _require_object(payload, "summary")
    header = obj.get("header")
    if not isinstance(header, Mapping):
        raise EspnPayloadError("summary has no 'header' object")
    resolved = detect_league(header.get("league"), league)
    competition = _first_competition(header, "summary header")
    event_id = _event_id(header.get("id"), competition.get("id"), where="summary header")
    where = f"event {event_id}"
    home, away = _teams(competition, where, play_scores=_last_play_scores(obj))
    odds = _first_object(obj.get("pickcenter")) or _first_object(obj.get("odds"))
    odds = odds or _first_object(competition.get("odds"))
    situation = competition.get("situation")
    if not isinstance(situation, Mapping):
        situation = obj.get("situation")
    return _build(
        league=resolved,
        event_id=event_id,
        name=_opt_text(header.get("name")) or f"{away.name} at {home.name}",
        home=home,
        away=away,
        competition=competition,
        status=competition.get("status", header.get("status")),
        start=competition.get("date") or competition.get("startDate") or header.get("date"),
        home_win_prob=_summary_win_prob(obj.get("winprobability")),
        odds=odds,
        situation=situation,
        where=where,
    )


def detect_league(named: object, given: League | str | None) -> League:
    """The league a payload is for: the one it names (``slug``, else ESPN's numeric ``id``), checked
    against ``given``; ``given`` alone when the payload names none."""
    wanted: League | None = None
    if given is not None:
        try:
            wanted = League(given)
        except ValueError:
            raise EspnPayloadError(f"unknown league {given!r}; known: {[x.value for x in League]}") from None
    found: League | None = None
    if isinstance(named, Mapping):
        slug = named.get("slug")
        league_id = named.get("id")
        if isinstance(slug, str) and slug:
            try:
                found = League(slug)
            except ValueError:
                raise EspnPayloadError(f"payload is for unsupported league {slug!r}") from None
        elif isinstance(league_id, str | int) and not isinstance(league_id, bool):
            found = ESPN_LEAGUE_IDS.get(str(league_id))
    if found is None:
        if wanted is None:
            raise EspnPayloadError("league not given and not in payload")
        return wanted
    if wanted is not None and wanted is not found:
        raise EspnPayloadError(f"payload is for league {found.value!r}, not {wanted.value!r}")
    return found


def map_status(name: object, type_id: object = None) -> GameStatus:
    """Fold ESPN's ``status.type.name`` (or, without one, its ``id``) into :class:`GameStatus`."""
    if isinstance(name, str) and name:
        upper = name.upper()
        if upper in _STATUS_NAMES:
            return _STATUS_NAMES[upper]
        if upper.startswith("STATUS_FINAL"):  # STATUS_FINAL_OT, STATUS_FINAL_PEN, ...
            return GameStatus.FINAL
        return GameStatus.UNKNOWN
    if isinstance(type_id, str | int) and not isinstance(type_id, bool):
        return _STATUS_IDS.get(str(type_id), GameStatus.UNKNOWN)
    return GameStatus.UNKNOWN


def parse_score(value: object) -> int | None:
    """A competitor score: ``"87"`` on the scoreboard, ``87`` in plays, ``{"value": 87.0}`` in the
    core API, absent before a pre-game summary (``None``). Anything else raises."""
    if value is None or value == "":
        return None
    if isinstance(value, Mapping):
        value = value.get("value", value.get("displayValue"))
        if value is None:
            return None
    number = _int(value, "score")
    if number is None or number < 0:
        raise EspnPayloadError(f"score must be a non-negative integer, got {value!r}")
    return number


def parse_american_odds(value: object) -> int | None:
    """American odds: ``"+114"``, ``"-130"``, ``"EVEN"`` (+100) or an old numeric ``-440``.
    ``None`` for anything else ("OFF", "", |odds| < 100)."""
    number: int | None = None
    if isinstance(value, str):
        text = value.strip().upper()
        if text in _PICKEM:
            return 100
        if _AMERICAN_RE.match(text):
            number = int(text)
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        decimal = _lenient_decimal(value)
        if decimal is not None and decimal == decimal.to_integral_value():
            number = int(decimal)
    if number is None or abs(number) < 100:
        return None
    return number


# --------------------------------------------------------------------------- events


def _parse_event(event: object, league: League, index: int) -> GameState:
    where = f"events[{index}]"
    obj = _require_object(event, where)
    competition = _first_competition(obj, where)
    event_id = _event_id(obj.get("id"), competition.get("id"), where=where)
    where = f"event {event_id}"
    home, away = _teams(competition, where)
    situation = competition.get("situation")
    return _build(
        league=league,
        event_id=event_id,
        name=_opt_text(obj.get("name")),
        home=home,
        away=away,
        competition=competition,
        status=competition.get("status", obj.get("status")),
        start=obj.get("date") or competition.get("date") or competition.get("startDate"),
        home_win_prob=_scoreboard_win_prob(situation),
        odds=_first_object(competition.get("odds")),
        situation=situation,
        where=where,
    )


def _build(
    *,
    league: League,
    event_id: str,
    name: str | None,
    home: TeamState,
    away: TeamState,
    competition: Mapping[str, Any],
    status: object,
    start: object,
    home_win_prob: Decimal | None,
    odds: Mapping[str, Any] | None,
    situation: object,
    where: str,
) -> GameState:
    status_obj = _require_object(status, f"{where}: status")
    status_type = _require_object(status_obj.get("type"), f"{where}: status.type")
    state_raw = status_type.get("state")
    try:
        state = Phase(str(state_raw))
    except ValueError:
        raise EspnPayloadError(f"{where}: status.type.state must be pre/in/post, got {state_raw!r}") from None
    completed = status_type.get("completed", False)
    if not isinstance(completed, bool):
        raise EspnPayloadError(f"{where}: status.type.completed must be a boolean, got {completed!r}")
    display_clock = _opt_text(status_obj.get("displayClock"))
    clock = _decimal(status_obj.get("clock"), f"{where}: status.clock")
    if clock is None and display_clock is not None:
        clock = _clock_from_display(display_clock)
    neutral = competition.get("neutralSite", False)
    spread, home_ml, away_ml = _odds(odds, league, home, away)
    try:
        return GameState(
            league=league,
            event_id=event_id,
            name=name,
            home=home,
            away=away,
            period=_int(status_obj.get("period"), f"{where}: status.period") or 0,
            clock_seconds=clock,
            display_clock=display_clock,
            state=state,
            completed=completed,
            status=map_status(status_type.get("name"), status_type.get("id")),
            status_detail=_opt_text(status_type.get("detail"))
            or _opt_text(status_type.get("shortDetail"))
            or _opt_text(status_type.get("description")),
            home_win_prob=home_win_prob,
            spread=spread,
            home_moneyline=home_ml,
            away_moneyline=away_ml,
            neutral_site=neutral if isinstance(neutral, bool) else False,
            start_time=_start_time(start, where),
            situation=_flatten_situation(situation),
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors(include_url=False)
        )
        raise EspnPayloadError(f"{where}: {problems}") from None


def _first_competition(obj: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    competitions = obj.get("competitions")
    if not isinstance(competitions, list) or not competitions:
        raise EspnPayloadError(f"{where}: no 'competitions'")
    return _require_object(competitions[0], f"{where}: competitions[0]")


def _event_id(primary: object, fallback: object, *, where: str) -> str:
    for candidate in (primary, fallback):
        text = _id_text(candidate)
        if text:
            return text
    raise EspnPayloadError(f"{where}: no event id")


def _teams(
    competition: Mapping[str, Any],
    where: str,
    play_scores: tuple[int, int] | None = None,
) -> tuple[TeamState, TeamState]:
    competitors = competition.get("competitors")
    if not isinstance(competitors, list) or not competitors:
        raise EspnPayloadError(f"{where}: competitors missing")
    sides: dict[str, Mapping[str, Any]] = {}
    for position, competitor in enumerate(competitors):
        obj = _require_object(competitor, f"{where}: competitors[{position}]")
        side = obj.get("homeAway")
        if side not in ("home", "away"):
            raise EspnPayloadError(
                f"{where}: competitors[{position}].homeAway must be home/away, got {side!r}"
            )
        if side in sides:
            raise EspnPayloadError(f"{where}: two {side} competitors")
        sides[side] = obj
    if len(sides) != 2 or len(competitors) != 2:
        raise EspnPayloadError(f"{where}: need exactly one home and one away competitor")
    home = _team(sides["home"], f"{where}: home")
    away = _team(sides["away"], f"{where}: away")
    if home.score is None and away.score is None and play_scores is not None:
        home = home.model_copy(update={"score": play_scores[0]})
        away = away.model_copy(update={"score": play_scores[1]})
    return home, away


def _team(competitor: Mapping[str, Any], where: str) -> TeamState:
    team = competitor.get("team")
    team = team if isinstance(team, Mapping) else {}
    team_id = _id_text(team.get("id")) or _id_text(competitor.get("id"))
    if not team_id:
        raise EspnPayloadError(f"{where}: team id missing")
    abbreviation = _opt_text(team.get("abbreviation")) or ""
    location, nickname = _opt_text(team.get("location")), _opt_text(team.get("name"))
    name = (
        _opt_text(team.get("displayName"))
        or _opt_text(team.get("shortDisplayName"))
        or " ".join(part for part in (location, nickname) if part)
        or abbreviation
        or team_id
    )
    try:
        score = parse_score(competitor.get("score"))
    except EspnPayloadError as exc:
        raise EspnPayloadError(f"{where}: {exc}") from None
    return TeamState(team_id=team_id, abbreviation=abbreviation, name=name, score=score)


def _last_play_scores(summary: Mapping[str, Any]) -> tuple[int, int] | None:
    """Scores from the last play of a summary (``plays[]`` carry integers), if any."""
    plays = summary.get("plays")
    if not isinstance(plays, list) or not plays or not isinstance(plays[-1], Mapping):
        return None
    last = plays[-1]
    try:
        home, away = parse_score(last.get("homeScore")), parse_score(last.get("awayScore"))
    except EspnPayloadError:
        return None
    return (home, away) if home is not None and away is not None else None


def _start_time(value: object, where: str) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise EspnPayloadError(f"{where}: start time ('date') missing")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise EspnPayloadError(f"{where}: start time {value!r} is not ISO 8601") from None
    if parsed.tzinfo is None:
        raise EspnPayloadError(f"{where}: start time {value!r} has no time zone")
    return parsed


def _clock_from_display(text: str) -> Decimal | None:
    """``"5:49"`` → 349, ``"0.0"``/``"24.3"`` → seconds; ``None`` when it is not a clock."""
    match = _CLOCK_RE.match(text)
    if not match:
        return None
    seconds = Decimal(match["sec"])
    if match["min"] is not None:
        seconds += 60 * int(match["min"])
    return seconds


# --------------------------------------------------------------------------- best-effort extras


def _scoreboard_win_prob(situation: object) -> Decimal | None:
    if not isinstance(situation, Mapping):
        return None
    last_play = situation.get("lastPlay")
    if not isinstance(last_play, Mapping):
        return None
    probability = last_play.get("probability")
    if not isinstance(probability, Mapping):
        return None
    return _probability(probability.get("homeWinPercentage"))


def _summary_win_prob(entries: object) -> Decimal | None:
    if not isinstance(entries, list):
        return None
    for entry in reversed(entries):
        if isinstance(entry, Mapping) and "homeWinPercentage" in entry:
            return _probability(entry.get("homeWinPercentage"))
    return None


def _probability(value: object) -> Decimal | None:
    number = _lenient_decimal(value)
    if number is None or not Decimal(0) <= number <= Decimal(1):
        return None
    return number


def _odds(
    odds: Mapping[str, Any] | None, league: League, home: TeamState, away: TeamState
) -> tuple[Decimal | None, int | None, int | None]:
    if odds is None:
        return None, None, None
    spread = _lenient_decimal(odds.get("spread"))
    if spread is None:
        spread = _lenient_decimal(_dig(odds, "pointSpread", "home", "close", "line"))
    if spread is None:
        spread = _lenient_decimal(_dig(odds, "pointSpread", "home", "open", "line"))
    if spread is None and league.sport in _SPREAD_SPORTS:
        spread = _spread_from_details(odds.get("details"), home.abbreviation, away.abbreviation)
    return spread, _moneyline(odds, "home"), _moneyline(odds, "away")


def _spread_from_details(details: object, home: str, away: str) -> Decimal | None:
    """``"BOS -3.5"`` → the home line: -3.5 if BOS is home, +3.5 if BOS is away."""
    if not isinstance(details, str):
        return None
    if details.strip().upper() in _PICKEM:
        return Decimal(0)
    match = _DETAILS_RE.match(details)
    if not match:
        return None
    team, line = match["team"].upper(), Decimal(match["line"])
    if home and team == home.upper():
        return line
    if away and team == away.upper():
        return -line
    return None


def _moneyline(odds: Mapping[str, Any], side: str) -> int | None:
    for phase in ("close", "current", "open"):
        value = parse_american_odds(_dig(odds, "moneyline", side, phase, "odds"))
        if value is not None:
            return value
    return parse_american_odds(_dig(odds, f"{side}TeamOdds", "moneyLine"))


def _flatten_situation(situation: object) -> dict[str, str | int | bool | None] | None:
    """NFL/CFB down, distance, yard line, possession (team id), red zone, timeouts; MLB count and
    bases. ``None`` when nothing usable is there (NBA/NHL carry only ``lastPlay``)."""
    if not isinstance(situation, Mapping):
        return None
    flat: dict[str, str | int | bool | None] = {}
    for key, out in _SITUATION_INTS:
        number = _lenient_int(situation.get(key))
        if number is not None:
            flat[out] = number
    for key, out in _SITUATION_BOOLS:
        if isinstance(situation.get(key), bool):
            flat[out] = situation[key]
    for key, out in _SITUATION_BASES:
        value = situation.get(key)
        if isinstance(value, bool):
            flat[out] = value
        elif isinstance(value, Mapping):  # some feeds put the runner object there
            flat[out] = True
    possession = situation.get("possession")
    if isinstance(possession, Mapping):
        possession = possession.get("id")
    possession_id = _id_text(possession)
    if possession_id:
        flat["possession"] = possession_id
    for key, out in _SITUATION_TEXTS:
        text = _opt_text(situation.get(key))
        if text:
            flat[out] = text
    return flat or None


# --------------------------------------------------------------------------- JSON helpers


def _require_object(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise EspnPayloadError(f"{where} must be a JSON object, got {_json_type(value)}")
    return value


def _first_object(value: object) -> Mapping[str, Any] | None:
    if isinstance(value, list) and value and isinstance(value[0], Mapping):
        return value[0]
    return None


def _dig(obj: Mapping[str, Any], *keys: str) -> object:
    current: object = obj
    for key in keys:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current


def _json_type(value: object) -> str:
    names: Sequence[tuple[type | tuple[type, ...], str]] = (
        (bool, "a boolean"),
        ((int, float, Decimal), "a number"),
        (str, "a string"),
        (list, "an array"),
        (type(None), "null"),
    )
    for kind, label in names:
        if isinstance(value, kind):
            return label
    return type(value).__name__


def _id_text(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _opt_text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _decimal(value: object, what: str) -> Decimal | None:
    """A JSON number (or numeric string) as an exact ``Decimal``; ``None`` if absent."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise EspnPayloadError(f"{what} must be a number, got {_json_type(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise EspnPayloadError(f"{what} must be finite, got {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise EspnPayloadError(f"{what} is not a number: {value!r}") from None
    if not number.is_finite():
        raise EspnPayloadError(f"{what} must be finite, got {value!r}")
    return number


def _int(value: object, what: str) -> int | None:
    """An integer, from ``87``, ``87.0`` or ``"87"``; ``None`` if absent."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    number = _decimal(value, what)
    if number is None:
        return None
    if number.adjusted() > _MAX_INT_DIGITS or number != number.to_integral_value():
        raise EspnPayloadError(f"{what} must be a (reasonable) integer, got {value!r}")
    return int(number)


def _lenient(parse: Callable[[object, str], Any]) -> Callable[[object], Any]:
    def wrapper(value: object) -> Any:
        try:
            return parse(value, "value")
        except EspnPayloadError:
            return None

    return wrapper


_lenient_decimal: Callable[[object], Decimal | None] = _lenient(_decimal)
_lenient_int: Callable[[object], int | None] = _lenient(_int)
