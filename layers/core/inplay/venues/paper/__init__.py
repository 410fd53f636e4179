"""inplay's paper venue: honest simulated fills against a real (or simulated) book and tape.

See :mod:`inplay.venues.paper.engine` for the fill model. Use :class:`PaperVenues` as a venue
provider (``inplay.venues.factory.trading_venues`` builds it from settings), or a
:class:`PaperVenue` directly with an :class:`InMemoryPaperLedger` (backtests).
"""

from inplay.venues.paper.engine import (
    FeeModel,
    PaperAccount,
    PaperFill,
    PaperOrder,
    PaperPosition,
    TapeMark,
    TapeTrade,
)
from inplay.venues.paper.ledger import InMemoryPaperLedger, LedgerConflict, LedgerWrite, PaperLedger
from inplay.venues.paper.market_data import KalshiMarketData, MarketData
from inplay.venues.paper.provider import DEFAULT_STARTING_BALANCE, ModeRoutedVenues, PaperVenues, ledger_key
from inplay.venues.paper.venue import PAPER_VENUE, PaperContentionError, PaperVenue

__all__ = [
    "DEFAULT_STARTING_BALANCE",
    "PAPER_VENUE",
    "FeeModel",
    "InMemoryPaperLedger",
    "KalshiMarketData",
    "LedgerConflict",
    "LedgerWrite",
    "MarketData",
    "ModeRoutedVenues",
    "PaperAccount",
    "PaperContentionError",
    "PaperFill",
    "PaperLedger",
    "PaperOrder",
    "PaperPosition",
    "PaperVenue",
    "PaperVenues",
    "TapeMark",
    "TapeTrade",
    "ledger_key",
]
