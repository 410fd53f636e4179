"""The replay's request handling, without sockets: ``handle(method, target, headers, body)``.

ESPN paths (under ``/apis/site/v2/sports``):

- ``GET /{sport}/{league}/scoreboard?dates=YYYYMMDD|YYYYMM|YYYY&limit=N&groups=..`` — no ``dates``:
  today (football: this week, or ``week=N``); a range or a malformed date → 400
  ``{"code":400,"message":"Failed to get events endpoint."}``; ``limit`` >= 600 → 25 events, as ESPN.
- ``GET /{sport}/{league}/summary?event=ID`` — unknown event → 404 JSON.

Side door for tests and benchmarks (a poller pointed at the base URL never touches it):

- ``GET /_replay/state`` — speed, request counts (per kind), requests per game-hour, every game's
  status and score.
- ``POST /_replay/faults`` ``{"status": 429, "count": 3, "kind": "scoreboard|summary|any",
  "retry_after": 5, "delay": 0.5}`` — the next ``count`` ESPN requests of ``kind`` answer ``status``
  (with ``Retry-After`` when given) and/or wait ``delay`` seconds first. ``GET`` lists, ``DELETE``
  clears.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Literal
from urllib.parse import parse_qs, urlsplit

from inplay.sports.models import League
from local.espn_replay._time import espn_day, iso_utc
from local.espn_replay.clock import Clock, ReplayClock, ReplayError
from local.espn_replay.render import scoreboard_json, summary_json, week_number
from local.espn_replay.scenario import ReplayGame, Scenario, build_slate
from local.espn_replay.view import View, compute_view

__all__ = ["BASE_PATH", "FaultRule", "ReplayService", "Response"]

BASE_PATH: Final = "/apis/site/v2/sports"
ADMIN_PATH: Final = "/_replay"
Kind = Literal["scoreboard", "summary", "any"]
_DATES: Final = re.compile(r"^(\d{4})(\d{2})?(\d{2})?$")
_LIBRARY_AGENTS: Final = (
    "python-requests",
    "python-urllib",
    "python-httpx",
    "curl/",
    "wget/",
    "okhttp",
    "aiohttp",
)
_REASONS: Final = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_COLLEGE: Final = (League.COLLEGE_FOOTBALL, League.MENS_COLLEGE_BASKETBALL)
DATES_ERROR: Final = "Failed to get events endpoint."


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    """Seconds the HTTP layer waits before answering (fault injection)."""

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(slots=True)
class FaultRule:
    status: int | None
    """HTTP status to answer with; ``None`` = answer normally (only ``delay`` applies)."""
    remaining: int
    kind: Kind = "any"
    retry_after: int | None = None
    delay: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "remaining": self.remaining,
            "kind": self.kind,
            "retry_after": self.retry_after,
            "delay": self.delay,
        }


class _HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _json_response(
    status: int, payload: Any, *, cache: bool = False, extra: tuple[tuple[str, str], ...] = ()
) -> Response:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = [("Content-Type", "application/json;charset=UTF-8")]
    if cache:
        headers.append(("Cache-Control", "max-age=5"))
    return Response(status, body, (*headers, *extra))


def _error(status: int, message: str | None = None) -> Response:
    return _json_response(status, {"code": status, "message": message or _REASONS.get(status, "Error")})


class ReplayService:
    """Serves the slate of ``scenario`` at ``speed``; thread-safe."""

    def __init__(
        self,
        scenario: Scenario,
        speed: float = 1.0,
        clock: Clock | None = None,
        *,
        reject_browser_user_agents: bool = False,
    ) -> None:
        if not isinstance(scenario, Scenario):
            raise ReplayError("scenario must be a Scenario")
        self.scenario = scenario
        self.clock = ReplayClock(speed, clock)
        self.games: tuple[ReplayGame, ...] = build_slate(scenario, self.clock.started_at, self.clock.speed)
        self._by_id = {g.event_id: g for g in self.games}
        self.reject_browser_user_agents = reject_browser_user_agents
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._faults: list[FaultRule] = []

    # --- time and views ---------------------------------------------------------------------
    @property
    def speed(self) -> float:
        return self.clock.speed

    def view(self, game: ReplayGame, now: datetime | None = None) -> View:
        return compute_view(game, self.clock.game_seconds(game.scheduled_start, now))

    def wall_time(self, game: ReplayGame, timeline_seconds: float) -> datetime:
        return self.clock.wall_time(game.scheduled_start, timeline_seconds)

    def game(self, event_id: str) -> ReplayGame:
        try:
            return self._by_id[event_id]
        except KeyError:
            raise ReplayError(f"no event {event_id!r} in this replay") from None

    # --- counters and faults ----------------------------------------------------------------
    @property
    def request_count(self) -> int:
        """ESPN requests received (scoreboard + summary, including faulted ones)."""
        with self._lock:
            return self._counts["scoreboard"] + self._counts["summary"]

    def request_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self._counts.items()))

    def requests_per_game_hour(self, now: datetime | None = None) -> float:
        """ESPN requests per hour of game time since the replay started."""
        game_hours = self.clock.wall_elapsed(now) * self.speed / 3600.0
        return self.request_count / game_hours if game_hours > 0 else 0.0

    def inject_fault(
        self,
        status: int | None,
        count: int = 1,
        kind: Kind = "any",
        *,
        retry_after: int | None = None,
        delay: float = 0.0,
    ) -> FaultRule:
        """Make the next ``count`` ESPN requests of ``kind`` answer ``status`` (and/or wait ``delay``)."""
        if status is not None and not (isinstance(status, int) and 400 <= status <= 599):
            raise ReplayError("fault status must be an HTTP error code 400-599 or null")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 100_000:
            raise ReplayError("fault count must be an integer 1-100000")
        if kind not in ("scoreboard", "summary", "any"):
            raise ReplayError("fault kind must be 'scoreboard', 'summary' or 'any'")
        if not isinstance(delay, int | float) or not 0 <= delay <= 60:
            raise ReplayError("fault delay must be 0-60 seconds")
        if retry_after is not None and (not isinstance(retry_after, int) or retry_after < 0):
            raise ReplayError("retry_after must be a non-negative integer")
        if status is None and delay == 0:
            raise ReplayError("a fault needs a status or a delay")
        rule = FaultRule(status, count, kind, retry_after, float(delay))
        with self._lock:
            self._faults.append(rule)
        return rule

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.as_json() for f in self._faults]

    def _take_fault(self, kind: str) -> FaultRule | None:
        with self._lock:
            for rule in self._faults:
                if rule.kind in ("any", kind):
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._faults.remove(rule)
                    return rule
        return None

    def _count(self, kind: str) -> None:
        with self._lock:
            self._counts[kind] += 1

    # --- ESPN payloads ----------------------------------------------------------------------
    def scoreboard(
        self, league: League, query: Mapping[str, str] | None = None, now: datetime | None = None
    ) -> dict[str, Any]:
        """The scoreboard JSON; raises :class:`ReplayError` for a bad ``dates``/``limit``."""
        query = query or {}
        moment = self.clock.now() if now is None else now
        games = [g for g in self.games if g.league is league]
        day, keep = self._date_filter(league, query, moment)
        if query.get("seasontype", "2") != "2":
            keep_games: list[ReplayGame] = []
        else:
            keep_games = [g for g in games if keep(g)]
        keep_games.sort(key=lambda g: (g.scheduled_start, g.event_id))
        limit = self._limit(league, query.get("limit"))
        views = [self.view(g, moment) for g in keep_games[:limit]]
        return scoreboard_json(league, views, games, day)

    def summary(self, league: League, event_id: str, now: datetime | None = None) -> dict[str, Any]:
        game = self._by_id.get(event_id)
        if game is None or game.league is not league:
            raise ReplayError(f"no {league.value} event {event_id!r}")
        return summary_json(self.view(game, now), self.wall_time)

    @staticmethod
    def _limit(league: League, raw: str | None) -> int:
        if raw is None:
            return 25 if league in _COLLEGE else 1000
        if not raw.isdigit() or int(raw) < 1:
            raise _HttpError(400, DATES_ERROR)
        value = int(raw)
        return 25 if value >= 600 else value  # ESPN quietly returns 25 events for limit >= 600

    def _date_filter(
        self, league: League, query: Mapping[str, str], now: datetime
    ) -> tuple[date, Callable[[ReplayGame], bool]]:
        """The day shown and which games to list. ``dates``: ``YYYYMMDD``, ``YYYYMM`` or ``YYYY`` (US
        dates, ESPN's day boundary); ranges answer 400 like ESPN. No ``dates``: today (football: this
        week, or ``week=N``)."""
        raw = query.get("dates")
        if raw is None:
            day = espn_day(now)
            if league.sport != "football":
                return day, lambda g: espn_day(g.scheduled_start) == day
            week = query.get("week", str(week_number(league, day)))
            if not week.isdigit():
                raise _HttpError(400, DATES_ERROR)
            return day, lambda g: week_number(league, espn_day(g.scheduled_start)) == int(week)
        match = _DATES.match(raw)
        if match is None:
            raise _HttpError(400, DATES_ERROR)
        year, month, day_part = match.groups()
        try:
            first = date(int(year), int(month or 1), int(day_part or 1))
        except ValueError:
            raise _HttpError(400, DATES_ERROR) from None
        return first, lambda g: espn_day(g.scheduled_start).strftime("%Y%m%d").startswith(raw)

    # --- HTTP -------------------------------------------------------------------------------
    def handle(
        self, method: str, target: str, headers: Mapping[str, str] | None = None, body: bytes = b""
    ) -> Response:
        """Answer one request. Never raises for bad input: errors become JSON error responses."""
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if path == ADMIN_PATH or path.startswith(ADMIN_PATH + "/"):
            self._count("admin")
            return self._admin(method.upper(), path, body)
        route = self._route(path)
        if route is None:
            self._count("not_found")
            return _error(404)
        league, endpoint = route
        self._count(endpoint)
        fault = self._take_fault(endpoint)
        if fault is not None:
            self._count("faulted")
            if fault.status is not None:
                extra = (("Retry-After", str(fault.retry_after)),) if fault.retry_after is not None else ()
                reply = _json_response(
                    fault.status,
                    {"code": fault.status, "message": _REASONS.get(fault.status, "Error")},
                    extra=extra,
                )
                return Response(reply.status, reply.body, reply.headers, fault.delay)
        delay = fault.delay if fault is not None else 0.0
        reply = self._espn(method.upper(), league, endpoint, query, headers or {})
        return Response(reply.status, reply.body, reply.headers, delay)

    def _route(self, path: str) -> tuple[League, str] | None:
        if not path.startswith(BASE_PATH + "/"):
            return None
        pieces = path[len(BASE_PATH) + 1 :].split("/")
        if len(pieces) != 3 or pieces[2] not in ("scoreboard", "summary"):
            return None
        sport, slug, endpoint = pieces
        try:
            league = League(slug)
        except ValueError:
            return None
        if league.sport != sport:
            return None
        return league, endpoint

    def _agent_allowed(self, headers: Mapping[str, str]) -> bool:
        if not self.reject_browser_user_agents:
            return True
        agent = next((v for k, v in headers.items() if k.lower() == "user-agent"), "").strip()
        lowered = agent.lower()
        if not agent or lowered.startswith(_LIBRARY_AGENTS):
            return True
        if lowered.startswith("mozilla/"):
            return False
        return "http://" in lowered or "https://" in lowered

    def _espn(
        self, method: str, league: League, endpoint: str, query: Mapping[str, str], headers: Mapping[str, str]
    ) -> Response:
        if method != "GET":
            return _error(405)
        if not self._agent_allowed(headers):
            return _error(403)
        try:
            if endpoint == "scoreboard":
                return _json_response(200, self.scoreboard(league, query), cache=True)
            event_id = query.get("event", "")
            if not event_id.isdigit():
                return _error(400, "Failed to get summary endpoint.")
            return _json_response(200, self.summary(league, event_id), cache=True)
        except _HttpError as exc:
            return _error(exc.status, exc.message)
        except ReplayError:
            return _error(404, "Failed to get summary endpoint.")

    # --- admin ------------------------------------------------------------------------------
    def state(self, now: datetime | None = None) -> dict[str, Any]:
        moment = self.clock.now() if now is None else now
        games = []
        for game in self.games:
            view = self.view(game, moment)
            last = view.last_play
            games.append(
                {
                    "eventId": game.event_id,
                    "league": game.league.value,
                    "sport": game.league.sport,
                    "home": game.home.abbreviation,
                    "away": game.away.abbreviation,
                    "homeTeamId": game.home.id,
                    "awayTeamId": game.away.id,
                    "scheduledStart": iso_utc(game.scheduled_start),
                    "gameSeconds": round(self.clock.game_seconds(game.scheduled_start, moment), 3),
                    "state": view.state,
                    "status": view.status.name,
                    "detail": view.status.detail,
                    "period": view.period,
                    "displayClock": view.display_clock,
                    "homeScore": view.home_score,
                    "awayScore": view.away_score,
                    "homeWinPercentage": last.home_wp if last else None,
                    "playsRevealed": view.revealed,
                    "playsTotal": len(game.script.plays),
                }
            )
        return {
            "scenario": self.scenario.name,
            "seed": self.scenario.seed,
            "speed": self.speed,
            "startedAt": iso_utc(self.clock.started_at),
            "now": iso_utc(moment),
            "basePath": BASE_PATH,
            "requests": self.request_counts(),
            "requestsPerGameHour": round(self.requests_per_game_hour(moment), 3),
            "faults": self.faults(),
            "games": games,
        }

    def _admin(self, method: str, path: str, body: bytes) -> Response:
        if path == ADMIN_PATH + "/state" and method == "GET":
            return _json_response(200, self.state())
        if path != ADMIN_PATH + "/faults":
            return _error(404)
        if method == "GET":
            return _json_response(200, {"faults": self.faults()})
        if method == "DELETE":
            self.clear_faults()
            return _json_response(200, {"faults": []})
        if method != "POST":
            return _error(405)
        try:
            spec = json.loads(body or b"{}")
            if not isinstance(spec, dict):
                raise ReplayError("body must be a JSON object")
            unknown = set(spec) - {"status", "count", "kind", "retry_after", "delay"}
            if unknown:
                raise ReplayError(f"unknown fault fields: {', '.join(sorted(unknown))}")
            self.inject_fault(
                spec.get("status"),
                spec.get("count", 1),
                spec.get("kind", "any"),
                retry_after=spec.get("retry_after"),
                delay=spec.get("delay", 0.0),
            )
        except (ValueError, TypeError) as exc:
            return _json_response(400, {"code": 400, "message": str(exc)})
        return _json_response(200, {"faults": self.faults()})
