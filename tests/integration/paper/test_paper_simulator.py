"""The paper venue over real HTTP against the simulator's books and tape, its ledger on DynamoDB
(moto): walking the book, a resting order filled only by the tape, settlement, and the provider."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from inplay.config import KalshiSettings, PaperExecution, PaperSettings
from inplay.money import kalshi_taker_fee
from inplay.orders.intents import TradingMode
from inplay.store import paper as paper_store
from inplay.store.paper import DynamoPaperLedger
from inplay.store.schema import PAPER
from inplay.venues.base import Action, OrderIntent, OrderStatus, OutcomeSide
from inplay.venues.factory import KalshiVenues, VenueConfigError, trading_venues
from inplay.venues.kalshi import KalshiClient, KalshiCredentials
from inplay.venues.paper import KalshiMarketData, ModeRoutedVenues, PaperVenue, PaperVenues
from local.cloud.moto_runtime import local_mock_aws
from local.kalshi_sim import KalshiSimulator, MakerConfig, ManualClock, SimServer, Team
from local.kalshi_sim.simulator import GameMarkets
from tests.integration.risk_store.tables import create_table

TABLE = "inplay-paper-test"


@dataclass
class World:
    sim: KalshiSimulator
    clock: ManualClock
    server: SimServer
    game: GameMarkets
    trader: KalshiClient
    ledger: DynamoPaperLedger

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now_ms() / 1000, tz=UTC)

    def paper(self) -> PaperVenue:
        return PaperVenues(
            ledger=self.ledger,
            market_data={"kalshi": KalshiMarketData(KalshiClient(self.server.base_url))},
            starting_balance=Decimal(1000),
            now=self.now,
        ).account("u1", "kalshi", TradingMode.PAPER)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    paper_store._model_for.cache_clear()
    clock = ManualClock()
    sim = KalshiSimulator(seed=3, clock=clock, rate_limits=False)
    game = sim.add_game(
        Team("BOS", "Boston"), Team("LAL", "Los Angeles L"), home_fair="0.60", maker=MakerConfig()
    )
    creds = sim.create_user_with_key(
        balance_cents=1_000_000, tier="premier", private_key_path=tmp_path / "k.pem"
    )
    with local_mock_aws(patch_lambda=False), SimServer(sim) as server:
        create_table(PAPER, TABLE)
        trader = KalshiClient(
            server.base_url,
            credentials=KalshiCredentials.from_pem(creds.key_id, creds.private_key_pem.decode()),
        )
        yield World(sim, clock, server, game, trader, DynamoPaperLedger(TABLE))
        trader.close()
    paper_store._model_for.cache_clear()


def _intent(ticker: str, price: Decimal, count: int, cid: str, action: Action = Action.BUY) -> OrderIntent:
    return OrderIntent(
        market_ticker=ticker,
        side=OutcomeSide.YES,
        action=action,
        price=price,
        count=Decimal(count),
        client_order_id=cid,
    )


def test_a_paper_buy_walks_the_simulator_book(world: World) -> None:
    venue = world.paper()
    book = venue.get_orderbook(world.game.home_ticker)
    asks = book.asks(OutcomeSide.YES)
    limit = asks[1].price
    want = int(asks[0].count + 5)
    ack = venue.place_order(_intent(world.game.home_ticker, limit, want, "walk-1"))
    assert ack.status is OrderStatus.EXECUTED
    fills = venue.get_fills(order_id=ack.order_id)
    assert [(f.price, f.count) for f in fills] == [
        (asks[0].price, asks[0].count),
        (asks[1].price, Decimal(5)),
    ]
    fees = sum((kalshi_taker_fee(f.count, f.price) for f in fills), Decimal(0))
    cost = sum((f.price * f.count for f in fills), Decimal(0))
    assert venue.get_balance().available == Decimal(1000) - cost - fees
    # The real book is untouched: paper orders never reach the exchange.
    assert venue.get_orderbook(world.game.home_ticker) == book


def test_a_resting_paper_bid_fills_only_when_the_tape_trades_through_its_queue(world: World) -> None:
    venue = world.paper()
    ticker = world.game.home_ticker
    book = venue.get_orderbook(ticker)
    bid = book.yes_bids[0]
    ack = venue.place_order(_intent(ticker, bid.price, 10, "rest-1"))
    assert ack.status is OrderStatus.RESTING and ack.filled_count == 0
    # A real seller takes part of the queue ahead: no fill for us yet.
    world.clock.advance(1500)
    world.trader.place_order(
        OrderIntent(
            market_ticker=ticker,
            side=OutcomeSide.YES,
            action=Action.SELL,
            price=bid.price,
            count=bid.count - 3,
            client_order_id="real-sell-1",
            time_in_force="ioc",  # type: ignore[arg-type]
        )
    )
    assert venue.get_order(ack.order_id).filled_count == 0
    # The rest of the queue (3) goes at our price, then 4 trade below it (through us): ours.
    world.clock.advance(1500)
    world.trader.place_order(
        OrderIntent(
            market_ticker=ticker,
            side=OutcomeSide.YES,
            action=Action.SELL,
            price=book.yes_bids[1].price,
            count=Decimal(7),
            client_order_id="real-sell-2",
            time_in_force="ioc",  # type: ignore[arg-type]
        )
    )
    order = venue.get_order(ack.order_id)
    assert order.filled_count == 4 and order.status is OrderStatus.RESTING
    assert venue.get_fills(order_id=ack.order_id)[0].price == bid.price
    cancel = venue.cancel_order(ack.order_id)
    assert cancel.reduced_by == 6


def test_settlement_pays_out_and_the_ledger_survives_a_new_venue_object(world: World) -> None:
    venue = world.paper()
    ticker = world.game.home_ticker
    ask = venue.get_orderbook(ticker).asks(OutcomeSide.YES)[0]
    venue.place_order(_intent(ticker, ask.price, 5, "settle-1"))
    before = venue.get_balance().available
    world.sim.settle(ticker, "yes")
    fresh = world.paper()  # another Lambda: everything comes from DynamoDB
    assert fresh.get_positions() == []
    assert fresh.get_balance().available == before + 5
    again = fresh.place_order(_intent(ticker, ask.price, 5, "settle-1"))
    assert again.recovered and again.filled_count == 5


def test_trading_venues_routes_paper_to_the_paper_venue_and_live_to_kalshi(world: World) -> None:
    class Settings(KalshiSettings, PaperSettings):
        pass

    settings = Settings.model_validate(
        {"INPLAY_KALSHI_BASE_URL": world.server.base_url, "INPLAY_PAPER_TABLE": TABLE}
    )
    provider = trading_venues(settings, secrets=_NoSecrets())
    assert isinstance(provider, ModeRoutedVenues)
    paper = provider.account("u1", "kalshi", TradingMode.PAPER)
    assert paper.name == "paper"
    assert paper.get_balance().available == settings.paper_starting_balance
    assert provider.account_key("u1", "kalshi", TradingMode.PAPER) == "paper:kalshi:u1"
    assert provider.account_key("u1", "kalshi", TradingMode.LIVE) != "paper:kalshi:u1"
    with pytest.raises(VenueConfigError) as caught:
        provider.account("u1", "kalshi", TradingMode.LIVE)  # no credentials stored for u1
    assert caught.value.code == "credentials_missing"
    exchange = Settings.model_validate(
        {
            "INPLAY_KALSHI_BASE_URL": world.server.base_url,
            "INPLAY_PAPER_TABLE": TABLE,
            "INPLAY_PAPER_EXECUTION": PaperExecution.EXCHANGE.value,
        }
    )
    assert isinstance(trading_venues(exchange, secrets=_NoSecrets()), KalshiVenues)


class _NoSecrets:
    def secret_string(self, name: str) -> str | None:
        return None
