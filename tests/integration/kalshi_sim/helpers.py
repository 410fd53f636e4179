"""A tiny signed HTTP client for the simulator (our own signer; independent of any venue client)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from local.kalshi_sim.auth import sign_headers
from local.kalshi_sim.simulator import SimCredentials


class SignedClient:
    """Signs ``timestamp_ms + METHOD + path`` like Kalshi clients do; ``base_url`` ends in /trade-api/v2."""

    def __init__(self, base_url: str, creds: SimCredentials | None, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.creds = creds
        self.http = httpx.Client(timeout=timeout)

    def request(
        self, method: str, path: str, json: Any = None, params: dict[str, Any] | None = None
    ) -> httpx.Response:
        url = self.base_url + path
        headers: dict[str, str] = {}
        if self.creds is not None:
            signed_path = urlsplit(url).path
            now = time.time_ns() // 1_000_000
            headers = sign_headers(self.creds.private_key_pem, self.creds.key_id, method, signed_path, now)
        return self.http.request(method, url, json=json, params=params, headers=headers)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, body: Any) -> httpx.Response:
        return self.request("POST", path, json=body)

    def delete(self, path: str, body: Any = None) -> httpx.Response:
        return self.request("DELETE", path, json=body)

    def close(self) -> None:
        self.http.close()


def order_body(ticker: str, **fields: Any) -> dict[str, Any]:
    return {
        "ticker": ticker,
        "side": "bid",
        "count": "1",
        "price": "0.40",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
    } | fields
