"""The games table: the latest normalized state of each game, plus one feed heartbeat per league.

Writes are conditional, so two pollers running at once (a slow invocation overlapping the next
minute's) can never replace a newer observation with an older one, and an unchanged game costs
no write at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Final, Protocol

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from inplay.sports.models import GameState, League, Phase
from inplay.store.pynamo import bind
from inplay.store.schema import GAMES

__all__ = ["FEED_EVENT_ID", "FeedHeartbeat", "GamesRepository", "GamesStore", "StoredGame", "fingerprint"]

FEED_EVENT_ID: Final = "#feed"
"""Sort key of the per-league heartbeat row; ``#`` sorts before every numeric ESPN event id."""


@dataclass(frozen=True, slots=True)
class StoredGame:
    game: GameState
    observed_at: datetime
    """When the poller first read this state from ESPN (UTC). How fresh the feed is, is the
    league's :class:`FeedHeartbeat`: an unchanged game is not rewritten."""


@dataclass(frozen=True, slots=True)
class FeedHeartbeat:
    league: League
    polled_at: datetime
    live_games: int
    ok: bool
    error: str | None = None
    last_ok_at: datetime | None = None
    """The last poll that succeeded (a failed poll keeps the previous one): how fresh the data is."""


class GamesRepository(Protocol):
    """What the poller and the API need from game storage."""

    def upsert(self, game: GameState, observed_at: datetime) -> bool:
        """Store ``game`` if it differs from the stored state and is newer; True if written."""
        ...

    def record_poll(self, heartbeat: FeedHeartbeat) -> None: ...

    def list_games(
        self, league: League | None = None, state: Phase | None = None, *, now: datetime | None = None
    ) -> list[StoredGame]: ...

    def feed_status(self, leagues: Iterable[League]) -> list[FeedHeartbeat]: ...


def fingerprint(game: GameState) -> str:
    """A stable digest of what makes a snapshot worth writing (see ``GameState.material_key``)."""
    return hashlib.sha256(repr(game.material_key()).encode()).hexdigest()[:32]


