"""The poller: fresh to seconds while games are live, one pass when nothing is."""

from datetime import UTC, date, datetime, timedelta

from inplay.sports.espn import EspnBackoffActive
from inplay.sports.models import League
from inplay.sports.poller import GamePoller
from tests.support.fakes import FakeClock, InMemoryGames, ScriptedFeed, event, http_error, scoreboard


class RecordingMetrics:
    def __init__(self) -> None:
        self.values: dict[str, float] = {}

    def add_metric(self, name: str, unit: str, value: float) -> None:
        self.values[name] = value


def make_poller(feed: ScriptedFeed, games: InMemoryGames, clock: FakeClock, **kwargs: object) -> GamePoller:
    options: dict[str, object] = {
        "leagues": [League.NBA, League.NHL],
        "interval_seconds": 8.0,
        "window_seconds": 56.0,
    }
    options.update(kwargs)
    return GamePoller(feed, games, clock=clock, sleep=clock.sleep, **options)  # type: ignore[arg-type]


def test_nothing_live_means_one_request_per_league_and_no_sleeping() -> None:
    clock = FakeClock(datetime(2026, 11, 24, 22, 0, tzinfo=UTC))
    feed = ScriptedFeed({League.NBA: [scoreboard(League.NBA, [event("1", state="pre", period=0)])]})
    games = InMemoryGames()
    report = make_poller(feed, games, clock).run()
    assert report.passes == 1
    assert [league for league, _ in feed.calls] == [League.NBA, League.NHL]
    assert clock.sleeps == []
    assert report.written == 1
    assert report.live_leagues == []


def test_live_games_are_polled_every_interval_for_the_whole_window() -> None:
    clock = FakeClock()
    scores = [scoreboard(League.NBA, [event("1", home_score=50 + i)]) for i in range(20)]
    feed = ScriptedFeed({League.NBA: scores})
    games = InMemoryGames()
    metrics = RecordingMetrics()
    report = make_poller(feed, games, clock, metrics=metrics).run()
    # Passes at 0, 8, ..., 56 s: the next minute's invocation starts ~4 s after the last one.
    assert report.passes == 8
    assert report.max_poll_gap_seconds == 8.0
    # Only the league with live games is polled after the first pass.
    assert sum(1 for league, _ in feed.calls if league is League.NHL) == 1
    assert sum(1 for league, _ in feed.calls if league is League.NBA) == 8
    assert games.rows[("nba", "1")].game.home.score == 57
    assert report.written == 8
    assert metrics.values["LiveGames"] == 1
    assert metrics.values["MaxPollGapSeconds"] == 8.0
    assert games.heartbeats["nba"].polled_at == datetime(2026, 11, 24, 22, 0, 56, tzinfo=UTC)


def test_unchanged_games_are_not_rewritten() -> None:
    clock = FakeClock()
    feed = ScriptedFeed({League.NBA: [scoreboard(League.NBA, [event("1")])]})
    games = InMemoryGames()
    report = make_poller(feed, games, clock).run()
    assert report.passes == 8
    assert report.written == 1
    assert games.writes == 1


def test_polling_stops_when_the_last_live_game_ends() -> None:
    clock = FakeClock()
    feed = ScriptedFeed(
        {
            League.NBA: [
                scoreboard(League.NBA, [event("1", home_score=99)]),
                scoreboard(League.NBA, [event("1", home_score=101)]),
                scoreboard(League.NBA, [event("1", state="post", home_score=101, completed=True)]),
            ]
        }
    )
    games = InMemoryGames()
    report = make_poller(feed, games, clock).run()
    assert report.passes == 3
    assert games.rows[("nba", "1")].game.is_final


def test_the_remaining_lambda_time_caps_the_window() -> None:
    clock = FakeClock()
    feed = ScriptedFeed({League.NBA: [scoreboard(League.NBA, [event("1")])]})
    report = make_poller(feed, InMemoryGames(), clock).run(window_seconds=20)
    assert report.passes == 3  # 0, 8, 16


def test_a_failing_league_is_reported_and_does_not_stop_the_others() -> None:
    clock = FakeClock()
    feed = ScriptedFeed(
        {
            League.NBA: [scoreboard(League.NBA, [event("1", state="pre", period=0)])],
            League.NHL: [http_error(503)],
        }
    )
    games = InMemoryGames()
    report = make_poller(feed, games, clock).run()
    assert "nhl" in report.errors
    assert games.heartbeats["nhl"].ok is False
    assert "503" in (games.heartbeats["nhl"].error or "")
    assert ("nba", "1") in games.rows


def test_evenings_poll_one_us_day() -> None:
    # 22:00Z on Nov 24 is 5 PM Eastern: one scoreboard day, one request.
    clock = FakeClock(datetime(2026, 11, 24, 22, 0, tzinfo=UTC))
    feed = ScriptedFeed({})
    make_poller(feed, InMemoryGames(), clock, leagues=[League.NBA]).run()
    assert feed.calls == [(League.NBA, date(2026, 11, 24))]


def test_overnight_the_previous_day_is_polled_too_and_only_live_days_repeat() -> None:
    # 08:30Z is 3:30 AM Eastern: ESPN's day has turned, but last night's late game may be live.
    clock = FakeClock(datetime(2026, 11, 24, 8, 30, tzinfo=UTC))
    late_game = scoreboard(League.NBA, [event("9", home_score=120, period=5)])
    feed = ScriptedFeed({League.NBA: [late_game]})
    calls: list[tuple[League, date]] = []

    def fetch(league: League, day: date) -> dict:
        calls.append((league, day))
        return late_game if day == date(2026, 11, 23) else scoreboard(league, [])

    feed.fetch_scoreboard = fetch  # type: ignore[method-assign]
    games = InMemoryGames()
    report = make_poller(feed, games, clock, leagues=[League.NBA]).run()
    assert calls[:2] == [(League.NBA, date(2026, 11, 23)), (League.NBA, date(2026, 11, 24))]
    assert set(calls[2:]) == {(League.NBA, date(2026, 11, 23))}  # only the day with a live game
    assert report.passes == 8
    assert games.heartbeats["nba"].live_games == 1


def test_backing_off_skips_the_league_without_touching_its_heartbeat() -> None:
    clock = FakeClock(datetime(2026, 11, 24, 22, 0, tzinfo=UTC))
    backoff = EspnBackoffActive("host", until=clock.now + timedelta(seconds=30), now=clock.now)
    feed = ScriptedFeed({League.NBA: [backoff]})
    games = InMemoryGames()
    report = make_poller(feed, games, clock, leagues=[League.NBA]).run()
    assert report.requests == 0
    assert "nba" in report.errors
    assert "nba" not in games.heartbeats
