"""ESPN site-API HTTP client (sync httpx), its backoff policy, and which US dates to query.

The client never retries by itself. On 403/429/5xx/timeouts it records a backoff (exponential, with
jitter) and, until that passes, ``fetch_*`` raises :class:`EspnBackoffActive` without a request.
403 and 429 are host-wide signals (User-Agent filter, rate limit), so they back off the whole host;
5xx, timeouts and other failures back off only the league that failed. A success resets both.
"""

from __future__ import annotations

import random as _random
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from typing import TYPE_CHECKING, Any, Final, Protocol, Self

import httpx

from inplay.config import DEFAULT_USER_AGENT, ESPN_BASE_URL
from inplay.sports.espn_parser import EspnError, EspnPayloadError
from inplay.sports.models import League

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from types import TracebackType

    from inplay.config import GamePollerSettings

__all__ = [
    "Backoff",
    "EspnBackoffActive",
    "EspnClient",
    "EspnHttpError",
    "GameFeed",
    "SummaryFeed",
    "espn_scoreboard_date",
    "scoreboard_params",
    "us_eastern",
    "us_scoreboard_dates",
]

SCOREBOARD_LIMIT: Final = 500
"""50–500 returns every event; 600+ silently returns 25, and no limit may stop at 25."""
SCOREBOARD_GROUPS: Final = {
    League.COLLEGE_FOOTBALL: "80",  # FBS; without it only featured/Top-25 games come back
    League.MENS_COLLEGE_BASKETBALL: "50",  # Division I
}
ESPN_DAY_TURNS_AT_EASTERN_HOUR: Final = 3
"""ESPN's scoreboard days start at midnight Pacific (07:00Z/08:00Z), i.e. 3 AM Eastern."""
LATE_GAMES_UNTIL: Final = time(8, 0)
"""US-Eastern wall time until which the previous US date is also queried (see us_scoreboard_dates)."""


class EspnHttpError(EspnError):
    """ESPN answered with an error status, or no answer came (``status`` is then ``None``)."""

    def __init__(self, message: str, *, status: int | None, url: str) -> None:
        super().__init__(message)
        self.status = status
        self.url = url


class EspnBackoffActive(EspnError):
    """A recent failure put ``key`` in backoff until ``until``; no request was sent."""

    def __init__(self, key: str, until: datetime, now: datetime) -> None:
        self.key = key
        self.until = until
        self.seconds_left = max(0.0, (until - now).total_seconds())
        super().__init__(
            f"ESPN backoff active for {key} until {until.isoformat()} ({self.seconds_left:.1f}s left)"
        )


class GameFeed(Protocol):
    """What the game poller needs: one day's scoreboard of one league."""

    def fetch_scoreboard(self, league: League, day: date) -> Mapping[str, Any]: ...


class SummaryFeed(Protocol):
    def fetch_summary(self, league: League, event_id: str) -> Mapping[str, Any]: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Backoff:
    """Per-key backoff state: delay = min(max, base·factor^(n−1)) · (1 + jitter·U[0,1)) after the
    n-th consecutive failure, at least ``min_seconds`` (e.g. a ``Retry-After``), capped at ``max``.

    ``clock`` and ``random`` are injectable so tests are exact.
    """

    def __init__(
        self,
        *,
        base_seconds: float = 5.0,
        factor: float = 2.0,
        max_seconds: float = 300.0,
        jitter: float = 0.2,
        clock: Callable[[], datetime] = _utcnow,
        random: Callable[[], float] = _random.random,
    ) -> None:
        if base_seconds <= 0 or factor < 1 or max_seconds < base_seconds or not 0 <= jitter <= 1:
            raise ValueError(
                "need base_seconds > 0, factor >= 1, max_seconds >= base_seconds and 0 <= jitter <= 1"
            )
        self.base_seconds = base_seconds
        self.factor = factor
        self.max_seconds = max_seconds
        self.jitter = jitter
        self._clock = clock
        self._random = random
        self._failures: dict[str, int] = {}
        self._until: dict[str, datetime] = {}

    def now(self) -> datetime:
        return self._clock()

    def failures(self, key: str) -> int:
        return self._failures.get(key, 0)

    def until(self, key: str) -> datetime | None:
        """When ``key``'s backoff ends, or ``None`` if it is not backing off now."""
        until = self._until.get(key)
        return until if until is not None and until > self._clock() else None

    def check(self, *keys: str) -> None:
        """Raise :class:`EspnBackoffActive` for the key whose backoff ends last, if any is active."""
        now = self._clock()
        active = [(until, key) for key in keys if (until := self._until.get(key)) is not None and until > now]
        if active:
            until, key = max(active)
            raise EspnBackoffActive(key, until, now)

    def failure(self, key: str, *, min_seconds: float = 0.0) -> datetime:
        """Record one more consecutive failure of ``key``; return when its backoff ends."""
        count = self._failures.get(key, 0) + 1
        self._failures[key] = count
        delay = min(self.max_seconds, self.base_seconds * self.factor ** min(count - 1, 64))
        delay *= 1 + self.jitter * self._random()
        delay = min(max(delay, min_seconds), self.max_seconds * (1 + self.jitter))
        until = self._clock() + timedelta(seconds=delay)
        self._until[key] = until
        return until

    def success(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)
            self._until.pop(key, None)


def scoreboard_params(league: League, day: date) -> dict[str, str]:
    """Query parameters of one league's scoreboard for one US date."""
    params = {"dates": day.strftime("%Y%m%d"), "limit": str(SCOREBOARD_LIMIT)}
    groups = SCOREBOARD_GROUPS.get(league)
    if groups is not None:
        params["groups"] = groups
    return params


