"""Venues from settings: per-user credentials from secrets, and the paper-on-production guard."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from inplay.orders.intents import IntentRecord, TradingMode, new_intent
from inplay.venues.factory import KalshiVenues, VenueConfigError
from inplay.venues.kalshi import DEMO_BASE_URL, PRODUCTION_BASE_URL
from local.kalshi_sim.auth import generate_private_key_pem

T = datetime(2026, 1, 15, tzinfo=UTC)


class Secrets:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.reads: list[str] = []

    def secret_string(self, name: str) -> str | None:
        self.reads.append(name)
        return self.values.get(name)


@pytest.fixture(scope="module")
def pem() -> str:
    return generate_private_key_pem().decode()


def intent(user: str = "u1", mode: TradingMode = TradingMode.PAPER, venue: str = "kalshi") -> IntentRecord:
    return new_intent(
        user_id=user,
        bot_id="b",
        market_ticker="M",
        signal_id="s",
        leg="entry",
        decision_bucket=T,
        venue=venue,
        side="yes",  # type: ignore[arg-type]
        action="buy",  # type: ignore[arg-type]
        price=Decimal("0.5"),
        count=Decimal(1),
        mode=mode,
        now=T,
    )


def test_credentials_come_from_the_users_secret_and_clients_are_reused(pem: str) -> None:
    clock = [0.0]
    secrets = Secrets({"inplay/kalshi/u1": json.dumps({"key_id": "k1", "private_key_pem": pem})})
    venues = KalshiVenues(
        base_url=DEMO_BASE_URL, secrets=secrets, monotonic=lambda: clock[0], max_age_seconds=60
    )
    first = venues.venue_for(intent())
    assert venues.venue_for(intent()) is first and secrets.reads == ["inplay/kalshi/u1"]
    clock[0] = 61.0
    assert venues.venue_for(intent()) is not first  # rebuilt: a rotated key is picked up
    venues.close()


def test_missing_or_bad_credentials_are_typed_and_never_echo_the_secret(pem: str) -> None:
    venues = KalshiVenues(
        base_url=DEMO_BASE_URL,
        secrets=Secrets(
            {"inplay/kalshi/bad": json.dumps({"key_id": "k", "private_key_pem": "SECRET-MATERIAL"})}
        ),
    )
    with pytest.raises(VenueConfigError) as missing:
        venues.venue_for(intent("nobody"))
    assert missing.value.code == "credentials_missing"
    with pytest.raises(VenueConfigError) as bad:
        venues.venue_for(intent("bad"))
    assert bad.value.code == "credentials_invalid" and "SECRET-MATERIAL" not in str(bad.value)


def test_a_paper_intent_never_reaches_production(pem: str) -> None:
    secrets = Secrets({"inplay/kalshi/u1": json.dumps({"key_id": "k1", "private_key_pem": pem})})
    venues = KalshiVenues(base_url=PRODUCTION_BASE_URL, secrets=secrets)
    with pytest.raises(VenueConfigError) as refused:
        venues.venue_for(intent())
    assert refused.value.code == "paper_on_production" and secrets.reads == []
    assert venues.venue_for(intent(mode=TradingMode.LIVE)) is not None
    with pytest.raises(VenueConfigError, match="not supported") as other:
        venues.venue_for(intent(venue="polymarket"))
    assert other.value.code == "venue_unsupported"
    venues.close()


def test_the_settings_default_is_kalshi_demo() -> None:
    from inplay.config import KALSHI_DEMO_BASE_URL

    assert KALSHI_DEMO_BASE_URL == DEMO_BASE_URL  # two modules, one URL (config must not import httpx)
