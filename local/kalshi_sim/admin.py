"""The simulator's admin API under ``/_sim/`` (no Kalshi auth, no faults, never rate limited).

Request and response bodies are JSON; money uses Kalshi's wire formats (dollar strings, count
strings, integer cents for balances). Errors use the Kalshi error shape.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from inplay.money import MoneyError

from .auth import generate_private_key_pem, public_key_pem
from .clock import ManualClock, iso_ms
from .engine import MarketState
from .errors import SimError
from .makers import MakerConfig
from .ratelimit import BucketLimit, TierLimits, tier_limits
from .units import ONE, cc_to_str, micro_to_str, parse_count_cc, parse_price_micro
from .wire import market_json

if TYPE_CHECKING:
    from collections.abc import Callable

    from .api import ApiRequest, ApiResponse
    from .engine import Side
    from .simulator import KalshiSimulator

__all__ = ["ADMIN_PREFIX", "AdminApi"]

ADMIN_PREFIX: Final = "/_sim"


def _obj(body: Any) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise SimError.bad_request("body must be a JSON object")
    return body


def _str(body: dict[str, Any], name: str, default: str | None = None) -> str:
    value = body.get(name, default)
    if not isinstance(value, str) or not value:
        raise SimError.bad_request(f"{name} must be a non-empty string")
    return value


def _int(body: dict[str, Any], name: str, default: int | None = None) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SimError.bad_request(f"{name} must be an integer")
    return value


def _bool(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise SimError.bad_request(f"{name} must be a boolean")
    return value


def _time_ms(value: Any, name: str) -> int | None:
    """A time given as Unix seconds (int) or RFC 3339 string."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value * 1000
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise SimError.bad_request(f"{name} must be Unix seconds or RFC 3339") from None
        if moment.tzinfo is None:
            raise SimError.bad_request(f"{name} must carry a time zone")
        return int(moment.timestamp() * 1000)
    raise SimError.bad_request(f"{name} must be Unix seconds or RFC 3339")


def _price(value: Any, name: str) -> int:
    try:
        return parse_price_micro(value)
    except MoneyError as exc:
        raise SimError.bad_request(f"{name}: {exc}") from None


def maker_config(body: Any) -> MakerConfig:
    """``{"spread": "0.04", "levels": 3, "level_step": "0.01", "size": "25", "refresh_ms": 5000}``."""
    if body is True or body is None:
        return MakerConfig()
    spec = _obj(body)
    default = MakerConfig()
    try:
        return MakerConfig(
            spread=_price(spec["spread"], "spread") if "spread" in spec else default.spread,
            levels=_int(spec, "levels", default.levels),
            level_step=_price(spec["level_step"], "level_step")
            if "level_step" in spec
            else default.level_step,
            size=parse_count_cc(spec["size"]) if "size" in spec else default.size,
            refresh_ms=_int(spec, "refresh_ms", default.refresh_ms),
        )
    except (ValueError, MoneyError) as exc:
        raise SimError.bad_request(f"maker: {exc}") from None


def _bucket(spec: Any, fallback: BucketLimit) -> BucketLimit:
    if spec is None:
        return fallback
    body = _obj(spec)
    try:
        return BucketLimit(_int(body, "refill_rate"), _int(body, "bucket_capacity"))
    except ValueError as exc:
        raise SimError.bad_request(str(exc)) from None


