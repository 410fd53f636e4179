"""``inplay model calibrate`` end to end: simulated games, recorded ESPN files, user errors."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from inplay.sports.models import League
from local import cli
from local.backtest.games import GameTimeline, simulated_game
from local.commands.model import collect_forecasts
from local.espn_replay.render import event_json
from local.espn_replay.view import compute_view
from tests.unit.strategy.winprob.states import live


@pytest.fixture(autouse=True)
def model_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run through the real ``inplay`` entry point, with the model group registered."""
    if "model" not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, "model"))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["model", "calibrate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_simulated_basketball_games(capsys) -> None:
    code, out, err = run(capsys, "--league", "nba", "--games", "3", "--seed", "4", "--bins", "5")
    assert code == 0, err
    assert out.startswith("nba: 3 simulated games, seed 4; 3 games, 3 with a winner")
    assert "== blend (what the strategy trades; ESPN weight 0.5) ==" in out
    assert "== model alone (brownian-nba) ==" in out
    assert "states with an ESPN probability" in out
    assert out.count("brier ") == 3
    assert "0.80-1.00" in out and "0.90-1.00" not in out
    again = run(capsys, "--league", "nba", "--games", "3", "--seed", "4", "--bins", "5")
    assert again[1] == out


def test_hockey_has_no_espn_probability(capsys) -> None:
    code, out, _ = run(capsys, "--league", "nhl", "--games", "2", "--seed", "1")
    assert code == 0
    assert "poisson-nhl" in out and "no ESPN probability in these games" in out
    assert out.count("brier ") == 1


def write_recording(directory: Path, league: League, index: int, seed: int) -> GameTimeline:
    timeline = simulated_game(league, index, seed)
    game = timeline.replay
    assert game is not None
    folder = directory / league.value
    folder.mkdir(parents=True, exist_ok=True)
    for seconds in (-60.0, *[game.script.end * k / 8 for k in range(1, 8)], game.script.end):
        at = game.scheduled_start + timedelta(seconds=seconds)
        payload = {"events": [event_json(compute_view(game, seconds))]}
        (folder / f"scoreboard-{at:%Y%m%dT%H%M%SZ}.json").write_text(json.dumps(payload))
    return timeline


def test_recorded_games(tmp_path: Path, capsys) -> None:
    write_recording(tmp_path, League.NFL, 0, 9)
    write_recording(tmp_path, League.NFL, 1, 9)
    code, out, err = run(capsys, "--espn-dir", str(tmp_path))
    assert code == 0, err
    assert out.startswith(f"all leagues: recorded games under {tmp_path}; 2 games, ")
    assert "football-possession-nfl" in out
    code, out, _ = run(capsys, "--espn-dir", str(tmp_path), "--games", "1", "--league", "nfl")
    assert code == 0 and "; 1 games" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--games", "2"), "--league is required unless --espn-dir is given"),
        (("--league", "cricket"), "unknown league 'cricket'"),
        (("--espn-dir", "/nonexistent/inplay-recordings"), "not a directory"),
    ],
)
def test_user_errors_are_one_line(capsys, args, message) -> None:
    code, _out, err = run(capsys, *args)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_empty_recording_directory(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "--espn-dir", str(tmp_path))
    assert code == 2 and "no .json or .jsonl files" in err


@pytest.mark.parametrize(
    "args", [("--bins", "0"), ("--bins", "101"), ("--espn-weight", "2"), ("--games", "x")]
)
def test_bad_arguments_exit_2(capsys, args) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["model", "calibrate", "--league", "nba", *args])
    assert exit_info.value.code == 2
    assert "calibrate: error: argument" in capsys.readouterr().err


def test_collect_forecasts_skips_undecided_games_and_dead_states() -> None:
    decided = GameTimeline(
        league=League.NBA,
        event_id="1",
        states=(
            live(League.NBA, 10, 4, 1, 300, home_win_prob=Decimal("0.7")),
            live(League.NBA, 50, 60, 3, 200),
        ),
        home_won=True,
    )
    tied = GameTimeline(
        league=League.NBA, event_id="2", states=(live(League.NBA, 1, 0, 1, 700),), home_won=None
    )
    seen: list[int] = []
    forecasts = collect_forecasts([decided, tied], espn_weight=Decimal(1), progress=seen.append)
    assert seen == [1, 2]
    assert (forecasts.games, forecasts.decided) == (2, 1)
    assert [won for _, won in forecasts.model] == [True, True]
    assert forecasts.espn == [(Decimal("0.7000"), True)]
    assert forecasts.blend[0] == (Decimal("0.7000"), True)
    assert forecasts.model_names == {"brownian-nba"}
