"""The strategy (see ``inplay.strategy.runner``). Two kinds of event reach it:

- the minute schedule: every running bot, every live (or just finished) game of its leagues;
- the games table's stream: the games whose state just changed, within seconds of the poller.

Each decision that trades starts an order workflow (execution name = intent id). A bot whose
settings do not validate is moved to ERROR and alerted; a user whose evaluation fails does not
stop the others, and the invocation fails at the end (after the heartbeat) so the Errors alarm
fires and the stream retries the batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from inplay.alerts import Alert, AlertKind, Mode, Severity
from inplay.alerts.publisher import SnsAlertPublisher
from inplay.api.orders import StepFunctionsOrderWorkflow
from inplay.config import StrategySettings, cached_settings
from inplay.observability import logger, metrics, tracer
from inplay.orders.intents import TradingMode
from inplay.risk.heartbeats import record_heartbeat
from inplay.sports.models import League
from inplay.store.bots import DynamoBotControls
from inplay.store.games import FEED_EVENT_ID, GamesStore
from inplay.store.intents import DynamoIntentLedger
from inplay.store.risk import DynamoRiskStore
from inplay.store.trades import DynamoTradeStore
from inplay.strategy.runner import RunningBot, StrategyDeps, TickReport, run_tick
from inplay.strategy.sources import KalshiMarketSource, StoredGames, public_kalshi_client
from inplay.venues.counting import CountingVenues
from inplay.venues.factory import trading_venues

COMPONENT = "strategy"


class StrategyRunError(RuntimeError):
    """Some users or bots could not be evaluated (each is logged); raised after the others."""


@dataclass(frozen=True, slots=True)
class Runtime:
    deps: StrategyDeps
    venues: CountingVenues
    risk: DynamoRiskStore
    alerts: SnsAlertPublisher


@cache
def runtime() -> Runtime:
    settings = cached_settings(StrategySettings)
    risk = DynamoRiskStore(settings.risk_table)
    controls = DynamoBotControls(settings.bots_table)
    venues = CountingVenues(trading_venues(settings), risk)
    alerts = SnsAlertPublisher(settings.alerts_topic_arn)
    deps = StrategyDeps(
        bots=controls,
        games=StoredGames(GamesStore(settings.games_table)),
        markets=KalshiMarketSource(public_kalshi_client(settings.kalshi_base_url)),
        trades=DynamoTradeStore(settings.fills_table, settings.positions_table),
        intents=DynamoIntentLedger(settings.intents_table),
        venues=venues,
        orders=StepFunctionsOrderWorkflow(settings.order_state_machine_arn),
        feed_max_age=timedelta(seconds=settings.feed_max_age_seconds),
        on_error=lambda bot, reason: _alert_error(alerts, controls, bot, reason),
    )
    return Runtime(deps, venues, risk, alerts)


def _alert_error(
    alerts: SnsAlertPublisher, controls: DynamoBotControls, bot: RunningBot, reason: str
) -> None:
    mode = controls.trading_mode(bot.user_id)
    try:
        alerts.publish(
            Alert(
                kind=AlertKind.INFO,
                severity=Severity.CRITICAL,
                mode=Mode.LIVE if mode is TradingMode.LIVE else Mode.PAPER,
                title=f"Bot {bot.bot_id} stopped with an error",
                description=reason[:1000],
                user_id=bot.user_id,
                bot_id=bot.bot_id,
                occurred_at=datetime.now(UTC),
            )
        )
    except Exception:  # the ERROR state is recorded; a lost alert is logged, never fatal
        logger.exception("could not alert a bot error", extra={"user_id": bot.user_id, "bot_id": bot.bot_id})


def _stream_games(event: dict[str, Any]) -> set[tuple[League, str]]:
    games: set[tuple[League, str]] = set()
    for record in event.get("Records") or ():
        keys = (record.get("dynamodb") or {}).get("Keys") or {}
        league = (keys.get("league") or {}).get("S")
        event_id = (keys.get("event_id") or {}).get("S")
        if not isinstance(league, str) or not isinstance(event_id, str) or event_id == FEED_EVENT_ID:
            continue
        try:
            games.add((League(league), event_id))
        except ValueError:
            continue
    return games


def _log(report: TickReport, source: str) -> dict[str, Any]:
    for started in report.started:
        logger.info(
            "order started",
            extra={
                "user_id": started.user_id,
                "bot_id": started.bot_id,
                "intent_id": started.intent_id,
                "market_ticker": started.market_ticker,
                "decision": started.decision.kind.value,
                "reason": started.decision.reason,
                "mode": started.mode.value,
            },
        )
    for game in report.unmatched:
        logger.warning(
            "game not matched to a market",
            extra={"league": game.league.value, "event_id": game.event_id, "reason": game.reason},
        )
    for failure in report.failures:
        logger.error("strategy evaluation failed", extra={"user_id": failure.user_id, "error": failure.error})
    if report.started:
        metrics.add_metric(name="OrdersStarted", unit=MetricUnit.Count, value=len(report.started))
    return {
        "source": source,
        "bots": report.bots,
        "games": report.games,
        "decisions": report.decisions,
        "orders": [s.intent_id for s in report.started],
        "unmatched": [f"{g.league.value}/{g.event_id}" for g in report.unmatched],
        "errored": [f"{e.user_id}/{e.bot_id}" for e in report.errored],
        "failures": len(report.failures),
    }


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = runtime()
    now = datetime.now(UTC)
    try:
        if isinstance(event, dict) and "Records" in event:
            games = _stream_games(event)
            if not games:
                return {"source": "games", "bots": 0, "games": 0, "orders": []}
            report = run_tick(run.deps, now, only_games=games)
            summary = _log(report, "games")
        else:
            report = run_tick(run.deps, now)
            summary = _log(report, "schedule")
            record_heartbeat(
                run.risk,
                COMPONENT,
                ok=report.ok,
                details={"bots": report.bots, "games": report.games, "orders": len(report.started)},
            )
        if not report.ok:
            raise StrategyRunError(
                f"strategy failed for {len(report.failures)} user(s)/bot(s): {report.failures}"
            )
        return summary
    finally:
        run.venues.flush()
