"""``inplay kalshi check``: the pre-flight to run before trading with a Kalshi key.

It checks, in order: the exchange status, the clock skew against Kalshi's ``Date`` header, that
the key authenticates (by reading the balance), the balance, and the API rate-limit tier — then
prints one table row per check and exits 1 if any check failed (2 for usage errors).

Target: Kalshi's demo environment unless ``--prod`` is given; a production URL (any
``*.kalshi.com`` host) is refused without ``--prod``, whether it comes from ``--base-url`` or
``KALSHI_BASE_URL``. Credentials come from ``--key-id``/``--key-file`` or ``KALSHI_API_KEY_ID``/
``KALSHI_PRIVATE_KEY_PATH``; flags win. Nothing here places or changes an order.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TextIO

from local.cli import CliError

if TYPE_CHECKING:
    from inplay.venues.kalshi import KalshiClient, KalshiCredentials

ENV_KEY_ID: Final = "KALSHI_API_KEY_ID"
ENV_KEY_PATH: Final = "KALSHI_PRIVATE_KEY_PATH"
ENV_BASE_URL: Final = "KALSHI_BASE_URL"
SKEW_WARN_SECONDS: Final = 2.0
SKEW_FAIL_SECONDS: Final = 10.0
"""Kalshi does not publish its timestamp tolerance; beyond 10 s signatures are at real risk."""

OK, WARN, FAIL, SKIP = "OK", "WARN", "FAIL", "SKIP"
CHECK_DESCRIPTION: Final = (
    "Pre-flight before trading: exchange status, clock skew, authentication, balance and API "
    "rate-limit tier, printed as a table. Exits 1 if any check fails, 2 on usage errors. Targets "
    "Kalshi's demo environment unless --prod is given; production URLs are refused without --prod. "
    "Read-only: nothing is ordered or cancelled."
)

ClientFactory = Callable[[str, "KalshiCredentials", float], "KalshiClient"]


@dataclass(frozen=True, slots=True)
class Row:
    check: str
    result: str
    detail: str


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("kalshi", help="Kalshi venue tools", description="Kalshi venue tools.")
    commands = parser.add_subparsers(dest="kalshi_command", required=True, metavar="SUBCOMMAND")
    check = commands.add_parser(
        "check",
        help="pre-flight: authentication, exchange status, balance, rate-limit tier, clock skew",
        description=CHECK_DESCRIPTION,
    )
    check.add_argument(
        "--base-url", help=f"API base URL ending in /trade-api/v2 (env {ENV_BASE_URL}; default: demo)"
    )
    check.add_argument("--key-id", help=f"API key id (env {ENV_KEY_ID})")
    check.add_argument("--key-file", help=f"PEM private key file, RSA or Ed25519 (env {ENV_KEY_PATH})")
    check.add_argument(
        "--prod", action="store_true", help="target production (required for any kalshi.com URL)"
    )
    check.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    check.set_defaults(func=_run)


def default_client_factory(base_url: str, credentials: KalshiCredentials, timeout: float) -> KalshiClient:
    from inplay.venues.kalshi import BASIC_LIMITS, KalshiClient, RetryPolicy

    # Basic limits up front: the check reads /account/limits itself and reports on it.
    return KalshiClient(
        base_url,
        credentials=credentials,
        timeout=timeout,
        rate_limits=BASIC_LIMITS,
        retry=RetryPolicy(max_attempts=2, base_delay=0.5, max_delay=2.0),
    )


def _run(args: argparse.Namespace) -> int:
    return run_check(args)


def resolve_target(args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[str, str]:
    """``(base_url, label)``; refuses production without ``--prod`` (usage error, exit 2)."""
    from inplay.venues.kalshi import DEMO_BASE_URL, PRODUCTION_BASE_URL, is_production_url, normalize_base_url

    raw = args.base_url or environ.get(ENV_BASE_URL) or (PRODUCTION_BASE_URL if args.prod else DEMO_BASE_URL)
    try:
        base_url = normalize_base_url(raw)
    except ValueError as exc:
        raise CliError(f"invalid base URL: {exc}", 2) from None
    production = is_production_url(base_url)
    if production and not args.prod:
        source = "--base-url" if args.base_url else ENV_BASE_URL
        raise CliError(f"refusing to contact production ({base_url}, from {source}) without --prod", 2)
    if production:
        label = "production"
    elif base_url in (DEMO_BASE_URL, "https://demo-api.kalshi.co/trade-api/v2"):
        label = "demo"
    else:
        label = "custom"
    return base_url, label


def load_credentials(args: argparse.Namespace, environ: Mapping[str, str]) -> KalshiCredentials:
    from inplay.venues.kalshi import KalshiCredentials, KeyLoadError

    key_id = args.key_id or environ.get(ENV_KEY_ID)
    key_file = args.key_file or environ.get(ENV_KEY_PATH)
    if not key_id:
        raise CliError(f"missing API key id: pass --key-id or set {ENV_KEY_ID}", 2)
    if not key_file:
        raise CliError(f"missing private key file: pass --key-file or set {ENV_KEY_PATH}", 2)
    try:
        return KalshiCredentials.from_file(key_id, key_file)
    except KeyLoadError as exc:
        raise CliError(f"unusable private key: {exc}", 2) from None


def _money(value: Any) -> str:
    return f"${value:,.2f}"


def run_checks(client: KalshiClient) -> list[Row]:
    """Run every check against ``client``; never raises for a venue failure."""
    from inplay.venues.base import AuthenticationError, NotFoundError, VenueError

    rows: list[Row] = []
    try:
        status = client.exchange_status()
        if not status.exchange_active:
            resume = (
                f"; estimated resume {status.estimated_resume_time:%Y-%m-%d %H:%M} UTC"
                if status.estimated_resume_time
                else ""
            )
            rows.append(Row("exchange status", FAIL, f"exchange inactive (maintenance){resume}"))
        elif not status.trading_active:
            rows.append(Row("exchange status", WARN, "exchange up, trading paused or outside trading hours"))
        else:
            rows.append(Row("exchange status", OK, "exchange and trading active"))
    except AuthenticationError:
        # The client signs every request, public ones too: a refused key is the authentication
        # row's failure, not the exchange's.
        rows.append(
            Row("exchange status", SKIP, "not read: Kalshi refused the signed request (see authentication)")
        )
    except VenueError as exc:
        rows.append(Row("exchange status", FAIL, str(exc)))

    skew = client.clock_skew
    if skew is None:
        rows.append(Row("clock skew", WARN, "could not measure (no Date header from the server)"))
    else:
        detail = f"{skew:+.1f} s (server − local, ±0.5 s)"
        verdict = FAIL if abs(skew) >= SKEW_FAIL_SECONDS else WARN if abs(skew) >= SKEW_WARN_SECONDS else OK
        if verdict != OK:
            detail += "; fix this machine's clock (NTP): signatures carry a millisecond timestamp"
        rows.append(Row("clock skew", verdict, detail))

    try:
        balance = client.get_balance()
    except AuthenticationError as exc:
        rows.append(Row("authentication", FAIL, str(exc)))
        rows.append(Row("balance", SKIP, "needs authentication"))
        rows.append(Row("rate-limit tier", SKIP, "needs authentication"))
        return rows
    except VenueError as exc:
        rows.append(Row("authentication", FAIL, f"balance read failed: {exc}"))
        rows.append(Row("balance", FAIL, str(exc)))
    else:
        key = client.credentials.key_id if client.credentials else "?"
        rows.append(Row("authentication", OK, f"key {key} accepted"))
        portfolio = (
            f", portfolio value {_money(balance.portfolio_value)}"
            if balance.portfolio_value is not None
            else ""
        )
        verdict = OK if balance.available > 0 else WARN
        rows.append(Row("balance", verdict, f"{_money(balance.available)} available{portfolio}"))

    try:
        limits = client.account_limits()
        read, write = limits.read, limits.write
        detail = (
            f"{limits.usage_tier}: read {read.refill_rate}/s (burst {read.bucket_capacity}), "
            f"write {write.refill_rate}/s (burst {write.bucket_capacity}) tokens"
        )
        rows.append(Row("rate-limit tier", OK, detail))
    except NotFoundError:
        rows.append(
            Row("rate-limit tier", WARN, "GET /account/limits not served; the client assumes Basic limits")
        )
    except VenueError as exc:
        rows.append(Row("rate-limit tier", FAIL, str(exc)))
    return rows


def print_table(rows: list[Row], out: TextIO) -> None:
    header = Row("check", "result", "detail")
    width_check = max(len(row.check) for row in [header, *rows])
    width_result = max(len(row.result) for row in [header, *rows])
    for row in [header, *rows]:
        print(f"{row.check:<{width_check}}  {row.result:<{width_result}}  {row.detail}".rstrip(), file=out)


def run_check(
    args: argparse.Namespace,
    *,
    client_factory: ClientFactory | None = None,
    environ: Mapping[str, str] | None = None,
    out: TextIO | None = None,
) -> int:
    env = os.environ if environ is None else environ
    stream = out or sys.stdout
    if not args.timeout > 0:
        raise CliError(f"--timeout must be positive, got {args.timeout}", 2)
    base_url, label = resolve_target(args, env)
    credentials = load_credentials(args, env)
    factory = client_factory or default_client_factory
    client = factory(base_url, credentials, args.timeout)
    try:
        rows = [Row("target", OK, f"{label} {base_url}"), *run_checks(client)]
    finally:
        client.close()
    print_table(rows, stream)
    failed = [row.check for row in rows if row.result == FAIL]
    if failed:
        raise CliError(f"{len(failed)} check(s) failed: {', '.join(failed)}; do not trade with this setup", 1)
    return 0
