"""EspnClient over httpx.MockTransport: URLs, User-Agent, typed errors and backoff."""

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from inplay.config import DEFAULT_USER_AGENT, GamePollerSettings, load_settings
from inplay.sports.espn import (
    Backoff,
    EspnBackoffActive,
    EspnClient,
    EspnHttpError,
    EspnPayloadError,
    GameFeed,
    scoreboard_params,
)
from inplay.sports.models import League

DAY = date(2025, 12, 7)
START = datetime(2025, 12, 7, 20, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Server:
    """A scripted ESPN: answers from a queue (default 200 ``{"events": []}``) and records requests."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.responses: list[httpx.Response | Exception] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.responses:
            answer = self.responses.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return httpx.Response(200, json={"leagues": [], "events": []})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server() -> Server:
    return Server()


@pytest.fixture
def client(server: Server, clock: Clock):
    backoff = Backoff(base_seconds=5, factor=2, max_seconds=60, jitter=0.2, clock=clock, random=lambda: 0.5)
    with EspnClient(
        "http://127.0.0.1:9/apis/site/v2/sports/", backoff=backoff, transport=httpx.MockTransport(server)
    ) as espn:
        yield espn


@pytest.mark.parametrize(
    ("league", "path", "groups"),
    [
        (League.NBA, "/basketball/nba/scoreboard", None),
        (League.WNBA, "/basketball/wnba/scoreboard", None),
        (League.NFL, "/football/nfl/scoreboard", None),
        (League.NHL, "/hockey/nhl/scoreboard", None),
        (League.MLB, "/baseball/mlb/scoreboard", None),
        (League.COLLEGE_FOOTBALL, "/football/college-football/scoreboard", "80"),
        (League.MENS_COLLEGE_BASKETBALL, "/basketball/mens-college-basketball/scoreboard", "50"),
    ],
)
def test_scoreboard_url_and_params_per_league(client, server, league, path, groups) -> None:
    assert client.fetch_scoreboard(league, DAY) == {"leagues": [], "events": []}
    (request,) = server.requests
    assert request.method == "GET"
    assert request.url.path == "/apis/site/v2/sports" + path
    params = dict(request.url.params)
    expected = {"dates": "20251207", "limit": "500"}
    if groups:
        expected["groups"] = groups
    assert params == expected
    assert scoreboard_params(league, DAY) == expected


def test_identifying_user_agent_is_sent(client, server) -> None:
    client.fetch_scoreboard(League.NBA, DAY)
    assert server.requests[0].headers["User-Agent"] == DEFAULT_USER_AGENT
    assert "+http" in DEFAULT_USER_AGENT  # an identifying UA with a URL (bare tokens get 403)


def test_settings_give_base_url_and_user_agent(server) -> None:
    settings = load_settings(
        GamePollerSettings,
        {
            "INPLAY_GAMES_TABLE": "games",
            "INPLAY_RISK_TABLE": "risk",
            "INPLAY_ESPN_BASE_URL": "http://127.0.0.1:8123/espn",
            "INPLAY_USER_AGENT": "inplay-test/1.0 (+https://example.invalid)",
        },
    )
    with EspnClient.from_settings(settings, transport=httpx.MockTransport(server)) as espn:
        espn.fetch_summary(League.NHL, "401900402")
    (request,) = server.requests
    assert str(request.url) == "http://127.0.0.1:8123/espn/hockey/nhl/summary?event=401900402"
    assert request.headers["User-Agent"] == "inplay-test/1.0 (+https://example.invalid)"


def test_the_client_is_a_game_feed(client) -> None:
    feed: GameFeed = client
    assert feed.fetch_scoreboard(League.NBA, DAY) == {"leagues": [], "events": []}


@pytest.mark.parametrize("status", [403, 429, 500, 502, 503])
def test_error_status_raises_typed_error_then_backs_off_without_a_request(
    client, server, clock, status
) -> None:
    server.responses.append(httpx.Response(status, text="nope"))
    with pytest.raises(EspnHttpError) as caught:
        client.fetch_scoreboard(League.NBA, DAY)
    assert caught.value.status == status
    assert "scoreboard" in caught.value.url
    with pytest.raises(EspnBackoffActive) as backing_off:
        client.fetch_scoreboard(League.NBA, DAY)
    assert len(server.requests) == 1  # no request while backing off
    assert backing_off.value.until == START + timedelta(seconds=5.5)  # 5 s × (1 + 0.2 × 0.5)
    assert backing_off.value.seconds_left == pytest.approx(5.5)
    clock.advance(5.5)
    client.fetch_scoreboard(League.NBA, DAY)
    assert len(server.requests) == 2


def test_403_and_429_back_off_the_whole_host(client, server) -> None:
    server.responses.append(httpx.Response(429))
    with pytest.raises(EspnHttpError):
        client.fetch_scoreboard(League.NBA, DAY)
    with pytest.raises(EspnBackoffActive, match=r"host:127\.0\.0\.1"):
        client.fetch_scoreboard(League.NFL, DAY)
    with pytest.raises(EspnBackoffActive):
        client.fetch_summary(League.NFL, "1")
    assert len(server.requests) == 1


def test_5xx_backs_off_only_that_league(client, server) -> None:
    server.responses.append(httpx.Response(503))
    with pytest.raises(EspnHttpError):
        client.fetch_scoreboard(League.NBA, DAY)
    client.fetch_scoreboard(League.NFL, DAY)
    with pytest.raises(EspnBackoffActive, match="league:nba"):
        client.fetch_scoreboard(League.NBA, DAY)
    assert len(server.requests) == 2


def test_retry_after_is_honoured_up_to_the_cap(client, server) -> None:
    server.responses.append(httpx.Response(429, headers={"Retry-After": "30"}))
    with pytest.raises(EspnHttpError):
        client.fetch_scoreboard(League.NBA, DAY)
    with pytest.raises(EspnBackoffActive) as caught:
        client.fetch_scoreboard(League.NBA, DAY)
    assert caught.value.until == START + timedelta(seconds=30)


def test_backoff_grows_exponentially_and_success_resets_it(client, server, clock) -> None:
    delays = []
    for _ in range(5):
        server.responses.append(httpx.Response(500))
        with pytest.raises(EspnHttpError):
            client.fetch_scoreboard(League.MLB, DAY)
        until = client.backoff.until("league:mlb")
        delays.append((until - clock.now).total_seconds())
        clock.now = until
    assert delays == [5.5, 11.0, 22.0, 44.0, 66.0]  # base 5, ×2, capped at 60, ×1.1 jitter
    client.fetch_scoreboard(League.MLB, DAY)
    assert client.backoff.failures("league:mlb") == 0
    assert client.backoff.until("league:mlb") is None
    server.responses.append(httpx.Response(500))
    with pytest.raises(EspnHttpError):
        client.fetch_scoreboard(League.MLB, DAY)
    assert client.backoff.until("league:mlb") == clock.now + timedelta(seconds=5.5)


def test_timeouts_and_connection_errors_back_off(client, server) -> None:
    server.responses.append(httpx.ReadTimeout("slow"))
    with pytest.raises(EspnHttpError, match="timed out") as caught:
        client.fetch_scoreboard(League.NHL, DAY)
    assert caught.value.status is None
    with pytest.raises(EspnBackoffActive):
        client.fetch_scoreboard(League.NHL, DAY)
    server.responses.append(httpx.ConnectError("refused"))
    with pytest.raises(EspnHttpError, match="ConnectError"):
        client.fetch_scoreboard(League.NBA, DAY)
    assert client.backoff.until("league:nba") is not None


def test_a_scoreboard_4xx_backs_off_but_a_summary_404_does_not(client, server) -> None:
    server.responses.append(httpx.Response(404))
    with pytest.raises(EspnHttpError) as caught:
        client.fetch_summary(League.NBA, "999")
    assert caught.value.status == 404
    client.fetch_scoreboard(League.NBA, DAY)  # not backed off
    server.responses.append(
        httpx.Response(400, json={"code": 400, "message": "Failed to get events endpoint."})
    )
    with pytest.raises(EspnHttpError):
        client.fetch_scoreboard(League.NBA, DAY)
    with pytest.raises(EspnBackoffActive):
        client.fetch_scoreboard(League.NBA, DAY)  # never re-asked in a tight loop
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    "response",
    [httpx.Response(200, text="<html>blocked</html>"), httpx.Response(200, json=[1, 2])],
)
def test_a_200_that_is_not_a_json_object_is_a_payload_error(client, server, response) -> None:
    server.responses.append(response)
    with pytest.raises(EspnPayloadError, match="not"):
        client.fetch_scoreboard(League.NBA, DAY)
    assert client.backoff.until("league:nba") is not None


def test_summary_needs_an_event_id(client) -> None:
    with pytest.raises(ValueError, match="event_id"):
        client.fetch_summary(League.NBA, " ")


def test_backoff_policy_validation_and_injected_randomness(clock) -> None:
    with pytest.raises(ValueError):
        Backoff(base_seconds=0)
    with pytest.raises(ValueError):
        Backoff(jitter=2)
    low = Backoff(base_seconds=10, jitter=0.5, clock=clock, random=lambda: 0.0)
    high = Backoff(base_seconds=10, jitter=0.5, clock=clock, random=lambda: 0.999)
    assert low.failure("k") == START + timedelta(seconds=10)
    assert high.failure("k") == START + timedelta(seconds=10 * (1 + 0.5 * 0.999))
    low.check("other")  # nothing recorded there: no error
    with pytest.raises(EspnBackoffActive):
        low.check("other", "k")
