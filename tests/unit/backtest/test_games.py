from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inplay.sports.models import GameStatus, League, Phase
from local.backtest.games import (
    BacktestInputError,
    GameTimeline,
    recorded_games,
    simulated_game,
    simulated_games,
)
from local.espn_replay.render import event_json, summary_json
from local.espn_replay.view import compute_view


@pytest.mark.parametrize("league", list(League))
def test_simulated_timeline_runs_pre_live_final(league: League) -> None:
    (game,) = simulated_games(league, 1, seed=3, step_seconds=30)
    assert game.league is league
    assert game.states[0].state is Phase.PRE
    assert any(s.state is Phase.IN for s in game.states)
    assert game.final.is_final
    assert game.replay is not None
    assert game.home_won == (game.final.home.score > game.final.away.score)  # type: ignore[operator]
    assert len(game.times) == len(game.states)
    assert list(game.times) == sorted(game.times)
    # pre-game odds are carried into live states (ESPN lists them only before the start)
    live = next(s for s in game.states if s.state is Phase.IN)
    assert live.spread == game.states[0].spread is not None


def test_same_seed_same_games_other_seed_other_games() -> None:
    first = [g.states for g in simulated_games("nba", 2, seed=11, step_seconds=60)]
    again = [g.states for g in simulated_games("nba", 2, seed=11, step_seconds=60)]
    other = [g.states for g in simulated_games("nba", 2, seed=12, step_seconds=60)]
    assert first == again
    assert first != other


def test_simulated_game_index_matches_the_sequence() -> None:
    games = list(simulated_games(League.NHL, 3, seed=5, step_seconds=60))
    assert simulated_game(League.NHL, 2, 5, step_seconds=60).states == games[2].states
    assert len({g.event_id for g in games}) == 3
    assert games[1].start_time - games[0].start_time == timedelta(days=1)


def test_scores_never_decrease_and_clock_moves() -> None:
    (game,) = simulated_games("nba", 1, seed=1)
    homes = [s.home.score or 0 for s in game.states]
    assert homes == sorted(homes)
    periods = {s.period for s in game.states if s.state is Phase.IN}
    assert {1, 2, 3, 4} <= periods


def test_moments_default_spacing() -> None:
    (game,) = simulated_games("nba", 1, seed=1, step_seconds=60)
    bare = GameTimeline(game.league, game.event_id, game.states[:3], None, step_seconds=20)
    times = [m.at for m in bare.moments()]
    assert times[0] == game.start_time - timedelta(seconds=20)
    assert times[2] - times[1] == timedelta(seconds=20)


def test_bad_input_is_typed() -> None:
    with pytest.raises(BacktestInputError, match="unknown league"):
        list(simulated_games("curling", 1, 0))
    with pytest.raises(BacktestInputError, match="count"):
        list(simulated_games("nba", -1, 0))
    with pytest.raises(BacktestInputError, match="step"):
        list(simulated_games("nba", 1, 0, step_seconds=0))


def _record(tmp_path: Path) -> tuple[Path, GameTimeline]:
    (source,) = simulated_games("nba", 1, seed=9, step_seconds=300)
    assert source.replay is not None
    folder = tmp_path / "nba"
    folder.mkdir()
    start = source.replay.scheduled_start
    for index, seconds in enumerate((-60.0, 600.0, 1800.0, source.replay.script.end)):
        view = compute_view(source.replay, seconds)
        stamp = (start + timedelta(seconds=seconds)).strftime("%Y%m%dT%H%M%SZ")
        board = {"events": [event_json(view)]}  # no leagues block: league comes from the folder
        (folder / f"{index:02d}-scoreboard-{stamp}.json").write_text(json.dumps(board))
    return tmp_path, source


def test_recorded_scoreboards(tmp_path: Path) -> None:
    root, source = _record(tmp_path)
    (game,) = recorded_games(root)
    assert game.league is League.NBA and game.event_id == source.event_id
    assert game.states[0].state is Phase.PRE
    assert game.final.status is GameStatus.FINAL
    assert game.home_won == source.home_won
    assert game.times[0] == source.replay.scheduled_start - timedelta(seconds=60)  # type: ignore[union-attr]
    assert all(s.spread == game.states[0].spread for s in game.states)
    assert list(recorded_games(root, league="nhl")) == []


def test_recorded_jsonl_with_summaries(tmp_path: Path) -> None:
    (source,) = simulated_games("nfl", 1, seed=4, step_seconds=300)
    replay = source.replay
    assert replay is not None
    lines = []
    for seconds in (900.0, 1800.0):
        at = replay.scheduled_start + timedelta(seconds=seconds)
        payload = summary_json(compute_view(replay, seconds), lambda g, t: g.scheduled_start)
        lines.append(json.dumps({"captured_at": at.isoformat(), "payload": payload}))
    (tmp_path / "capture.jsonl").write_text("\n".join(lines) + "\n")
    (game,) = recorded_games(tmp_path)
    assert game.league is League.NFL
    assert game.home_won is None  # never saw the end
    assert game.times == (
        replay.scheduled_start + timedelta(seconds=900),
        replay.scheduled_start + timedelta(seconds=1800),
    )


def test_recorded_errors(tmp_path: Path) -> None:
    with pytest.raises(BacktestInputError, match="not a directory"):
        list(recorded_games(tmp_path / "missing"))
    with pytest.raises(BacktestInputError, match=r"no \.json"):
        list(recorded_games(tmp_path))
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(BacktestInputError, match="not JSON"):
        list(recorded_games(tmp_path))
    (tmp_path / "bad.json").write_text(json.dumps({"hello": 1}))
    with pytest.raises(BacktestInputError, match="not an ESPN"):
        list(recorded_games(tmp_path))
    (tmp_path / "bad.json").write_text(json.dumps({"events": []}))
    with pytest.raises(BacktestInputError, match="league"):
        list(recorded_games(tmp_path))
    (tmp_path / "bad.json").unlink()
    (tmp_path / "x.jsonl").write_text(json.dumps({"captured_at": "yesterday", "payload": {}}) + "\n")
    with pytest.raises(BacktestInputError, match="captured_at"):
        list(recorded_games(tmp_path))


def test_timeline_validates() -> None:
    (game,) = simulated_games("nba", 1, seed=1, step_seconds=600)
    with pytest.raises(BacktestInputError):
        GameTimeline(game.league, game.event_id, (), None)
    with pytest.raises(BacktestInputError):
        GameTimeline(game.league, game.event_id, game.states, None, times=(datetime.now(UTC),))
