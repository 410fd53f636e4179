from __future__ import annotations

import pytest

from local.kalshi_sim.engine import Exchange
from tests.unit.kalshi_sim.helpers import make_exchange


@pytest.fixture
def ex() -> Exchange:
    exchange = make_exchange()
    for user in ("alice", "bob", "carol"):
        exchange.create_user(user, balance_cents=100_000)
    return exchange
