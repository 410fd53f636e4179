"""``inplay sim kalshi``: run the Kalshi exchange simulator until SIGTERM / Ctrl-C.

It opens NBA game-winner demo markets with two-sided liquidity (market makers, moving fair values,
noise takers) and a funded demo account ($10,000, tier advanced). With ``--credentials-out FILE``
it writes ``{"base_url", "key_id", "private_key_path"}`` there and the private key next to it
(``FILE`` with suffix ``.pem``, mode 0600); without it the key lives in a temporary folder that is
removed on exit. One JSON line on stdout tells where everything is.
"""

from __future__ import annotations

import json
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from local.cli import CliError

if TYPE_CHECKING:
    import argparse
    from types import FrameType

__all__ = ["register", "run_kalshi"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("sim", help="local exchange simulators")
    commands = parser.add_subparsers(dest="sim_command", required=True, metavar="VENUE")
    kalshi = commands.add_parser(
        "kalshi",
        help="run the Kalshi Trade API v2 simulator",
        description="Run the Kalshi simulator on 127.0.0.1 until SIGTERM or Ctrl-C.",
    )
    kalshi.add_argument("--port", type=int, default=0, help="TCP port (default: a free port)")
    kalshi.add_argument("--host", default="127.0.0.1", help="bind address (default: 127.0.0.1)")
    kalshi.add_argument("--seed", type=int, default=0, help="seed for ids and liquidity agents (default: 0)")
    kalshi.add_argument(
        "--credentials-out",
        type=Path,
        metavar="FILE",
        help='write {"base_url", "key_id", "private_key_path"} for the demo account to FILE',
    )
    kalshi.add_argument("--static", action="store_true", help="fixed fair values and no noise trades")
    kalshi.add_argument(
        "--no-maintenance", action="store_true", help="no weekly Thursday 03:00-05:00 ET trading pause"
    )
    kalshi.add_argument("--no-rate-limits", action="store_true", help="disable the token buckets")
    kalshi.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help="require header X-Sim-Admin-Token: TOKEN on the /_sim admin API",
    )
    kalshi.set_defaults(func=run_kalshi)


def run_kalshi(args: argparse.Namespace) -> int:
    from local.kalshi_sim import KalshiSimulator, SimServer
    from local.kalshi_sim.demo import setup_demo, write_credentials

    if not 0 <= args.port <= 65535:
        raise CliError(f"--port must be between 0 and 65535, got {args.port}")
    temp_dir: Path | None = None
    if args.credentials_out is not None:
        key_path = args.credentials_out.with_suffix(".pem")
        if key_path == args.credentials_out:
            key_path = args.credentials_out.with_name(args.credentials_out.name + ".pem")
    else:
        temp_dir = Path(tempfile.mkdtemp(prefix="inplay-kalshi-sim-"))
        key_path = temp_dir / "demo-key.pem"

    sim = KalshiSimulator(
        seed=args.seed, maintenance=not args.no_maintenance, rate_limits=not args.no_rate_limits
    )
    stop = threading.Event()
    previous = _install_signal_handlers(stop)  # before anyone can learn our URL and signal us
    try:
        server = SimServer(sim, host=args.host, port=args.port, admin_token=args.admin_token)
        try:
            server.start()
        except OSError as exc:
            raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", 1) from None
        try:
            try:
                demo = setup_demo(sim, private_key_path=key_path, moving=not args.static)
            except OSError as exc:
                raise CliError(f"cannot write the private key {key_path}: {exc.strerror or exc}", 1) from None
            if args.credentials_out is not None:
                try:
                    write_credentials(args.credentials_out, server.base_url, demo.credentials)
                except OSError as exc:
                    raise CliError(f"cannot write {args.credentials_out}: {exc.strerror or exc}", 1) from None
            info: dict[str, Any] = {
                "base_url": server.base_url,
                "admin_url": server.admin_url,
                "key_id": demo.credentials.key_id,
                "private_key_path": str(key_path.resolve()),
                "user_id": demo.credentials.user_id,
                "markets": [t for g in demo.games for t in (g.away_ticker, g.home_ticker)],
            }
            if args.credentials_out is not None:
                info["credentials_file"] = str(args.credentials_out.resolve())
            sys.stdout.write(json.dumps(info) + "\n")
            sys.stdout.flush()
            while not stop.wait(0.5):
                pass
        finally:
            server.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
    return 0


def _install_signal_handlers(stop: threading.Event) -> dict[int, Any]:
    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    return {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
