"""ESPN JSON shapes served by the replay (through ``ReplayService.handle``: no sockets)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest

from inplay.sports.models import League
from local.espn_replay import FINISHED, GameSpec, ReplayService, Scenario
from tests.unit.replay.helpers import ManualClock

BASE = "/apis/site/v2/sports"
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$")


def slate(clock: ManualClock, seed: int = 21, speed: float = 1.0, **kwargs: Any) -> ReplayService:
    games = (
        GameSpec(League.NBA, elapsed=timedelta(minutes=5), home="BOS", away="NY", event_id="401000001"),
        GameSpec(League.NBA, starts_in=timedelta(minutes=2), home="LAL", away="GS", event_id="401000002"),
        GameSpec(League.NBA, elapsed=FINISHED, home="MIA", away="DAL", event_id="401000003"),
        GameSpec(League.NBA, starts_in=timedelta(hours=1), special="postponed", event_id="401000004"),
        GameSpec(League.NFL, elapsed=timedelta(minutes=20), home="KC", away="BUF", event_id="401000005"),
        GameSpec(League.NHL, elapsed=timedelta(minutes=25), home="TOR", away="BOS", event_id="401000006"),
        GameSpec(League.MLB, elapsed=timedelta(minutes=40), home="NYY", away="BOS", event_id="401000007"),
        GameSpec(League.MLB, elapsed=FINISHED, special="suspended", event_id="401000008"),
        GameSpec(League.COLLEGE_FOOTBALL, starts_in=timedelta(hours=2), event_id="401000009"),
    )
    return ReplayService(Scenario(games, seed=seed), speed=speed, clock=clock, **kwargs)


def get(service: ReplayService, target: str, **headers: str) -> tuple[int, Any]:
    response = service.handle("GET", target, headers)
    return response.status, json.loads(response.body)


def scoreboard(service: ReplayService, league: League, query: str = "") -> Any:
    status, body = get(service, f"{BASE}/{league.sport}/{league.value}/scoreboard{query}")
    assert status == 200
    return body


def event(body: dict[str, Any], event_id: str) -> dict[str, Any]:
    return next(e for e in body["events"] if e["id"] == event_id)


def summary(service: ReplayService, league: League, event_id: str) -> Any:
    status, body = get(service, f"{BASE}/{league.sport}/{league.value}/summary?event={event_id}")
    assert status == 200
    return body


def test_scoreboard_top_level_and_event_shape(clock: ManualClock) -> None:
    body = scoreboard(slate(clock), League.NBA, "?dates=20251207&limit=500")
    league = body["leagues"][0]
    assert (league["slug"], league["abbreviation"], league["id"]) == ("nba", "NBA", "46")
    assert league["calendar"] == ["2025-12-07T08:00Z"]
    assert body["day"] == {"date": "2025-12-07"}
    assert [e["id"] for e in body["events"]] == ["401000003", "401000001", "401000002", "401000004"]
    live = event(body, "401000001")
    assert DATE_RE.match(live["date"])
    assert live["shortName"] == "NY @ BOS"
    assert live["name"] == "New York Knicks at Boston Celtics"
    assert live["season"] == {"year": 2026, "type": 2, "slug": "regular-season"}
    competition = live["competitions"][0]
    assert competition["id"] == live["id"] and competition["date"] == live["date"] == competition["startDate"]
    assert isinstance(competition["status"]["clock"], float)
    assert competition["status"] == live["status"]
    home, away = competition["competitors"]
    assert (home["homeAway"], home["order"], away["homeAway"], away["order"]) == ("home", 0, "away", 1)
    assert home["team"]["abbreviation"] == "BOS" and home["id"] == home["team"]["id"] == "2"
    assert set(home["team"]) >= {"id", "abbreviation", "displayName", "shortDisplayName", "location", "name"}


def test_scores_are_strings_on_the_scoreboard_and_zero_before_the_start(clock: ManualClock) -> None:
    body = scoreboard(slate(clock), League.NBA, "?dates=20251207")
    for item in body["events"]:
        for competitor in item["competitions"][0]["competitors"]:
            assert isinstance(competitor["score"], str)
    pre = event(body, "401000002")["competitions"][0]
    assert [c["score"] for c in pre["competitors"]] == ["0", "0"]
    assert "linescores" not in pre["competitors"][0]
    live = event(body, "401000001")["competitions"][0]
    home = live["competitors"][0]
    assert int(home["score"]) == sum(int(ls["displayValue"]) for ls in home["linescores"])
    assert all(isinstance(ls["value"], float) and isinstance(ls["period"], int) for ls in home["linescores"])


def test_odds_only_before_the_start_and_situation_only_while_live(clock: ManualClock) -> None:
    body = scoreboard(slate(clock), League.NBA, "?dates=20251207")
    pre = event(body, "401000002")["competitions"][0]
    odds = pre["odds"][0]
    assert isinstance(odds["spread"], float)
    home_ml, away_ml = odds["moneyline"]["home"]["close"]["odds"], odds["moneyline"]["away"]["close"]["odds"]
    assert re.match(r"^[+-]\d+$", home_ml) and re.match(r"^[+-]\d+$", away_ml)
    assert odds["details"] == "EVEN" or odds["details"].split()[0] in ("LAL", "GS")
    assert "situation" not in pre
    live = event(body, "401000001")["competitions"][0]
    assert "odds" not in live
    probability = live["situation"]["lastPlay"]["probability"]
    assert 0.0 <= probability["homeWinPercentage"] <= 1.0
    for finished in ("401000003", "401000004"):
        competition = event(body, finished)["competitions"][0]
        assert "odds" not in competition and "situation" not in competition


def test_winner_only_once_decided(clock: ManualClock) -> None:
    body = scoreboard(slate(clock), League.NBA, "?dates=20251207")
    final = event(body, "401000003")
    assert final["status"]["type"] == {
        "id": "3",
        "name": "STATUS_FINAL",
        "state": "post",
        "completed": True,
        "description": "Final",
        "detail": final["status"]["type"]["detail"],
        "shortDetail": final["status"]["type"]["shortDetail"],
    }
    winners = [c["winner"] for c in final["competitions"][0]["competitors"]]
    assert sorted(winners) == [False, True]
    for item in ("401000001", "401000002", "401000004"):
        assert all("winner" not in c for c in event(body, item)["competitions"][0]["competitors"])
    postponed = event(body, "401000004")
    assert postponed["status"]["type"]["name"] == "STATUS_POSTPONED"
    assert (
        postponed["status"]["type"]["state"] == "post" and postponed["status"]["type"]["completed"] is False
    )


def test_football_situation(clock: ManualClock) -> None:
    body = scoreboard(slate(clock), League.NFL, "?dates=20251207")
    situation = event(body, "401000005")["competitions"][0]["situation"]
    assert situation["possession"] in ("12", "2")
    for key in ("down", "distance", "yardLine", "homeTimeouts", "awayTimeouts"):
        assert isinstance(situation[key], int)
    assert isinstance(situation["isRedZone"], bool)
    if situation["down"] > 0:
        assert situation["downDistanceText"].startswith(situation["shortDownDistanceText"])
    assert "secondsLeft" in situation["lastPlay"]["probability"]
    assert body["week"]["number"] >= 1


def test_baseball_situation_and_hockey_without_probability(clock: ManualClock) -> None:
    service = slate(clock)
    mlb = scoreboard(service, League.MLB, "?dates=20251207")
    situation = event(mlb, "401000007")["competitions"][0]["situation"]
    assert {"balls", "strikes", "outs", "onFirst", "onSecond", "onThird"} <= set(situation)
    assert all(isinstance(situation[k], bool) for k in ("onFirst", "onSecond", "onThird"))
    assert 0 <= situation["outs"] <= 3
    suspended = event(mlb, "401000008")
    assert suspended["status"]["type"]["name"] == "STATUS_SUSPENDED"
    assert suspended["status"]["type"]["completed"] is False
    nhl = scoreboard(service, League.NHL, "?dates=20251207")
    last_play = event(nhl, "401000006")["competitions"][0]["situation"]["lastPlay"]
    assert "probability" not in last_play
    assert "winprobability" not in summary(service, League.NHL, "401000006")


def test_summary_pre_game_has_no_scores_and_an_empty_win_probability(clock: ManualClock) -> None:
    body = summary(slate(clock), League.NBA, "401000002")
    competition = body["header"]["competitions"][0]
    assert body["header"]["id"] == "401000002"
    assert body["header"]["league"]["slug"] == "nba"
    assert all("score" not in c for c in competition["competitors"])
    assert competition["status"]["type"]["state"] == "pre"
    assert body["plays"] == [] and body["winprobability"] == []
    assert body["predictor"]["homeTeam"]["gameProjection"].replace(".", "").isdigit()
    assert body["pickcenter"][0]["homeTeamOdds"]["moneyLine"] != 0


def test_summary_live_plays_use_integer_scores(clock: ManualClock) -> None:
    service = slate(clock)
    body = summary(service, League.NBA, "401000001")
    plays = body["plays"]
    assert plays
    for play in plays:
        assert isinstance(play["homeScore"], int) and isinstance(play["awayScore"], int)
        assert isinstance(play["sequenceNumber"], str)
        assert isinstance(play["period"]["number"], int)
        assert isinstance(play["clock"]["displayValue"], str)
        assert isinstance(play["scoringPlay"], bool)
    home = body["header"]["competitions"][0]["competitors"][0]
    assert home["score"] == str(plays[-1]["homeScore"])
    assert [int(p["sequenceNumber"]) for p in plays] == list(range(1, len(plays) + 1))
    ids = {p["id"] for p in plays}
    assert {w["playId"] for w in body["winprobability"]} <= ids
    assert "predictor" not in body
    assert "predictor" not in summary(service, League.NBA, "401000003")


def test_football_summary_has_drives(clock: ManualClock) -> None:
    service = slate(clock)
    seen_current = False
    for _ in range(20):
        body = summary(service, League.NFL, "401000005")
        drives = body["drives"]["previous"]
        assert drives and "plays" not in body
        for drive in drives[:-1]:
            assert drive["result"] and drive["plays"]
        assert ("current" in body["drives"]) == ("result" not in drives[-1])
        if "current" in body["drives"]:
            assert body["drives"]["current"]["id"] == drives[-1]["id"]
            seen_current = True
        clock.advance(20)
    assert seen_current
    play = drives[0]["plays"][0]
    assert isinstance(play["homeScore"], int) and play["type"]["text"] == "Kickoff"
    assert all("tiePercentage" not in w for w in body["winprobability"])
    for scoring in body["scoringPlays"]:
        assert scoring["scoringPlay"] is True


def test_dates_filter_uses_the_us_day(clock: ManualClock) -> None:
    service = slate(clock)
    assert scoreboard(service, League.NBA, "?dates=20251206")["events"] == []
    assert len(scoreboard(service, League.NBA, "?dates=202512")["events"]) == 4
    assert len(scoreboard(service, League.NBA, "?dates=2025")["events"]) == 4
    assert len(scoreboard(service, League.NBA)["events"]) == 4, "no dates = today"


def test_late_evening_games_stay_on_their_us_date(clock: ManualClock) -> None:
    clock.now = clock.now.replace(hour=5, minute=30)  # 00:30 EST on 2025-12-07
    service = ReplayService(Scenario((GameSpec(League.NBA, elapsed=timedelta(minutes=30)),)), clock=clock)
    assert len(scoreboard(service, League.NBA, "?dates=20251206")["events"]) == 1
    assert scoreboard(service, League.NBA, "?dates=20251207")["events"] == []


@pytest.mark.parametrize("dates", ["20251201-20251207", "2025-12-07", "20251340", "x", ""])
def test_bad_dates_answer_espns_400(clock: ManualClock, dates: str) -> None:
    status, body = get(slate(clock), f"{BASE}/basketball/nba/scoreboard?dates={dates}")
    assert status == 400
    assert body == {"code": 400, "message": "Failed to get events endpoint."}


def test_limit_and_its_espn_quirk(clock: ManualClock) -> None:
    service = slate(clock)
    assert len(scoreboard(service, League.NBA, "?dates=20251207&limit=2")["events"]) == 2
    assert len(scoreboard(service, League.NBA, "?dates=20251207&limit=900")["events"]) == 4
    status, _ = get(service, f"{BASE}/basketball/nba/scoreboard?limit=abc")
    assert status == 400


@pytest.mark.parametrize(
    "path",
    [
        "/apis/site/v2/sports/basketball/nhl/scoreboard",
        "/apis/site/v2/sports/basketball/euroleague/scoreboard",
        "/apis/site/v2/sports/basketball/nba/teams",
        "/apis/site/v2/sports/basketball/nba",
        "/",
        "/scoreboard",
    ],
)
def test_unknown_paths_answer_404_json(clock: ManualClock, path: str) -> None:
    status, body = get(slate(clock), path)
    assert status == 404 and body["code"] == 404


def test_summary_errors(clock: ManualClock) -> None:
    service = slate(clock)
    assert get(service, f"{BASE}/basketball/nba/summary?event=999")[0] == 404
    assert get(service, f"{BASE}/hockey/nhl/summary?event=401000001")[0] == 404, "event of another league"
    assert get(service, f"{BASE}/basketball/nba/summary")[0] == 400
    assert service.handle("POST", f"{BASE}/basketball/nba/scoreboard").status == 405


def test_responses_look_like_espn(clock: ManualClock) -> None:
    response = slate(clock).handle("GET", f"{BASE}/basketball/nba/scoreboard")
    headers = dict(response.headers)
    assert headers["Content-Type"] == "application/json;charset=UTF-8"
    assert headers["Cache-Control"].startswith("max-age=")
    assert not any("replay" in f"{k}{v}".lower() for k, v in response.headers)


def test_same_seed_and_time_give_identical_json_and_another_seed_does_not(clock: ManualClock) -> None:
    targets = [
        f"{BASE}/basketball/nba/scoreboard?dates=20251207",
        f"{BASE}/football/nfl/summary?event=401000005",
        f"{BASE}/baseball/mlb/summary?event=401000007",
    ]
    first, second = slate(ManualClock(clock.now)), slate(ManualClock(clock.now))
    other = slate(ManualClock(clock.now), seed=22)
    for target in targets:
        assert first.handle("GET", target).body == second.handle("GET", target).body
        assert first.handle("GET", target).body != other.handle("GET", target).body


def test_faults_answer_the_next_requests_then_clear(clock: ManualClock) -> None:
    service = slate(clock)
    target = f"{BASE}/basketball/nba/scoreboard"
    posted = service.handle("POST", "/_replay/faults", body=b'{"status": 429, "count": 2, "retry_after": 3}')
    assert posted.status == 200
    first = service.handle("GET", target)
    assert first.status == 429 and ("Retry-After", "3") in first.headers
    assert service.handle("GET", f"{BASE}/basketball/nba/summary?event=401000001").status == 429
    assert service.handle("GET", target).status == 200
    service.inject_fault(403, count=1, kind="summary")
    assert service.handle("GET", target).status == 200, "a summary fault leaves the scoreboard alone"
    assert service.handle("GET", f"{BASE}/basketball/nba/summary?event=401000001").status == 403
    service.inject_fault(500, count=5)
    assert service.handle("DELETE", "/_replay/faults").status == 200
    assert service.handle("GET", target).status == 200
    counts = service.request_counts()
    assert (counts["scoreboard"], counts["summary"], counts["faulted"]) == (4, 2, 3)
    assert service.request_count == 6


@pytest.mark.parametrize(
    "body",
    [
        b'{"status": 200}',
        b'{"status": 503, "count": 0}',
        b'{"kind": "teams", "status": 500}',
        b"[1]",
        b"{",
        b'{"x": 1}',
    ],
)
def test_bad_fault_requests_are_400(clock: ManualClock, body: bytes) -> None:
    response = slate(clock).handle("POST", "/_replay/faults", body=body)
    assert response.status == 400
    assert response.json()["message"]


def test_delay_fault_is_passed_to_the_http_layer(clock: ManualClock) -> None:
    service = slate(clock)
    service.inject_fault(None, count=1, delay=0.25)
    response = service.handle("GET", f"{BASE}/basketball/nba/scoreboard")
    assert (response.status, response.delay) == (200, 0.25)
    assert service.handle("GET", f"{BASE}/basketball/nba/scoreboard").delay == 0.0


def test_state_endpoint(clock: ManualClock) -> None:
    service = slate(clock, speed=2.0)
    service.handle("GET", f"{BASE}/basketball/nba/scoreboard")
    clock.advance(1800)
    state = service.handle("GET", "/_replay/state").json()
    assert state["speed"] == 2.0 and state["seed"] == 21
    assert state["requests"]["scoreboard"] == 1
    assert state["requestsPerGameHour"] == pytest.approx(1.0)
    by_id = {g["eventId"]: g for g in state["games"]}
    assert by_id["401000004"]["status"] == "STATUS_POSTPONED"
    assert by_id["401000001"]["gameSeconds"] == pytest.approx(300 + 3600)


def test_user_agent_filter_when_enabled(clock: ManualClock) -> None:
    service = slate(clock, reject_browser_user_agents=True)
    target = f"{BASE}/basketball/nba/scoreboard"
    browser = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36"
    assert service.handle("GET", target, {"User-Agent": browser}).status == 403
    assert service.handle("GET", target, {"User-Agent": "mybot/1.0"}).status == 403
    assert service.handle("GET", target, {"User-Agent": "python-httpx/0.28.1"}).status == 200
    assert (
        service.handle("GET", target, {"user-agent": "inplay/0.1 (+https://example.org/bot)"}).status == 200
    )
    assert slate(clock).handle("GET", target, {"User-Agent": browser}).status == 200, "off by default"
