"""The api function's bot routes on moto tables: real stores, fake venues and reconciler."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from inplay.alerts import RecordingPublisher
from inplay.api.bots import BotApiDeps, ReconcilerOnStop
from inplay.api.safety import InvocationTimedOut
from inplay.audit.store import DynamoAuditLog
from inplay.bots.preflight import PreflightDeps, ReconcilerFunction
from inplay.orders.intents import IntentRecord, TradingMode
from inplay.sports.models import League
from inplay.store.bots import DynamoBotControls
from inplay.store.games import FeedHeartbeat, GamesStore
from inplay.store.risk import DynamoRiskStore
from inplay.store.trades import DynamoTradeStore
from inplay.venues.base import AuthenticationError, Balance, ExchangeStatus
from inplay.venues.factory import VenueConfigError
from tests.support.api import api_env, call_api
from tests.support.auth import CognitoUsers

USER = "alice"
TABLES = {
    "games": "t-games",
    "bots": "t-bots",
    "intents": "t-intents",
    "fills": "t-fills",
    "positions": "t-positions",
    "audit": "t-audit",
    "idempotency": "t-idem",
    "risk": "t-risk",
    "paper": "t-paper",
}


class FakeVenue:
    def __init__(self, name: str, balance: Decimal, *, trading: bool = True, auth_ok: bool = True) -> None:
        self.name = name
        self.balance = balance
        self.trading = trading
        self.auth_ok = auth_ok

    def exchange_status(self) -> ExchangeStatus:
        return ExchangeStatus(exchange_active=True, trading_active=self.trading)

    def get_balance(self) -> Balance:
        if not self.auth_ok:
            raise AuthenticationError("bad signature", venue=self.name, status=401)
        return Balance(available=self.balance)


@dataclass
class FakeVenues:
    """PAPER: a paper account with a balance; LIVE: Kalshi only when ``live_key`` is set."""

    paper_balance: Decimal = Decimal("10000")
    live_key: bool = False
    live_balance: Decimal = Decimal("250")
    calls: list[tuple[str, TradingMode]] = field(default_factory=list)

    def account(self, user_id: str, venue: str, mode: TradingMode) -> Any:
        self.calls.append((user_id, mode))
        if mode is TradingMode.PAPER:
            return FakeVenue("paper", self.paper_balance)
        if not self.live_key:
            raise VenueConfigError(
                "credentials_missing", f"no Kalshi credentials secret inplay/kalshi/{user_id}"
            )
        return FakeVenue("kalshi", self.live_balance)

    def venue_for(self, intent: IntentRecord) -> Any:
        return self.account(intent.user_id, intent.venue, intent.mode)

    def account_key(self, user_id: str, venue: str, mode: TradingMode) -> str:
        return f"{venue}:{mode.value}:{user_id}"


class FakeInvoker:
    """The reconciler function: answers a canned reply (or raises) and records the commands."""

    def __init__(self, answer: Any = None) -> None:
        self.answer = answer if answer is not None else {"reports": [{"ok": True, "findings": []}]}
        self.calls: list[dict[str, Any]] = []

    def invoke(self, function_name: str, payload: Mapping[str, Any], *, wait_seconds: float) -> Any:
        self.calls.append({"function": function_name, **payload})
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def env() -> dict[str, str]:
    return {**api_env("t"), "INPLAY_FEED_MAX_AGE_SECONDS": "90"}


class BotsHarness:
    real_bot_deps: Any = None
    """The api function's own (cached) dependency builder, for a test of the real wiring."""

    def __init__(self, users: CognitoUsers) -> None:
        self.users = users
        """Signed-in users: ``request(user="bob")`` signs ``bob`` in with the user id ``bob``."""
        self.controls = DynamoBotControls(TABLES["bots"])
        self.games = GamesStore(TABLES["games"])
        self.trades = DynamoTradeStore(TABLES["fills"], TABLES["positions"])
        self.audit = DynamoAuditLog(TABLES["audit"])
        self.risk = DynamoRiskStore(TABLES["risk"])
        self.venues = FakeVenues()
        self.invoker = FakeInvoker()
        self.alerts = RecordingPublisher()
        self.deps = BotApiDeps(
            store=self.controls,
            preflight=PreflightDeps(
                controls=self.controls,
                venues=self.venues,
                feed=self.games,
                reconciler=ReconcilerFunction(self.invoker, "reconciler-fn", self.risk),
                feed_max_age=timedelta(seconds=90),
            ),
            stop_reconciler=ReconcilerOnStop(self.invoker, "reconciler-fn"),
            trades=self.trades,
            audit=self.audit,
            alerts=self.alerts,
        )

    def feed(self, *leagues: League, age: float = 5.0) -> None:
        """A successful poll of each league ``age`` seconds ago."""
        for league in leagues:
            self.games.record_poll(
                FeedHeartbeat(
                    league=league,
                    polled_at=datetime.now(UTC) - timedelta(seconds=age),
                    live_games=1,
                    ok=True,
                )
            )

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: list[tuple[str, str]] | None = None,
        user: str | None = USER,
        raw: bytes | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """One API Gateway request through the api function's real handler."""
        token = self.users.token(user) if user is not None else None
        answer = call_api(method, path, body, token=token, query=query or [], raw=raw)
        return answer.status, answer.body

    def post(self, path: str, body: Any = None, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        return self.request("POST", path, body, **kwargs)

    def get(self, path: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        return self.request("GET", path, **kwargs)

    def audit_kinds(self, user: str = USER) -> list[tuple[str, dict[str, Any]]]:
        return [(r.kind, json.loads(r.payload)) for r in self.audit.records(user)]


def timed_out() -> InvocationTimedOut:
    return InvocationTimedOut("reconciler-fn did not answer within 15 s")
