"""Game timelines for backtests and calibration: the sequence of :class:`GameState` a bot would
have seen during one game, and who won.

Two sources:

* :func:`simulated_games` plays games with the ESPN replay simulator (``local.espn_replay``), renders
  each sampled moment as ESPN scoreboard JSON and parses it with the production parser
  (``inplay.sports.espn_parser``), so the states are exactly what the poller would store. A sample is
  taken every ``step_seconds`` of game timeline (breaks included), plus one pre-game and one final
  state. Same ``(league, count, seed, step_seconds)`` → same timelines.
* :func:`recorded_games` reads ESPN payloads saved to a directory (layout below).

Recorded layout — any tree of files under the directory the user gives:

* ``*.json``: one ESPN scoreboard (``events``) or summary (``header``) payload per file;
* ``*.jsonl``: one payload per line, or ``{"captured_at": ISO-8601, "payload": {...}}`` per line.

Files are read in sorted path order (name them so that this is capture order, e.g.
``nba/scoreboard-20250301T203015Z.json``). A capture time is taken from ``captured_at`` or the first
``YYYYMMDDTHHMMSSZ`` in the file name; without one, moments are spaced ``step_seconds`` apart from the
scheduled start. The league comes from the payload (``leagues[0].slug`` / ``header.league``), else
from a folder named after a league slug (``nba``, ``college-football`` …). States of one game are
grouped by (league, event id); consecutive identical states are dropped. Pre-game odds (spread,
moneylines) are carried into later states that lack them, as ESPN lists odds only before the start.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from inplay.sports.espn import EspnPayloadError, parse_payload, parse_scoreboard
from inplay.sports.models import GameState, League, Phase
from local.espn_replay.render import event_json
from local.espn_replay.scenario import GameSpec, ReplayGame, Scenario, build_slate
from local.espn_replay.view import compute_view

__all__ = [
    "DEFAULT_STEP_SECONDS",
    "FIRST_START",
    "BacktestInputError",
    "GameTimeline",
    "Moment",
    "recorded_games",
    "simulated_game",
    "simulated_games",
]

DEFAULT_STEP_SECONDS: Final = 15.0
FIRST_START: Final = datetime(2025, 1, 15, 0, 30, tzinfo=UTC)
"""Scheduled start of simulated game 0 (7:30 PM US-Eastern); game ``i`` starts ``i`` days later."""
_FIRST_EVENT_ID: Final = 401_000_000
_STAMP_RE: Final = re.compile(r"(\d{8}T\d{6}Z)")


class BacktestInputError(ValueError):
    """Bad backtest input (unknown league, unreadable recording, …); the message says what."""


@dataclass(frozen=True, slots=True)
class Moment:
    at: datetime
    state: GameState


@dataclass(frozen=True, slots=True)
class GameTimeline:
    """One game as a bot would have seen it. ``home_won`` is None when the game did not finish
    (postponed, suspended, recording cut short) or ended tied."""

    league: League
    event_id: str
    states: tuple[GameState, ...]
    home_won: bool | None
    times: tuple[datetime, ...] = ()
    """When each state was seen (UTC); empty → ``step_seconds`` apart from the scheduled start."""
    replay: ReplayGame | None = field(default=None, compare=False, repr=False)
    """The simulated game behind the timeline (None for recorded games)."""
    step_seconds: float = DEFAULT_STEP_SECONDS

    def __post_init__(self) -> None:
        if not self.states:
            raise BacktestInputError(f"game {self.event_id}: a timeline needs at least one state")
        if self.times and len(self.times) != len(self.states):
            raise BacktestInputError(
                f"game {self.event_id}: {len(self.times)} times for {len(self.states)} states"
            )

    @property
    def start_time(self) -> datetime:
        return self.states[0].start_time

    @property
    def final(self) -> GameState:
        return self.states[-1]

    def moments(self) -> Iterator[Moment]:
        """Each state with the time it was seen."""
        if self.times:
            for at, state in zip(self.times, self.states, strict=True):
                yield Moment(at, state)
            return
        first = self.start_time - timedelta(seconds=self.step_seconds)
        for index, state in enumerate(self.states):
            yield Moment(first + timedelta(seconds=self.step_seconds * index), state)


def _league(value: League | str) -> League:
    try:
        return League(value)
    except ValueError:
        known = ", ".join(item.value for item in League)
        raise BacktestInputError(f"unknown league {value!r}; known: {known}") from None


def _winner(state: GameState) -> bool | None:
    if not state.is_final or state.home.score is None or state.away.score is None:
        return None
    if state.home.score == state.away.score:
        return None
    return state.home.score > state.away.score


def _carry_odds(state: GameState, odds: GameState | None) -> GameState:
    if odds is None or state.spread is not None or state.home_moneyline is not None:
        return state
    update = {
        "spread": odds.spread,
        "home_moneyline": odds.home_moneyline,
        "away_moneyline": odds.away_moneyline,
    }
    return state.model_copy(update=update)


def _has_odds(state: GameState) -> bool:
    return state.spread is not None or state.home_moneyline is not None


# --- simulated --------------------------------------------------------------------------------
def _replay_game(league: League, index: int, seed: int) -> ReplayGame:
    spec = GameSpec(league, starts_in=timedelta(0), event_id=str(_FIRST_EVENT_ID + index))
    scenario = Scenario((spec,), seed=seed * 1_000_003 + index, name="backtest")
    (game,) = build_slate(scenario, FIRST_START + timedelta(days=index), 1.0)
    return game


def _view_state(game: ReplayGame, seconds: float) -> GameState:
    (state,) = parse_scoreboard({"events": [event_json(compute_view(game, seconds))]}, game.league)
    return state


def timeline_of(game: ReplayGame, step_seconds: float = DEFAULT_STEP_SECONDS) -> GameTimeline:
    """Sample a simulated game every ``step_seconds`` of timeline: pre-game, live, final."""
    if step_seconds <= 0:
        raise BacktestInputError("step_seconds must be > 0")
    end = game.script.end
    pre = _view_state(game, -step_seconds)
    states = [pre]
    times = [game.scheduled_start - timedelta(seconds=step_seconds)]
    odds = pre if _has_odds(pre) else None
    tick = 0
    while True:
        seconds = min(tick * step_seconds, end)
        states.append(_carry_odds(_view_state(game, seconds), odds))
        times.append(game.scheduled_start + timedelta(seconds=seconds))
        if seconds >= end:
            break
        tick += 1
    return GameTimeline(
        league=game.league,
        event_id=game.event_id,
        states=tuple(states),
        home_won=_winner(states[-1]),
        times=tuple(times),
        replay=game,
        step_seconds=step_seconds,
    )


def simulated_game(
    league: League | str, index: int, seed: int, *, step_seconds: float = DEFAULT_STEP_SECONDS
) -> GameTimeline:
    """Game ``index`` of :func:`simulated_games` (independent of the others)."""
    return timeline_of(_replay_game(_league(league), index, seed), step_seconds)


def simulated_games(
    league: League | str, count: int, seed: int, *, step_seconds: float = DEFAULT_STEP_SECONDS
) -> Iterator[GameTimeline]:
    """``count`` simulated games of ``league``, generated lazily; deterministic in ``seed``."""
    resolved = _league(league)
    if count < 0:
        raise BacktestInputError("game count must be >= 0")
    if step_seconds <= 0:
        raise BacktestInputError("step_seconds must be > 0")
    for index in range(count):
        yield timeline_of(_replay_game(resolved, index, seed), step_seconds)


# --- recorded ---------------------------------------------------------------------------------
def _stamp(text: str) -> datetime | None:
    match = _STAMP_RE.search(text)
    if match is None:
        return None
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _folder_league(path: Path, root: Path) -> League | None:
    for part in reversed(path.relative_to(root).parts[:-1]):
        try:
            return League(part)
        except ValueError:
            continue
    return None


def _captures(path: Path) -> Iterator[tuple[datetime | None, object]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BacktestInputError(f"{path}: cannot read: {exc}") from None
    stamp = _stamp(path.name)
    try:
        if path.suffix == ".json":
            yield stamp, json.loads(text)
            return
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BacktestInputError(f"{path}:{number}: not JSON: {exc.msg}") from None
            if isinstance(item, dict) and "payload" in item:
                yield _captured_at(item.get("captured_at"), f"{path}:{number}") or stamp, item["payload"]
            else:
                yield stamp, item
    except json.JSONDecodeError as exc:
        raise BacktestInputError(f"{path}: not JSON: {exc.msg}") from None


def _captured_at(value: object, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BacktestInputError(f"{where}: captured_at is not an ISO-8601 time: {value!r}") from None
    if moment.tzinfo is None:
        raise BacktestInputError(f"{where}: captured_at must carry a time zone: {value!r}")
    return moment.astimezone(UTC)


@dataclass(slots=True)
class _Recording:
    league: League
    event_id: str
    states: list[GameState] = field(default_factory=list)
    times: list[datetime | None] = field(default_factory=list)
    odds: GameState | None = None

    def add(self, state: GameState, at: datetime | None) -> None:
        if _has_odds(state) and (state.state is Phase.PRE or self.odds is None):
            self.odds = state
        state = _carry_odds(state, self.odds)
        if self.states and self.states[-1].material_key() == state.material_key():
            return
        self.states.append(state)
        self.times.append(at)

    def timeline(self, step_seconds: float) -> GameTimeline:
        times: tuple[datetime, ...] = ()
        if all(at is not None for at in self.times):
            times = tuple(at for at in self.times if at is not None)
        return GameTimeline(
            league=self.league,
            event_id=self.event_id,
            states=tuple(self.states),
            home_won=_winner(self.states[-1]),
            times=times,
            step_seconds=step_seconds,
        )


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".json", ".jsonl"))


def recorded_games(
    directory: str | Path, *, league: League | str | None = None, step_seconds: float = DEFAULT_STEP_SECONDS
) -> Iterator[GameTimeline]:
    """Timelines of the games recorded under ``directory`` (see the module docstring for the layout),
    ordered by scheduled start then event id. ``league`` keeps only that league's games."""
    root = Path(directory)
    if not root.is_dir():
        raise BacktestInputError(f"{root}: not a directory")
    wanted = _league(league) if league is not None else None
    files = _files(root)
    if not files:
        raise BacktestInputError(f"{root}: no .json or .jsonl files")
    games: dict[tuple[League, str], _Recording] = {}
    for path in files:
        folder = _folder_league(path, root)
        for at, payload in _captures(path):
            for state in _parse(payload, folder, str(path)):
                if wanted is not None and state.league is not wanted:
                    continue
                key = (state.league, state.event_id)
                recording = games.get(key)
                if recording is None:
                    recording = games[key] = _Recording(state.league, state.event_id)
                recording.add(state, at)
    ordered = sorted(games.values(), key=lambda r: (r.states[0].start_time, r.league.value, r.event_id))
    for recording in ordered:
        yield recording.timeline(step_seconds)


def _parse(payload: object, folder: League | None, where: str) -> Sequence[GameState]:
    errors: list[EspnPayloadError] = []
    try:
        states = parse_payload(payload, folder, errors=errors)
    except EspnPayloadError as exc:
        raise BacktestInputError(f"{where}: {exc}") from None
    if errors:
        raise BacktestInputError(f"{where}: {errors[0]}")
    return states
