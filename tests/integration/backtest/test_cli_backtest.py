"""``inplay backtest`` end to end: argument parsing, simulated and recorded games, report, PNG."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from local.backtest.games import simulated_games
from local.cli import CliError
from local.commands import backtest
from local.espn_replay.render import event_json
from local.espn_replay.view import compute_view


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="inplay")
    backtest.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["backtest", *argv])
    code: int = args.func(args)
    return code


FAST = ["--step-seconds", "60", "--no-progress"]


def test_simulated_report_and_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "equity.png"
    argv = ["--league", "nba,nhl", "--games", "2", "--seed", "3", "--png", str(png), *FAST]
    argv += ["--bot-settings", "edge_threshold=0.02", "--market-noise", "0.05"]
    assert _run(argv) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Backtest: nba, nhl  games=4  seed=3")
    assert "net P&L" in out and "Brier (fair)" in out
    assert png.read_bytes().startswith(b"\x89PNG")
    assert "games/min" in err and "equity curve" in err
    assert _run(argv) == 0
    assert capsys.readouterr().out == out  # same seed, same report


def test_json_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["--league", "mlb", "--games", "1", "--json", *FAST]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["games"] == 1 and body["leagues"] == ["mlb"] and body["seed"] == 0
    assert body["starting_balance"] == "1000.00"


def test_recorded_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (source,) = simulated_games("nba", 1, seed=5, step_seconds=120)
    replay = source.replay
    assert replay is not None
    folder = tmp_path / "nba"
    folder.mkdir()
    seconds = [-60.0, *range(0, int(replay.script.end), 120), replay.script.end]
    for index, t in enumerate(seconds):
        board = {"events": [event_json(compute_view(replay, float(t)))]}
        (folder / f"{index:04d}.json").write_text(json.dumps(board))
    assert _run(["--espn-dir", str(tmp_path), "--json", *FAST]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["games"] == 1 and body["leagues"] == ["nba"] and body["forecasts"] > 0
    with pytest.raises(CliError, match="no games of the given leagues"):
        _run(["--espn-dir", str(tmp_path), "--league", "nfl", *FAST])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give --league"),
        (["--league", "curling"], "unknown league 'curling'"),
        (["--league", "nba", "--games", "-1"], "--games"),
        (["--league", "nba", "--bot-settings", "edge_threshold"], "KEY=VALUE"),
        (["--league", "nba", "--bot-settings", "edge_threshold=lots"], "invalid strategy settings"),
        (["--league", "nba", "--balance", "abc"], "not a number"),
        (["--league", "nba", "--balance", "0"], "--balance"),
        (["--league", "nba", "--market-noise", "-1"], "market settings"),
        (["--espn-dir", "/nonexistent/inplay-backtest"], "not a directory"),
    ],
)
def test_bad_arguments_are_one_line_errors(argv: list[str], message: str) -> None:
    with pytest.raises(CliError, match=message):
        _run(argv)
