"""A protocol-faithful Kalshi Trade API v2 exchange simulator (spec 3.34.0).

Programmatic use::

    sim = KalshiSimulator(seed=7, clock=ManualClock())
    game = sim.add_game(Team("BOS", "Boston"), Team("LAL", "Los Angeles L"), maker=MakerConfig())
    creds = sim.create_user_with_key(balance_cents=100_000, private_key_path=tmp / "key.pem")
    with SimServer(sim) as server:
        ...  # server.base_url == "http://127.0.0.1:PORT/trade-api/v2"

Modules: ``engine`` (matching, accounts, fees, settlement), ``api`` (Kalshi endpoints),
``admin`` (``/_sim`` API), ``auth``, ``ratelimit``, ``faults``, ``traffic``, ``makers``, ``server``,
``demo``.
"""

from .auth import generate_private_key_pem, public_key_pem, sign_headers
from .clock import Clock, ManualClock, SystemClock
from .engine import Exchange, MarketState, OrderRequest
from .errors import SimError
from .faults import FaultInjector
from .makers import MakerConfig
from .server import SimServer
from .simulator import GameMarkets, KalshiSimulator, SimCredentials, Team, game_event_ticker

__all__ = [
    "Clock",
    "Exchange",
    "FaultInjector",
    "GameMarkets",
    "KalshiSimulator",
    "MakerConfig",
    "ManualClock",
    "MarketState",
    "OrderRequest",
    "SimCredentials",
    "SimError",
    "SimServer",
    "SystemClock",
    "Team",
    "game_event_ticker",
    "generate_private_key_pem",
    "public_key_pem",
    "sign_headers",
]
