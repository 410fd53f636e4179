"""``inplay espn parse``: JSON out, one-line errors with exit code 2."""

import io
import json
from decimal import Decimal

import pytest

from local.cli import main
from tests.unit.sports.espn_fixtures import FIXTURES


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["espn", "parse", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_scoreboard_prints_one_object_per_game(capsys) -> None:
    code, out, err = run(capsys, str(FIXTURES / "scoreboard_nba.json"))
    assert (code, err) == (0, "")
    assert out.startswith("[\n  {\n")  # indent 2
    games = json.loads(out)
    assert [game["event_id"] for game in games] == [
        "401900101",
        "401900102",
        "401900103",
        "401900104",
        "401900105",
        "401900106",
    ]
    live = games[1]
    assert live["league"] == "nba"
    assert (live["state"], live["completed"], live["status"], live["period"]) == (
        "in",
        False,
        "in_progress",
        2,
    )
    assert live["start_time"] == "2025-12-07T20:00:00Z"
    assert live["home"] == {"team_id": "18", "abbreviation": "NY", "name": "New York Knicks", "score": 54}
    assert live["away"]["score"] == 49
    assert games[0]["home"]["score"] == 0


def test_decimals_are_exact_json_numbers_and_absent_values_null(capsys) -> None:
    _, out, _ = run(capsys, str(FIXTURES / "scoreboard_nba.json"))
    assert '"clock_seconds": 349.0,' in out
    assert '"home_win_prob": 0.634,' in out
    assert '"spread": -3.5,' in out
    games = json.loads(out, parse_float=Decimal)
    assert games[1]["clock_seconds"] == Decimal("349.0")
    assert games[3]["clock_seconds"] == Decimal("154.3")
    assert games[0]["home_win_prob"] is None
    assert games[1]["spread"] is None


def test_summary_with_missing_scores(capsys) -> None:
    code, out, _ = run(capsys, str(FIXTURES / "summary_nfl_pregame.json"))
    assert code == 0
    (game,) = json.loads(out)
    assert game["home"]["score"] is None and game["away"]["score"] is None
    assert game["league"] == "nfl"


def test_league_option_for_payloads_that_do_not_name_one(capsys) -> None:
    path = str(FIXTURES / "scoreboard_no_league.json")
    code, out, err = run(capsys, path)
    assert code == 2 and out == ""
    assert (
        err == f"inplay espn: error: {path}: not a usable ESPN payload: league not given and not in payload\n"
    )
    code, out, _ = run(capsys, path, "--league", "nba")
    assert code == 0 and json.loads(out)[0]["league"] == "nba"


def test_league_mismatch_is_an_error(capsys) -> None:
    code, _, err = run(capsys, str(FIXTURES / "scoreboard_nfl.json"), "--league", "nhl")
    assert code == 2 and "not 'nhl'" in err


def test_empty_scoreboard_prints_an_empty_array(capsys) -> None:
    code, out, _ = run(capsys, str(FIXTURES / "scoreboard_empty.json"))
    assert code == 0 and json.loads(out) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"hello": "world"}', "no 'events' and no 'header'"),
        ("[1, 2]", "must be a JSON object"),
        (b"\xff\xfe\x00", "cannot read"),
    ],
)
def test_bad_files_exit_2_with_one_line(capsys, tmp_path, content, message) -> None:
    path = tmp_path / "payload.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    code, out, err = run(capsys, str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err
    assert "Traceback" not in err


def test_missing_file_exits_2(capsys, tmp_path) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope.json"))
    assert code == 2
    assert "cannot read" in err and "No such file" in err and err.count("\n") == 1


def test_stdin(capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO((FIXTURES / "summary_nhl_final.json").read_text()))
    code, out, _ = run(capsys, "-")
    assert code == 0 and json.loads(out)[0]["event_id"] == "401900402"


def test_an_unknown_league_choice_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["espn", "parse", "x.json", "--league", "curling"])
    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