class EspnClient:
    """Sync client for ``{base_url}/{sport}/{league}/scoreboard`` and ``.../summary``.

    ``base_url`` defaults to ESPN's site API; the local replay server passes its own.
    ``transport`` lets tests plug in ``httpx.MockTransport``.
    """

    def __init__(
        self,
        base_url: str = ESPN_BASE_URL,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout_seconds: float = 5.0,
        backoff: Backoff | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.backoff = backoff if backoff is not None else Backoff()
        self._http = httpx.Client(
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            timeout=httpx.Timeout(timeout_seconds),
            transport=transport,
            follow_redirects=True,
        )

    @classmethod
    def from_settings(cls, settings: GamePollerSettings, **kwargs: Any) -> Self:
        return cls(settings.espn_base_url, user_agent=settings.user_agent, **kwargs)

    def fetch_scoreboard(self, league: League, day: date) -> dict[str, Any]:
        league = League(league)
        return self._get(league, "scoreboard", scoreboard_params(league, day), event_specific=False)

    def fetch_summary(self, league: League, event_id: str) -> dict[str, Any]:
        league = League(league)
        if not event_id or not event_id.strip():
            raise ValueError("event_id is required")
        return self._get(league, "summary", {"event": event_id.strip()}, event_specific=True)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _get(
        self, league: League, endpoint: str, params: Mapping[str, str], *, event_specific: bool
    ) -> dict[str, Any]:
        url = f"{self.base_url}/{league.sport}/{league.value}/{endpoint}"
        host_key = f"host:{httpx.URL(url).host}"
        league_key = f"league:{league.value}"
        self.backoff.check(host_key, league_key)
        try:
            response = self._http.get(url, params=params)
        except httpx.TimeoutException as exc:
            self.backoff.failure(league_key)
            raise EspnHttpError(f"ESPN {endpoint} for {league} timed out", status=None, url=url) from exc
        except httpx.HTTPError as exc:
            self.backoff.failure(league_key)
            raise EspnHttpError(
                f"ESPN {endpoint} for {league} failed: {type(exc).__name__}: {exc}", status=None, url=url
            ) from exc
        status = response.status_code
        if status >= 300:
            if status in (403, 429):
                self.backoff.failure(host_key, min_seconds=_retry_after(response.headers.get("Retry-After")))
            elif status >= 500 or not event_specific:
                # A scoreboard 4xx will not fix itself on the next poll; a summary 404 is one event.
                self.backoff.failure(league_key)
            raise EspnHttpError(
                f"ESPN {endpoint} for {league}: HTTP {status}", status=status, url=str(response.url)
            )
        try:
            data = response.json()
        except ValueError:
            self.backoff.failure(league_key)
            raise EspnPayloadError(f"ESPN {endpoint} for {league}: response is not JSON") from None
        if not isinstance(data, dict):
            self.backoff.failure(league_key)
            raise EspnPayloadError(f"ESPN {endpoint} for {league}: response is not a JSON object")
        self.backoff.success(host_key, league_key)
        return data


def _retry_after(value: str | None) -> float:
    """``Retry-After`` in seconds (the delta form; an HTTP date counts as no hint)."""
    if value is None:
        return 0.0
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return 0.0


# --------------------------------------------------------------------------- US dates


@cache
def _eastern_zone() -> tzinfo | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo("America/New_York")
    except ZoneInfoNotFoundError:
        return None


def _nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


_EDT: Final = timezone(timedelta(hours=-4), "EDT")
_EST: Final = timezone(timedelta(hours=-5), "EST")


def _eastern_by_rule(moment: datetime) -> datetime:
    """US-Eastern wall time by the US rule in force since 2007 (DST from 2 AM on the second Sunday
    of March to 2 AM on the first Sunday of November): the fallback when no tz database exists."""
    utc = moment.astimezone(UTC)
    dst_start = datetime.combine(_nth_sunday(utc.year, 3, 2), time(7, 0), UTC)  # 02:00 EST
    dst_end = datetime.combine(_nth_sunday(utc.year, 11, 1), time(6, 0), UTC)  # 02:00 EDT
    return utc.astimezone(_EDT if dst_start <= utc < dst_end else _EST)


def us_eastern(moment: datetime) -> datetime:
    """``moment`` (timezone-aware) as US-Eastern wall time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("moment must be timezone-aware")
    zone = _eastern_zone()
    return moment.astimezone(zone) if zone is not None else _eastern_by_rule(moment)


def us_scoreboard_dates(now: datetime, *, late_games_until: time = LATE_GAMES_UNTIL) -> list[date]:
    """The ``dates=`` values to poll at ``now``, oldest first.

    ESPN files a game under the US date of its start with the day turning at ~3 AM Eastern
    (midnight Pacific: the scoreboard ``calendar`` days start at 07:00Z/08:00Z). So a game that
    starts at 10:30 PM Pacific (1:30 AM Eastern) is under the previous date, and games that start
    late in the evening (West Coast, Hawaii, extra innings, overtime) are still live well after
    midnight Eastern. We therefore query the current US-Eastern date and, until
    ``late_games_until`` Eastern (08:00 by default: a 3 AM Eastern start plus a long game), the
    previous date as well. The extra request happens only overnight, when little else is polled.
    """
    eastern = us_eastern(now)
    today = eastern.date()
    if eastern.time() < late_games_until:
        return [today - timedelta(days=1), today]
    return [today]


def espn_scoreboard_date(now: datetime) -> date:
    """The single US date ESPN files "now" under: the Eastern date, turning at 3 AM Eastern.

    Games that started the previous evening and are still live after 3 AM Eastern are under the
    previous date; :func:`us_scoreboard_dates` covers those too.
    """
    return (us_eastern(now) - timedelta(hours=ESPN_DAY_TURNS_AT_EASTERN_HOUR)).date()