class AdminApi:
    def __init__(self, sim: KalshiSimulator) -> None:
        self.sim = sim
        self._routes: list[tuple[str, re.Pattern[str], Callable[[dict[str, str], dict[str, Any]], Any]]] = []
        add = self._add
        add("GET", "/health", self.health)
        add("GET", "/state", self.state)
        add("POST", "/tick", self.tick)
        add("POST", "/clock/advance", self.advance)
        add("POST", "/users", self.create_user)
        add("GET", "/users/{user_id}", self.get_user)
        add("POST", "/users/{user_id}/keys", self.add_key)
        add("POST", "/users/{user_id}/deposit", self.deposit)
        add("POST", "/users/{user_id}/limits", self.limits)
        add("POST", "/series", self.create_series)
        add("POST", "/events", self.create_event)
        add("POST", "/markets", self.create_market)
        add("POST", "/games", self.create_game)
        add("GET", "/markets/{ticker}/book", self.book)
        add("POST", "/markets/{ticker}/fair_value", self.fair_value)
        add("POST", "/markets/{ticker}/maker", self.set_maker)
        add("DELETE", "/markets/{ticker}/maker", self.remove_maker)
        add("POST", "/markets/{ticker}/status", self.market_status)
        add("POST", "/markets/{ticker}/settle", self.settle)
        add("POST", "/exchange", self.exchange)
        add("GET", "/faults", self.get_faults)
        add("POST", "/faults", self.add_faults)
        add("DELETE", "/faults", self.clear_faults)
        add("GET", "/requests", self.requests)
        add("DELETE", "/requests", self.clear_requests)

    def _add(self, method: str, template: str, fn: Callable[[dict[str, str], dict[str, Any]], Any]) -> None:
        pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")
        self._routes.append((method, pattern, fn))

    def handle(self, request: ApiRequest) -> ApiResponse:
        from urllib.parse import unquote

        from .api import ApiResponse

        sub = request.path[len(ADMIN_PREFIX) :] or "/"
        try:
            for method, pattern, fn in self._routes:
                found = pattern.match(sub)
                if found and method == request.method:
                    body: Any = None
                    if request.body:
                        try:
                            body = json.loads(request.body)
                        except ValueError:
                            raise SimError.bad_request("request body is not valid JSON") from None
                    params = {k: unquote(v) for k, v in found.groupdict().items()}
                    result = fn(params, _obj(body))
                    return ApiResponse(200 if method != "POST" else 201, result)
            raise SimError.not_found("unknown admin path")
        except SimError as exc:
            return ApiResponse(exc.status, exc.body())

    # ------------------------------------------------------------------ general

    def health(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        return {"ok": True, "now_ms": self.sim.now_ms()}

    def state(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        sim = self.sim
        with sim.lock:
            exchange = sim.exchange
            exchange.sync()
            now = sim.now_ms()
            markets = []
            for market in sorted(exchange.markets.values(), key=lambda m: m.seq):
                fair = sim.fair.get(market.ticker)
                markets.append(
                    {
                        "ticker": market.ticker,
                        "event_ticker": market.event_ticker,
                        "status": market.state.value,
                        "fair_value": micro_to_str(fair.value_at(now)) if fair else None,
                        "yes_bid": micro_to_str(market.book.best_bid() or 0),
                        "yes_ask": micro_to_str(market.book.best_ask() or ONE),
                        "last_price": micro_to_str(market.last_price or 0),
                        "volume": cc_to_str(market.volume),
                        "open_interest": cc_to_str(market.open_interest),
                        "maker": market.ticker in sim.makers,
                        "result": market.result,
                    }
                )
            return {
                "now_ms": now,
                "now": iso_ms(now),
                "exchange_active": exchange.exchange_active,
                "trading_active": exchange.trading_active,
                "in_maintenance": exchange.in_maintenance(),
                "markets": markets,
                "users": sorted(uid for uid, a in exchange.accounts.items() if not a.is_agent),
                "agents": sorted(uid for uid, a in exchange.accounts.items() if a.is_agent),
                "fees_collected": micro_to_str(exchange.fees_collected),
                "faults": sim.faults.describe(),
            }

    def tick(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        self.sim.tick()
        return {"now_ms": self.sim.now_ms()}

    def advance(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        clock = self.sim.clock
        if not isinstance(clock, ManualClock):
            raise SimError.bad_request(
                "the simulator runs on the system clock; only a ManualClock can be advanced"
            )
        now = clock.advance(_int(body, "ms"))
        self.sim.tick()
        return {"now_ms": now}

    # ------------------------------------------------------------------ users

    def create_user(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        user_id = body.get("user_id")
        if user_id is not None and not isinstance(user_id, str):
            raise SimError.bad_request("user_id must be a string")
        tier = body.get("tier", "basic")
        try:
            tier_limits(str(tier))
        except ValueError as exc:
            raise SimError.bad_request(str(exc)) from None
        uid = self.sim.create_user(
            balance_cents=_int(body, "balance_cents", 0), tier=str(tier), user_id=user_id
        )
        out: dict[str, Any] = {"user_id": uid}
        if "public_key_pem" in body or "generate_key" in body:
            out.update(self.add_key({"user_id": uid}, body))
        return out

    def get_user(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        return self.sim.describe_user(params["user_id"])

    def add_key(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        if "public_key_pem" in body:
            key_id = self.sim.add_api_key(params["user_id"], _str(body, "public_key_pem"))
            return {"key_id": key_id}
        key_type = body.get("generate_key", "rsa")
        if key_type not in ("rsa", "ed25519"):
            raise SimError.bad_request("generate_key must be rsa or ed25519")
        pem = generate_private_key_pem(key_type)
        key_id = self.sim.add_api_key(params["user_id"], public_key_pem(pem))
        return {"key_id": key_id, "private_key_pem": pem.decode()}

    def deposit(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        self.sim.deposit(params["user_id"], _int(body, "amount_cents"))
        return self.sim.describe_user(params["user_id"])

    def limits(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        user_id = params["user_id"]
        if "tier" in body:
            try:
                self.sim.set_tier(user_id, _str(body, "tier"))
            except ValueError as exc:
                raise SimError.bad_request(str(exc)) from None
        if any(k in body for k in ("read", "write", "balance")):
            with self.sim.lock:
                tier = self.sim.exchange.account(user_id).tier
                base = self.sim.limiter.limits(user_id, tier)
            limits = TierLimits(
                base.tier,
                _bucket(body.get("read"), base.read),
                _bucket(body.get("write"), base.write),
                _bucket(body.get("balance"), base.balance),
            )
            self.sim.set_limits(user_id, limits)
        with self.sim.lock:
            tier = self.sim.exchange.account(user_id).tier
            current = self.sim.limiter.limits(user_id, tier)
        return {
            "tier": current.tier,
            **{
                name: {"refill_rate": limit.refill_rate, "bucket_capacity": limit.bucket_capacity}
                for name, limit in (
                    ("read", current.read),
                    ("write", current.write),
                    ("balance", current.balance),
                )
            },
        }

    # ------------------------------------------------------------------ markets

    def create_series(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        ticker = _str(body, "ticker")
        self.sim.add_series(
            ticker,
            _str(body, "title", ticker),
            category=_str(body, "category", "Sports"),
            fee_type=_str(body, "fee_type", "quadratic"),
            multiplier=str(body.get("fee_multiplier", "1")),
        )
        return {"ticker": ticker}

    def create_event(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        ticker = _str(body, "event_ticker")
        self.sim.add_event(
            ticker, _str(body, "series_ticker"), _str(body, "title", ticker), body.get("sub_title") or ""
        )
        return {"event_ticker": ticker}

    def create_market(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        ticker = _str(body, "ticker")
        status = body.get("status", "open")
        if status not in ("unopened", "open", "paused", "closed"):
            raise SimError.bad_request("status must be unopened, open, paused or closed")
        market = self.sim.add_market(
            ticker,
            _str(body, "event_ticker"),
            yes_sub_title=_str(body, "yes_sub_title", ticker),
            no_sub_title=body.get("no_sub_title"),
            title=body.get("title") or "",
            rules_primary=body.get("rules_primary") or "",
            open_ms=_time_ms(body.get("open_time"), "open_time"),
            close_ms=_time_ms(body.get("close_time"), "close_time"),
            status=MarketState(status),
        )
        if "fair_value" in body:
            self.sim.set_fair_value(
                ticker, _str(body, "fair_value"), complement=bool(body.get("complement", False))
            )
        if body.get("maker"):
            self.sim.add_maker(ticker, maker_config(body["maker"]))
        with self.sim.lock:
            return {"market": market_json(market, self.sim.now_ms())}

    def create_game(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        from .simulator import Team

        teams = []
        for side in ("away", "home"):
            spec = _obj(body.get(side))
            teams.append(Team(_str(spec, "code").upper(), _str(spec, "name")))
        game = self.sim.add_game(
            teams[0],
            teams[1],
            series=_str(body, "series", "KXNBAGAME"),
            start_ms=_time_ms(body.get("start_time"), "start_time"),
            home_fair=_str(body, "home_fair_value", "0.5"),
            maker=maker_config(body["maker"]) if body.get("maker") else None,
            noise=bool(_bool(body, "noise")),
        )
        return {"event_ticker": game.event_ticker, "markets": [game.away_ticker, game.home_ticker]}

    def book(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        with self.sim.lock:
            market = self.sim.exchange.market(params["ticker"])
            levels: dict[str, list[Any]] = {"bids": [], "asks": []}
            sides: tuple[tuple[Side, str], ...] = (("bid", "bids"), ("ask", "asks"))
            for side, key in sides:
                for price, qty in market.book.levels(side):
                    orders = [
                        {"order_id": o.order_id, "user_id": o.user_id, "remaining": cc_to_str(o.remaining)}
                        for o in sorted(market.resting.values(), key=lambda o: o.queue_seq)
                        if o.side == side and o.price == price
                    ]
                    levels[key].append(
                        {"price": micro_to_str(price), "count": cc_to_str(qty), "orders": orders}
                    )
            return {"ticker": market.ticker, **levels}

    def fair_value(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        ticker = params["ticker"]
        complement = body.get("complement", True)
        if not isinstance(complement, bool):
            raise SimError.bad_request("complement must be a boolean")
        if "fair_value" in body:
            self.sim.set_fair_value(ticker, _str(body, "fair_value"), complement=complement)
        elif "path" in body:
            points = body["path"]
            if not isinstance(points, list) or not points:
                raise SimError.bad_request("path must be a non-empty list of {ts_ms, fair_value}")
            parsed = [(_int(_obj(p), "ts_ms"), _str(_obj(p), "fair_value")) for p in points]
            mode = body.get("mode", "step")
            if mode not in ("step", "linear"):
                raise SimError.bad_request("mode must be step or linear")
            try:
                self.sim.set_fair_value_path(ticker, parsed, mode=mode, complement=complement)
            except ValueError as exc:
                raise SimError.bad_request(str(exc)) from None
        elif "random_walk" in body:
            spec = _obj(body["random_walk"])
            self.sim.set_random_walk(
                ticker,
                sigma=_str(spec, "sigma", "0.005"),
                step_ms=_int(spec, "step_ms", 5_000),
                complement=complement,
            )
        else:
            raise SimError.bad_request("give one of fair_value, path or random_walk")
        value = self.sim.fair_value(ticker)
        return {"ticker": ticker, "fair_value": micro_to_str(value) if value is not None else None}

    def set_maker(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        self.sim.add_maker(params["ticker"], maker_config(body or None))
        return {"ticker": params["ticker"], "maker": True}

    def remove_maker(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        self.sim.remove_maker(params["ticker"])
        return {"ticker": params["ticker"], "maker": False}

    def market_status(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        status = _str(body, "status")
        if status not in ("unopened", "open", "paused", "closed"):
            raise SimError.bad_request("status must be unopened, open, paused or closed")
        self.sim.set_market_status(params["ticker"], status)
        return {"ticker": params["ticker"], "status": status}

    def settle(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        result = _str(body, "result")
        if result not in ("yes", "no"):
            raise SimError.bad_request("result must be yes or no")
        self.sim.settle(params["ticker"], "yes" if result == "yes" else "no")
        return {"ticker": params["ticker"], "result": result}

    def exchange(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        self.sim.set_exchange(
            trading_active=_bool(body, "trading_active"), exchange_active=_bool(body, "exchange_active")
        )
        with self.sim.lock:
            return {
                "exchange_active": self.sim.exchange.exchange_active,
                "trading_active": self.sim.exchange.trading_active,
            }

    # ------------------------------------------------------------------ faults

    def get_faults(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        return self.sim.faults.describe()

    def add_faults(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        """``{"latency": {"ms", "operation"?}, "delays": [{"ms", "count"?, "operation"?}],
        "errors": [{"status", "count"?, "operation"?, "when"?}],
        "drops": [{"count"?, "operation"?, "hold_ms"?}], "stale_ms": int}`` (all optional)."""
        from .api import OPERATIONS

        faults = self.sim.faults

        def operation(spec: dict[str, Any], default: str | None = None) -> str | None:
            op = spec.get("operation", default)
            if op not in (None, "*") and op not in OPERATIONS:
                raise SimError.bad_request(f"unknown operation {op!r}; one of {sorted(OPERATIONS)}")
            return op if isinstance(op, str) else None

        try:
            if "latency" in body:
                spec = _obj(body["latency"])
                faults.set_latency(_int(spec, "ms"), operation(spec))
            for spec in body.get("delays", []):
                item = _obj(spec)
                faults.add_delay(_int(item, "ms"), _int(item, "count", 1), operation(item))
            for spec in body.get("errors", []):
                item = _obj(spec)
                when = item.get("when", "before")
                if when not in ("before", "after"):
                    raise SimError.bad_request("when must be before or after")
                faults.add_error(_int(item, "status"), _int(item, "count", 1), operation(item), when)
            for spec in body.get("drops", []):
                item = _obj(spec)
                faults.add_drop(
                    _int(item, "count", 1), operation(item, "create_order_v2"), _int(item, "hold_ms", 0)
                )
            if "stale_ms" in body:
                self.sim.set_stale_reads(_int(body, "stale_ms"))
        except ValueError as exc:
            raise SimError.bad_request(str(exc)) from None
        return faults.describe()

    def requests(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        return self.sim.traffic.describe()

    def clear_requests(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        self.sim.traffic.clear()
        return self.sim.traffic.describe()

    def clear_faults(self, params: dict[str, str], body: dict[str, Any]) -> Any:
        self.sim.faults.clear()
        self.sim.set_stale_reads(0)
        return self.sim.faults.describe()
