"""The simulator over real HTTP on 127.0.0.1: transport, faults, admin API, concurrency."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from local.kalshi_sim import KalshiSimulator, MakerConfig, SimServer, Team
from local.kalshi_sim.simulator import SimCredentials
from tests.integration.kalshi_sim.helpers import SignedClient, order_body


@pytest.fixture
def sim() -> KalshiSimulator:
    sim = KalshiSimulator(seed=11, maintenance=False)
    sim.add_game(Team("BOS", "Boston"), Team("LAL", "Los Angeles L"), maker=MakerConfig(levels=2))
    return sim


@pytest.fixture
def server(sim: KalshiSimulator) -> Iterator[SimServer]:
    with SimServer(sim, tick_ms=0) as srv:
        yield srv


@pytest.fixture
def creds(sim: KalshiSimulator) -> SimCredentials:
    return sim.create_user_with_key(balance_cents=500_000, tier="prime", key_type="ed25519")


@pytest.fixture
def client(server: SimServer, creds: SimCredentials) -> Iterator[SignedClient]:
    c = SignedClient(server.base_url, creds)
    yield c
    c.close()


@pytest.fixture
def admin(server: SimServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.admin_url, timeout=10) as c:
        yield c


def home_ticker(sim: KalshiSimulator) -> str:
    return next(t for t in sim.exchange.markets if t.endswith("-LAL"))


def test_base_url_and_json_responses(server: SimServer, client: SignedClient, sim: KalshiSimulator) -> None:
    assert server.base_url.startswith("http://127.0.0.1:")
    assert server.base_url.endswith("/trade-api/v2")
    created = client.post("/portfolio/events/orders", order_body(home_ticker(sim), client_order_id="h1"))
    assert created.status_code == 201
    assert created.headers["content-type"].startswith("application/json")
    order_id = created.json()["order_id"]
    got = client.get(f"/portfolio/orders/{order_id}")
    assert got.json()["order"]["client_order_id"] == "h1"
    assert client.get("/portfolio/orders", status="resting").json()["orders"][0]["order_id"] == order_id
    no_content = client.delete("/portfolio/events/orders")
    assert (no_content.status_code, no_content.content) == (204, b"")


def test_bad_signature_and_stale_timestamp_over_http(server: SimServer, creds: SimCredentials) -> None:
    url = server.base_url + "/portfolio/balance"
    good_ts = str(time.time_ns() // 1_000_000)
    forged = {
        "KALSHI-ACCESS-KEY": creds.key_id,
        "KALSHI-ACCESS-TIMESTAMP": good_ts,
        "KALSHI-ACCESS-SIGNATURE": "AAAA",
    }
    response = httpx.get(url, headers=forged)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_error"
    from local.kalshi_sim.auth import sign_headers

    stale_ms = time.time_ns() // 1_000_000 - 120_000
    stale = sign_headers(
        creds.private_key_pem, creds.key_id, "GET", "/trade-api/v2/portfolio/balance", stale_ms
    )
    response = httpx.get(url, headers=stale)
    assert response.status_code == 401
    assert "STALE_TIMESTAMP" in response.json()["error"]["details"]


def test_accept_then_drop_response(client: SignedClient, admin: httpx.Client, sim: KalshiSimulator) -> None:
    assert admin.post("/faults", json={"drops": [{"count": 1}]}).status_code == 201
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/portfolio/events/orders", order_body(home_ticker(sim), client_order_id="lost-1"))
    orders = client.get("/portfolio/orders").json()["orders"]
    assert [o["client_order_id"] for o in orders] == ["lost-1"]
    retry = client.post("/portfolio/events/orders", order_body(home_ticker(sim), client_order_id="lost-1"))
    assert retry.status_code == 409
    assert retry.json()["error"]["code"] == "order_already_exists"


def test_injected_503_latency_and_clear(client: SignedClient, admin: httpx.Client) -> None:
    faults = {
        "errors": [{"status": 503, "count": 2, "operation": "get_markets"}],
        "latency": {"ms": 200, "operation": "get_exchange_status"},
    }
    assert admin.post("/faults", json=faults).status_code == 201
    assert [client.get("/markets").status_code for _ in range(3)] == [503, 503, 200]
    started = time.monotonic()
    assert client.get("/exchange/status").status_code == 200
    assert time.monotonic() - started >= 0.2
    assert admin.post("/faults", json={"errors": [{"status": 503, "operation": "nope"}]}).status_code == 400
    cleared = admin.delete("/faults").json()
    assert cleared["latency"] == [] and cleared["errors"] == []


def test_date_header_comes_from_the_simulator_clock(creds: SimCredentials) -> None:
    from email.utils import parsedate_to_datetime

    from local.kalshi_sim.clock import ManualClock

    clock = ManualClock(1_795_000_000_000)
    sim = KalshiSimulator(seed=1, clock=clock, maintenance=False)
    with SimServer(sim) as server:
        response = httpx.get(server.base_url + "/exchange/status")
        assert parsedate_to_datetime(response.headers["date"]).timestamp() == 1_795_000_000
        clock.advance(90_000)
        response = httpx.get(server.base_url + "/exchange/status")
        assert parsedate_to_datetime(response.headers["date"]).timestamp() == 1_795_000_090


def test_admin_delays_and_request_log(
    client: SignedClient, admin: httpx.Client, sim: KalshiSimulator, capfd: pytest.CaptureFixture[str]
) -> None:
    assert (
        admin.post("/faults", json={"delays": [{"ms": 400, "operation": "create_order_v2"}]}).status_code
        == 201
    )
    body = order_body(home_ticker(sim), client_order_id="slow-1")
    client.http.timeout = httpx.Timeout(0.1)
    with pytest.raises(httpx.ReadTimeout):  # the client gives up; the order is still placed
        client.post("/portfolio/events/orders", body)
    client.http.timeout = httpx.Timeout(10)
    assert sim.traffic.wait_idle(5)
    assert [o["client_order_id"] for o in client.get("/portfolio/orders").json()["orders"]] == ["slow-1"]
    log = admin.get("/requests").json()
    assert log["operations"]["create_order_v2"] == {"201": 1} and log["inflight"] == 0
    assert admin.delete("/requests").json()["total"] == 0
    assert "Traceback" not in capfd.readouterr().err  # writing to the closed socket is not an error


def test_admin_api_lifecycle(server: SimServer, admin: httpx.Client) -> None:
    user = admin.post(
        "/users", json={"balance_cents": 200_000, "tier": "advanced", "generate_key": "rsa"}
    ).json()
    assert user["private_key_pem"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    creds = SimCredentials(user["user_id"], user["key_id"], user["private_key_pem"].encode())
    client = SignedClient(server.base_url, creds)
    try:
        assert client.get("/portfolio/balance").json()["balance"] == 200_000
        game = admin.post(
            "/games",
            json={
                "away": {"code": "NYK", "name": "New York"},
                "home": {"code": "MIA", "name": "Miami"},
                "home_fair_value": "0.60",
                "maker": {"spread": "0.02", "levels": 1, "size": "10"},
                "start_time": "2026-11-25T00:30:00Z",
            },
        ).json()
        assert game["event_ticker"] == "KXNBAGAME-26NOV24NYKMIA"  # 19:30 ET on Nov 24
        miami = game["markets"][1]
        book = client.get(f"/markets/{miami}/orderbook").json()["orderbook_fp"]
        assert book == {"yes_dollars": [["0.5900", "10.00"]], "no_dollars": [["0.3900", "10.00"]]}
        moved = admin.post(f"/markets/{miami}/fair_value", json={"fair_value": "0.30"}).json()
        assert moved["fair_value"] == "0.3000"
        assert client.get(f"/markets/{miami}").json()["market"]["yes_bid_dollars"] == "0.2900"
        bought = client.post(
            "/portfolio/events/orders",
            order_body(miami, price="0.31", count="2", time_in_force="immediate_or_cancel"),
        )
        assert bought.json()["fill_count"] == "2.00"
        assert admin.post(f"/markets/{miami}/settle", json={"result": "yes"}).status_code == 201
        assert client.get("/portfolio/settlements").json()["settlements"][0]["revenue"] == 200
        state = admin.get("/state").json()
        assert {m["ticker"]: m["status"] for m in state["markets"]}[miami] == "settled"
        assert user["user_id"] in state["users"]
        described = admin.get(f"/users/{user['user_id']}").json()
        assert described["fills"] == 1
        limits = admin.post(
            f"/users/{user['user_id']}/limits", json={"write": {"refill_rate": 1, "bucket_capacity": 10}}
        )
        assert limits.json()["write"] == {"refill_rate": 1, "bucket_capacity": 10}
        first = client.post("/portfolio/events/orders", order_body(game["markets"][0]))
        second = client.post("/portfolio/events/orders", order_body(game["markets"][0]))
        assert (first.status_code, second.status_code) == (201, 429)
        assert second.json() == {"error": "too many requests"}
        assert admin.post("/clock/advance", json={"ms": 1000}).status_code == 400  # system clock
        assert admin.get("/nope").status_code == 404
    finally:
        client.close()


def test_admin_token_guard(sim: KalshiSimulator) -> None:
    with SimServer(sim, tick_ms=0, admin_token="s3cret") as srv:
        assert httpx.get(srv.admin_url + "/health").status_code == 401
        ok = httpx.get(srv.admin_url + "/health", headers={"X-Sim-Admin-Token": "s3cret"})
        assert ok.json()["ok"] is True


def test_concurrent_clients_keep_the_books_consistent(server: SimServer, sim: KalshiSimulator) -> None:
    ticker = home_ticker(sim)
    users = [
        sim.create_user_with_key(balance_cents=50_000, tier="prime", key_type="ed25519") for _ in range(4)
    ]
    errors: list[str] = []

    def trade(index: int, creds: SimCredentials) -> None:
        client = SignedClient(server.base_url, creds)
        try:
            for i in range(15):
                side = "bid" if (i + index) % 2 else "ask"
                price = "0.53" if side == "bid" else "0.47"
                body = order_body(
                    ticker, side=side, price=price, count="2", time_in_force="immediate_or_cancel"
                )
                response = client.post("/portfolio/events/orders", body)
                if response.status_code != 201:
                    errors.append(response.text)
        finally:
            client.close()

    threads = [threading.Thread(target=trade, args=(i, u)) for i, u in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with sim.lock:
        accounts = sim.exchange.accounts.values()
        assert all(a.cash >= a.locked >= 0 for a in accounts)
        assert sum(a.holdings[ticker].pos for a in accounts if ticker in a.holdings) == 0
        assert sum(len(a.fills) for a in accounts if not a.is_agent) > 0


def test_background_tick_moves_prices_on_the_system_clock() -> None:
    sim = KalshiSimulator(seed=2, maintenance=False)
    game = sim.add_game(Team("BOS", "Boston"), Team("LAL", "Los Angeles L"), maker=MakerConfig(levels=1))
    with SimServer(sim, tick_ms=20) as srv:
        assert srv.tick_ms == 20
        sim.set_fair_value_path(game.home_ticker, [(sim.now_ms() + 100, "0.80")])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with sim.lock:
                if sim.exchange.markets[game.home_ticker].book.best_bid() == 780_000:
                    break
            time.sleep(0.02)
        with sim.lock:
            assert sim.exchange.markets[game.home_ticker].book.best_bid() == 780_000
