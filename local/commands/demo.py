"""``inplay demo``: the whole system on this machine — local cloud, ESPN replay, a live log.

Synthesizes the CDK template if the code changed since the last synth, provisions it into the local
cloud, points the game poller at the ESPN replay server, and prints one line whenever a live game's
score or clock moves. Ctrl-C or SIGTERM stops everything cleanly (exit 0).

The API needs a signed-in user, as deployed: the demo creates the local-only Cognito user ``demo``
(password ``inplay-demo-pass`` unless ``--password``) in the local user pool, signs it in through
``POST /api/auth/sign-in`` and prints curl examples with its token.

With ``--state-dir`` the DynamoDB tables (bots, kill switches, intents, positions, fills, audit…)
are kept across restarts and crashes; ``--fresh`` empties them first. Without it every run starts
empty, like the simulator. The Kalshi
simulator, the ESPN replay, secrets and Step Functions executions start fresh every time.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import IO, Any, Final

import httpx

from inplay.config import Env
from local.cli import CliError

DEFAULT_PORT = 8000
REFRESH_SECONDS = 2.0
DEMO_POLL_INTERVAL_SECONDS = 5.0
"""The demo polls the replay a little faster than production (8 s) so changes show quickly."""
DEMO_USER = "demo"
"""The demo's one user: its Cognito username and its user id (pinned, so a ``--state-dir`` run keeps
owning its bots after a restart). Its Kalshi account is on the local simulator, so nothing in the
demo can reach a real exchange."""
DEMO_PASSWORD = "inplay-demo-pass"
"""The demo user's password in the local user pool (moto, in memory, this machine only): public on
purpose, never a password of a deployed pool."""
TOKEN_RENEW_MARGIN_SECONDS = 300
"""Renew the ID token this long before it expires."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run inplay locally: local cloud + ESPN replay, API on http://127.0.0.1:8000",
        description=__doc__,
    )
    parser.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help="HTTP port of the API (default 8000)"
    )
    parser.add_argument(
        "--speed",
        type=_positive,
        default=1.0,
        help="game-clock speed of the ESPN replay (default 1 = real time)",
    )
    parser.add_argument("--seed", type=int, default=2026, help="seed of the simulated slate (default 2026)")
    parser.add_argument(
        "--duration",
        type=_positive,
        default=None,
        help="stop by itself after this many seconds (default: run until Ctrl-C)",
    )
    parser.add_argument(
        "--discord-webhook",
        default=None,
        metavar="URL",
        help="send alerts to this real Discord webhook instead of printing them here",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="keep the DynamoDB tables (kill switch, positions, audit…) in DIR across restarts and "
        "crashes; the Kalshi simulator itself starts fresh, so kept positions show as ghosts",
    )
    parser.add_argument(
        "--no-bot",
        action="store_true",
        help="do not start the demo's paper-trading bot (start one yourself: POST /api/bot/start)",
    )
    parser.add_argument(
        "--password",
        type=_password,
        default=DEMO_PASSWORD,
        help=f"password of the local demo user {DEMO_USER!r} (default {DEMO_PASSWORD!r}; local only, "
        "at least 12 characters)",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="discard the kept tables first (kill switches, positions, fills…) and start empty",
    )
    parser.set_defaults(func=run)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, got {value}")
    return value