class _StateIndex(GlobalSecondaryIndex["_GameItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = GAMES.gsis[0].name
        projection = AllProjection()

    state = UnicodeAttribute(hash_key=True)
    start_time = UnicodeAttribute(range_key=True)


class _GameItem(Model):
    """Persistence shape of a game row. Bound to a table name at runtime by :func:`_model_for`."""

    class Meta:
        table_name = "unbound"

    league = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)
    # Game rows only (the heartbeat row has none of these, so it stays out of the by_state index).
    state = UnicodeAttribute(null=True)
    start_time = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    snapshot = UnicodeAttribute(null=True)
    fingerprint = UnicodeAttribute(null=True)
    observed_at = UTCDateTimeAttribute(null=True)
    expires_at = NumberAttribute(null=True)
    # Heartbeat row only.
    polled_at = UTCDateTimeAttribute(null=True)
    live_games = NumberAttribute(null=True)
    ok = BooleanAttribute(null=True)
    error = UnicodeAttribute(null=True)
    last_ok_at = UTCDateTimeAttribute(null=True)

    by_state = _StateIndex()


@cache
def _model_for(table_name: str, host: str | None) -> type[_GameItem]:
    return bind(_GameItem, table_name, host)


def _no_line(game: GameState) -> bool:
    return game.spread is None and game.home_moneyline is None and game.away_moneyline is None


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class GamesStore:
    """:class:`GamesRepository` on DynamoDB through PynamoDB."""

    def __init__(self, table_name: str, *, ttl_days: int = 14, host: str | None = None) -> None:
        self._model = _model_for(table_name, host)
        self._ttl = timedelta(days=ttl_days)

    def upsert(self, game: GameState, observed_at: datetime) -> bool:
        item_cls = self._model
        game = self._with_pregame_line(game)
        digest = fingerprint(game)
        item = item_cls(
            game.league.value,
            game.event_id,
            state=game.state.value,
            start_time=_iso(game.start_time),
            status=game.status.value,
            snapshot=game.model_dump_json(),
            fingerprint=digest,
            observed_at=observed_at,
            expires_at=int((max(game.start_time, observed_at) + self._ttl).timestamp()),
        )
        condition = item_cls.league.does_not_exist() | (
            (item_cls.fingerprint != digest) & (item_cls.observed_at < observed_at)
        )
        try:
            item.save(condition=condition)
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _with_pregame_line(self, game: GameState) -> GameState:
        """ESPN lists the odds only before the start; a started game without them keeps the line
        stored from its pre-game snapshots (the win-probability model's drift comes from it)."""
        if game.state is Phase.PRE or not _no_line(game):
            return game
        try:
            item = self._model.get(game.league.value, game.event_id, consistent_read=True)
        except self._model.DoesNotExist:
            return game
        if item.snapshot is None:
            return game
        previous = GameState.model_validate(json.loads(item.snapshot))
        if _no_line(previous):
            return game
        return game.model_copy(
            update={
                "spread": previous.spread,
                "home_moneyline": previous.home_moneyline,
                "away_moneyline": previous.away_moneyline,
            }
        )

    def record_poll(self, heartbeat: FeedHeartbeat) -> None:
        item_cls = self._model
        actions: list[Any] = [
            item_cls.polled_at.set(heartbeat.polled_at),
            item_cls.live_games.set(heartbeat.live_games),
            item_cls.ok.set(heartbeat.ok),
            item_cls.error.set(heartbeat.error) if heartbeat.error is not None else item_cls.error.remove(),
        ]
        if heartbeat.ok:
            actions.append(item_cls.last_ok_at.set(heartbeat.polled_at))
        # Never move the heartbeat backwards when two pollers overlap.
        condition = item_cls.polled_at.does_not_exist() | (item_cls.polled_at < heartbeat.polled_at)
        try:
            item_cls(heartbeat.league.value, FEED_EVENT_ID).update(actions=actions, condition=condition)
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise

    def list_games(
        self, league: League | None = None, state: Phase | None = None, *, now: datetime | None = None
    ) -> list[StoredGame]:
        """Games, oldest start first. Expired rows are skipped: DynamoDB deletes TTL'd items late
        (and moto never), so a reader must not trust their presence."""
        item_cls = self._model
        cutoff = int((now or datetime.now(UTC)).timestamp())
        items: Iterable[_GameItem]
        if league is not None:
            condition = item_cls.state == state.value if state is not None else None
            items = item_cls.query(league.value, filter_condition=condition, consistent_read=True)
        elif state is not None:
            items = item_cls.by_state.query(state.value)
        else:
            items = item_cls.scan(item_cls.snapshot.exists())
        games = [
            self._to_stored(item)
            for item in items
            if item.event_id != FEED_EVENT_ID and (item.expires_at is None or item.expires_at > cutoff)
        ]
        return sorted(games, key=lambda stored: (stored.game.start_time, stored.game.event_id))

    def feed_status(self, leagues: Iterable[League]) -> list[FeedHeartbeat]:
        item_cls = self._model
        keys = [(league.value, FEED_EVENT_ID) for league in leagues]
        beats = [
            FeedHeartbeat(
                league=League(item.league),
                polled_at=item.polled_at,
                live_games=int(item.live_games or 0),
                ok=bool(item.ok),
                error=item.error,
                last_ok_at=item.last_ok_at,
            )
            for item in item_cls.batch_get(keys)
            if item.polled_at is not None
        ]
        return sorted(beats, key=lambda beat: beat.league.value)

    @staticmethod
    def _to_stored(item: _GameItem) -> StoredGame:
        if item.snapshot is None or item.observed_at is None:
            raise ValueError(f"game row {item.league}/{item.event_id} has no snapshot")
        game = GameState.model_validate(json.loads(item.snapshot))
        return StoredGame(game=game, observed_at=item.observed_at)