def _password(text: str) -> str:
    from infra.constants import PASSWORD_MIN_LENGTH

    if len(text) < PASSWORD_MIN_LENGTH:
        raise argparse.ArgumentTypeError(
            f"must be at least {PASSWORD_MIN_LENGTH} characters (the pool's policy)"
        )
    return text


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(args: argparse.Namespace) -> int:
    from infra.synth import SynthError, is_stale, synthesize, template_path
    from local.alerts_sink import point_webhook_secret, start_alert_sink
    from local.cloud import LocalCloud
    from local.cloud.errors import LocalCloudError
    from local.cloud.persistence import wipe_state
    from local.demo_markets import list_replay_markets
    from local.espn_replay import ReplayServer, demo_scenario
    from local.kalshi_sim import KalshiSimulator, SimServer
    from local.kalshi_sim.demo import DEMO_BALANCE_CENTS

    # Metrics are disabled locally (no CloudWatch); powertools would warn about it on every cold start.
    warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)
    out = sys.stdout
    stop = threading.Event()
    with _stop_on_signals(stop):
        try:
            if is_stale():
                _say(out, "synthesizing the CDK template (code changed since the last synth)…")
                path = synthesize()
            else:
                path = template_path()
        except SynthError as exc:
            raise CliError(str(exc), code=1) from exc
        if args.fresh and args.state_dir is not None:
            try:
                if wipe_state(args.state_dir):
                    _say(out, f"--fresh: discarded the tables kept in {args.state_dir}")
            except (LocalCloudError, OSError) as exc:
                raise CliError(f"cannot discard {args.state_dir}: {exc}", code=1) from exc
        replay = ReplayServer(demo_scenario(seed=args.seed), speed=args.speed)
        replay.start()
        # Every local function reads the simulator's public market data from one address, where the
        # real exchange would see many; its per-client rate limiter would only add 429 noise here.
        sim = KalshiSimulator(seed=args.seed, rate_limits=False)
        followed = list_replay_markets(sim, replay.service, seed=args.seed)
        credentials = sim.create_user_with_key(balance_cents=DEMO_BALANCE_CENTS, tier="advanced")
        kalshi = SimServer(sim)
        kalshi.start()
        settler = _Settler(sim, replay.service, followed, out)
        settler.start()
        overrides = {
            Env.ESPN_BASE_URL.value: replay.base_url,
            # Orders go to the local Kalshi simulator, never to a real exchange.
            Env.KALSHI_BASE_URL.value: kalshi.base_url,
            Env.POLL_INTERVAL_SECONDS.value: str(DEMO_POLL_INTERVAL_SECONDS),
            # Keep the terminal readable: handler logs at WARNING, no EMF metric blobs.
            Env.LOG_LEVEL.value: "WARNING",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
        cloud = LocalCloud(path, http_port=args.port, env_overrides=overrides, state_dir=args.state_dir)
        stop_sink = None
        try:
            if args.discord_webhook:
                webhook = args.discord_webhook
            else:
                webhook, stop_sink = start_alert_sink(out)
            try:
                cloud.start()
                point_webhook_secret(cloud.provisioned, webhook)
                cloud.create_user(DEMO_USER, args.password, user_id=DEMO_USER)
                _store_kalshi_credentials(credentials)
            except (LocalCloudError, OSError) as exc:
                hint = f" (is port {args.port} in use? pass --port)" if isinstance(exc, OSError) else ""
                raise CliError(f"the local cloud did not start: {exc}{hint}", code=1) from exc
            where = "your Discord webhook" if args.discord_webhook else "printed here as ALERT lines"
            password = "<your --password>" if args.password != DEMO_PASSWORD else DEMO_PASSWORD
            _banner(out, cloud, replay.base_url, where, sign_in=f"{DEMO_USER} / {password}")
            ticker = followed[0].markets.home_ticker if followed else "KXNBAGAME-…"
            _curl_examples(out, cloud.api_url, custom_password=args.password != DEMO_PASSWORD)
            _orders_hint(out, cloud.api_url, kalshi.base_url, ticker, len(followed))
            _announce(cloud.provisioned)
            session = _Session(cloud.api_url, DEMO_USER, args.password)
            bot = None if args.no_bot else _BotStarter(out, cloud.api_url, session)
            _live_log(out, cloud.api_url, stop, args.duration, bot, session)
        finally:
            settler.stop()
            cloud.stop()
            replay.stop()
            kalshi.stop()
            if stop_sink is not None:
                stop_sink()
    _say(out, "stopped")
    return 0


def _store_kalshi_credentials(credentials: Any) -> None:
    """The demo user's Kalshi key, where the order worker looks for a user's credentials."""
    import json

    import boto3

    from inplay.config import KALSHI_SECRET_PREFIX

    boto3.client("secretsmanager").create_secret(
        Name=f"{KALSHI_SECRET_PREFIX}{DEMO_USER}",
        SecretString=json.dumps(
            {"key_id": credentials.key_id, "private_key_pem": credentials.private_key_pem.decode()}
        ),
    )


def _orders_hint(out: IO[str], api_url: str, kalshi_url: str, ticker: str, markets: int) -> None:
    print(
        f"  Kalshi sim  {kalshi_url}  ({markets} game-winner events following the replayed games)\n"
        f"  the demo bot trades on paper (user {DEMO_USER!r}); place a paper order yourself (signed in\n"
        f"  as above):\n"
        f'    curl -s {api_url}/bot/order -H "Authorization: Bearer $TOKEN" \\\n'
        f"      -H 'Content-Type: application/json' \\\n"
        f'      -d \'{{"market_ticker": "{ticker}", "side": "yes", "price": "0.60", "count": "5"}}\'',
        file=out,
        flush=True,
    )


def curl_examples(api_url: str, password: str = DEMO_PASSWORD) -> list[tuple[str, str]]:
    """(what, shell command) for the API's basic flow: sign in (sets ``TOKEN``), status, start,
    emergency stop. Printed by the demo; the README shows the same commands."""
    json_header = "-H 'Content-Type: application/json'"
    bearer = '-H "Authorization: Bearer $TOKEN"'
    sign_in = json.dumps({"username": DEMO_USER, "password": password})
    return [
        (
            f"sign in as {DEMO_USER!r} (the ID token is valid for an hour)",
            f"TOKEN=$(curl -s {api_url}/auth/sign-in {json_header} -d '{sign_in}' | jq -r .id_token)",
        ),
        ("bot status", f"curl -s {api_url}/bot/status {bearer}"),
        (
            "start the bot (paper trading)",
            f'curl -s -X POST {api_url}/bot/start {bearer} {json_header} -d \'{{"bot_id": "{DEMO_BOT}"}}\'',
        ),
        (
            "emergency stop (cancel orders, close positions, block new ones)",
            f"curl -s -X POST {api_url}/bot/emergency-stop {bearer} {json_header} -d '{{}}'",
        ),
    ]


def _curl_examples(out: IO[str], api_url: str, *, custom_password: bool) -> None:
    """A password chosen with ``--password`` is not printed."""
    lines = ["  try the API with curl (and jq):"]
    for what, command in curl_examples(api_url, "<your --password>" if custom_password else DEMO_PASSWORD):
        lines += [f"    # {what}", f"    {command}"]
    print("\n".join(lines), file=out, flush=True)


class _SignInFailed(httpx.HTTPError):
    """The demo user could not sign in through the API."""


class _Session:
    """The demo user signed in through the API, as the dashboard does: the ID token is renewed
    with the refresh token (or by signing in again) shortly before it expires."""

    def __init__(
        self, api_url: str, username: str, password: str, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._api_url, self._username, self._password, self._clock = api_url, username, password, clock
        self._token: str | None = None
        self._refresh: str | None = None
        self._renew_at = 0.0

    def headers(self, http: httpx.Client) -> dict[str, str]:
        if self._token is None or self._clock() >= self._renew_at:
            self._renew(http)
        return {"Authorization": f"Bearer {self._token}"}

    def forget(self) -> None:
        """The API refused the token: sign in again on the next request."""
        self._token = self._refresh = None

    def _renew(self, http: httpx.Client) -> None:
        if self._refresh is not None:
            response = http.post(f"{self._api_url}/auth/refresh", json={"refresh_token": self._refresh})
            if response.status_code == 200:
                self._keep(response.json())
                return
        response = http.post(
            f"{self._api_url}/auth/sign-in", json={"username": self._username, "password": self._password}
        )
        if response.status_code != 200:
            message = response.json().get("message") if response.content else None
            raise _SignInFailed(f"sign-in as {self._username!r} failed: {message or response.status_code}")
        self._keep(response.json())

    def _keep(self, body: dict[str, Any]) -> None:
        self._token = str(body["id_token"])
        self._refresh = body.get("refresh_token") or self._refresh
        lifetime = float(body.get("expires_in") or 3600)
        self._renew_at = self._clock() + max(lifetime - TOKEN_RENEW_MARGIN_SECONDS, lifetime / 2)


class _Settler:
    """Settles a replayed game's simulator markets once the game is final (every 2 s)."""

    def __init__(self, sim: Any, service: Any, followed: list[Any], out: IO[str]) -> None:
        self._sim, self._service, self._followed, self._out = sim, service, followed, out
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-settler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        from local.demo_markets import settle_finished

        while not self._stop.wait(2.0):
            try:
                for game in settle_finished(self._sim, self._service, self._followed):
                    _say(
                        self._out,
                        f"settled {game.markets.event_ticker}: {game.result} team won "
                        f"({game.replay.away.abbreviation} @ {game.replay.home.abbreviation})",
                    )
            except Exception as exc:  # a settlement failure must not kill the demo
                _say(self._out, f"settlement check failed: {exc}")


DEMO_BOT: Final = "demo"
DEMO_BOT_SETTINGS: Final = {"max_wait_seconds": "20", "cooldown_seconds": "60"}
"""The demo bot: default strategy settings; orders wait 20 s for a fill before they are cancelled."""


class _BotStarter:
    """Starts the demo bot through the API once its pre-flight can pass (the first poll is in)."""

    def __init__(self, out: IO[str], api_url: str, session: _Session) -> None:
        self._out, self._api_url, self._session = out, api_url, session
        self.started = False
        self._last_refusal: str | None = None
        self._next_try = 0.0

    def poll(self, http: httpx.Client) -> None:
        if self.started or time.monotonic() < self._next_try:
            return
        self._next_try = time.monotonic() + 5
        try:
            response = http.post(
                f"{self._api_url}/bot/start",
                headers=self._session.headers(http),
                json={"bot_id": DEMO_BOT, "settings": DEMO_BOT_SETTINGS},
            )
        except httpx.HTTPError as exc:
            _say(self._out, f"bot start: API not answering yet ({exc})")
            return
        body = response.json() if response.content else {}
        if response.status_code == 401:
            self._session.forget()
        if response.status_code == 200:
            self.started = True
            _say(self._out, f"bot {DEMO_BOT!r} is RUNNING on paper: it trades when its edge is big enough")
            return
        refusal = str(body.get("message") or body)
        if refusal != self._last_refusal:
            self._last_refusal = refusal
            _say(self._out, f"bot {DEMO_BOT!r} not started yet: {refusal[:300]}")


def _announce(stack: Any) -> None:
    """One PAPER alert through the real path (SNS → discord_notifier → webhook), so the user sees
    alerts work before anything depends on them."""
    from infra.constants import ALERTS_TOPIC_LOGICAL_ID
    from inplay.alerts import Alert, AlertKind, Mode, Severity, SnsAlertPublisher

    SnsAlertPublisher(stack.topics[ALERTS_TOPIC_LOGICAL_ID]).publish(
        Alert(
            kind=AlertKind.INFO,
            severity=Severity.INFO,
            mode=Mode.PAPER,
            title="inplay demo is running",
            occurred_at=datetime.now(UTC),
        )
    )


def _say(out: IO[str], message: str) -> None:
    stamp = datetime.now(UTC).strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=out, flush=True)


def _banner(out: IO[str], cloud: Any, espn_url: str, alerts: str, *, sign_in: str) -> None:
    http_url, api_url, moto_url, startup = (
        cloud.http_url,
        cloud.api_url,
        cloud.moto_url,
        cloud.startup_seconds,
    )
    started = f" in {startup:.1f} s" if startup is not None else ""
    restored = cloud.restored.restored if cloud.restored is not None else 0
    state = (
        f"{cloud.state_dir}  ({restored} items restored; --fresh to start empty)"
        if cloud.state_dir is not None
        else "in memory (--state-dir DIR keeps the tables across restarts)"
    )
    lines = [
        f"inplay demo: local cloud up{started} (paper trading against the local Kalshi simulator)",
        f"  games API   {api_url}/games       (try ?league=nba&state=in)",
        f"  health      {api_url}/health",
        f"  dashboard   {http_url}/           "
        + (f"(sign in as {sign_in})" if cloud.dashboard_built else "(not built: run make dev)"),
        f"  AWS (moto)  {moto_url}            (AWS_ENDPOINT_URL for boto3 / aws cli)",
        f"  ESPN replay {espn_url}",
        f"  alerts      {alerts}",
        f"  state       {state}",
        "  Ctrl-C to stop.",
    ]
    print("\n".join(lines), file=out, flush=True)


def _score(team: dict[str, Any]) -> str:
    return "-" if team["score"] is None else str(team["score"])


def _game_line(game: dict[str, Any]) -> str:
    home, away = game["home"], game["away"]
    if game["state"] == "in":
        where = game.get("status_detail") or f"P{game['period']} {game.get('display_clock') or ''}".strip()
    else:
        where = game["status"].replace("_", " ")
    prob = game.get("home_win_prob")
    prob_text = f"  home win {float(prob):.0%}" if prob is not None else ""
    matchup = f"{away['abbreviation']:>5} {_score(away):>3} @ {home['abbreviation']:<5} {_score(home):>3}"
    return f"{game['league']:<24} {matchup}  {where}{prob_text}"


def _moment(game: dict[str, Any]) -> tuple[object, ...]:
    """What a person watching wants a new line for: a score, a period or a status change."""
    return (game["home"]["score"], game["away"]["score"], game["period"], game["status"])


def _live_log(
    out: IO[str],
    api_url: str,
    stop: threading.Event,
    duration: float | None,
    bot: _BotStarter | None,
    session: _Session,
) -> None:
    """Print a line for every game whose state moved; start the demo bot; every half minute a
    trading summary (positions, P&L, balance); every minute a summary of feed health."""
    deadline = None if duration is None else time.monotonic() + duration
    seen: dict[str, tuple[object, ...]] = {}
    last_summary = time.monotonic()  # the first summary after a minute, once pollers reported
    last_trading = time.monotonic()
    with httpx.Client(timeout=10) as http:
        while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
            try:
                response = http.get(f"{api_url}/games", headers=session.headers(http))
                if response.status_code == 401:
                    session.forget()
                body = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                _say(out, f"API not answering yet: {exc}")
            else:
                _print_changes(out, body, seen)
                if time.monotonic() - last_summary >= 60:
                    last_summary = time.monotonic()
                    _print_feeds(out, body)
            if bot is not None:
                bot.poll(http)
                if bot.started and time.monotonic() - last_trading >= 30:
                    last_trading = time.monotonic()
                    _print_trading(out, http, api_url, session)
            _wait(stop, REFRESH_SECONDS, deadline)


def _print_trading(out: IO[str], http: httpx.Client, api_url: str, session: _Session) -> None:
    try:
        status = http.get(f"{api_url}/bot/status", headers=session.headers(http)).json()
    except (httpx.HTTPError, ValueError) as exc:
        _say(out, f"status not available: {exc}")
        return
    _say(out, trading_summary(status))


def trading_summary(status: dict[str, Any]) -> str:
    """One console line from ``GET /api/bot/status``: mode, open positions, today's P&L, balance."""
    mode = str(status.get("mode") or "paper")
    positions = [p for p in status.get("open_positions") or [] if p.get("mode") == mode]
    pnl = (status.get("pnl_today") or {}).get(mode) or {}
    balance = (status.get("balances") or {}).get(mode) or {}
    return (
        f"trading [{mode.upper()}]: {len(positions)} open position(s); today: {pnl.get('fills', 0)} fills, "
        f"realized ${pnl.get('realized', '0')}, fees ${pnl.get('fees', '0')}, net ${pnl.get('net', '0')}; "
        f"balance ${balance.get('available') or '?'}"
    )


def _print_changes(out: IO[str], body: dict[str, Any], seen: dict[str, tuple[object, ...]]) -> None:
    for game in body.get("games", []):
        key = f"{game['league']}/{game['event_id']}"
        moment = _moment(game)
        if seen.get(key) != moment and (game["state"] == "in" or key in seen):
            _say(out, _game_line(game))
        seen[key] = moment


def _print_feeds(out: IO[str], body: dict[str, Any]) -> None:
    feeds = body.get("feeds", [])
    live = sum(feed["live_games"] for feed in feeds)
    failing = [feed["league"] for feed in feeds if not feed["ok"]]
    oldest = max((float(feed["age_seconds"]) for feed in feeds), default=0.0)
    tail = f"; failing: {', '.join(failing)}" if failing else ""
    _say(out, f"feeds: {len(feeds)} leagues polled, {live} live games, oldest poll {oldest:.0f} s ago{tail}")


def _wait(stop: threading.Event, seconds: float, deadline: float | None) -> None:
    if deadline is not None:
        seconds = max(0.0, min(seconds, deadline - time.monotonic()))
    stop.wait(seconds)
