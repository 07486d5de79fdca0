"""``python -m azrm.emulator``: run the local Azure until interrupted.

It prints exactly one JSON line on stdout once everything listens::

    {"arm_endpoint": "https://127.0.0.1:PORT", "subscription_id": "...", "tenant_id": "...",
     "ca_bundle": "/tmp/.../ca.pem", "blob_port": N, "queue_port": N, "table_port": N,
     "admin_key": "...", "client_id": "...", "client_secret": "..."}

``admin_key`` goes in the ``x-azrm-admin-key`` header of admin requests (``/_azrm/*`` other than
health and info); ``client_id`` and ``client_secret`` are the default service principal's, which signs in
at the local Entra ID (the ARM URL is its authority); ``AZRM_LOCAL_ENDPOINT`` set to this line lets
``azrm.local()`` attach and use it. ``/_azrm/info`` publishes neither the admin key nor the client secret.

and serves until SIGINT or SIGTERM, then stops Azurite and exits 0. Logs go to stderr. If a request
still holds the local Azure ten seconds after the signal, or a second signal comes, it exits 1 at
once (Azurite, reading its stdin, stops with it).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from .. import _secrets
from .core.clock import ManualClock
from .core.engine import EmulatorSettings
from .core.faults import FaultPlan
from .core.latency import Latency

__all__ = ["STOP_GRACE_SECONDS", "build_parser", "main", "stop_within"]

#: how long a stop waits for a request still running before the process exits anyway
STOP_GRACE_SECONDS = 10.0


def build_parser() -> argparse.ArgumentParser:
    """Return the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m azrm.emulator",
        description="Run the local Azure: an Azure Resource Manager emulator plus Azurite for storage.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="ARM port; 0 picks a free one (default)")
    parser.add_argument("--no-tls", action="store_true", help="serve plain HTTP instead of HTTPS")
    parser.add_argument("--state", metavar="FILE", help="keep state in this SQLite file across restarts")
    parser.add_argument(
        "--latency",
        default="instant",
        help="provisioning time: instant (default), realistic, or a factor of realistic such as 0.1",
    )
    parser.add_argument(
        "--throttle", action="store_true", help="enforce ARM's request token buckets (429 + Retry-After)"
    )
    parser.add_argument(
        "--rbac",
        action="store_true",
        help="enforce role assignments (403 AuthorizationFailed); the default service principal is Owner",
    )
    parser.add_argument(
        "--faults",
        metavar="SPEC",
        help="inject faults, e.g. rate=0.1,seed=7 (transient 500/503/429/dropped connections) and lro=0.05 "
        "(long-running operations that end Failed); also kinds=500+503, retry_after=N, at=3:503+9:drop",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of ids and fault draws (default 0)")
    parser.add_argument("--no-blob", action="store_true", help="do not start Azurite")
    parser.add_argument("--blob-port", type=int, default=0, help="Azurite's blob port; 0 picks a free one (default)")
    parser.add_argument(
        "--clock",
        choices=("system", "manual"),
        default="system",
        help='manual: time stands still until POST /_azrm/clock {"advance": seconds}',
    )
    parser.add_argument("--retry-after", type=float, help="fixed Retry-After seconds for long-running operations")
    parser.add_argument(
        "--strict-downloads",
        action="store_true",
        help="fail extensions whose files are on hosts this offline machine cannot reach (default: succeed, "
        "with a status saying the files were not checked)",
    )
    parser.add_argument("--log-level", default="warning", help="log level on stderr (default warning)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run until SIGINT/SIGTERM; returns the exit code."""
    from .local import LocalAzure

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        parser.error(f"--host {args.host}: the local Azure only listens on loopback (127.0.0.1, ::1 or localhost)")
    logging.basicConfig(
        level=args.log_level.upper(), stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    _secrets.install()  # SAS signatures and secrets' shapes masked in every record, tracebacks included
    for handler in logging.getLogger().handlers:
        handler.addFilter(_secrets.ScrubFilter())
    try:
        settings = EmulatorSettings(
            latency=Latency.parse(args.latency),
            throttle=args.throttle,
            rbac=args.rbac,
            faults=FaultPlan.parse(args.faults) if args.faults else FaultPlan(),
            seed=args.seed,
            clock=ManualClock() if args.clock == "manual" else None,
            state_path=args.state,
            retry_after=args.retry_after,
            strict_downloads=args.strict_downloads,
        )
        local = LocalAzure(
            settings,
            host=args.host,
            port=args.port,
            tls=not args.no_tls,
            blob=not args.no_blob,
            blob_port=args.blob_port,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        if stop.is_set():  # a second signal: the user does not want to wait
            os._exit(1)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        local.start()
    except Exception as exc:
        print(f"error: the local Azure did not start: {exc}", file=sys.stderr)
        return 1
    try:
        sys.stdout.write(json.dumps(local.info()) + "\n")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    finally:
        if not stop_within(local, STOP_GRACE_SECONDS):
            print(
                f"error: a request was still running {STOP_GRACE_SECONDS:g} s after the stop signal; exiting without "
                "waiting for it (Azurite stops when this process ends)",
                file=sys.stderr,
            )
            sys.stderr.flush()
            os._exit(1)
    return 0


def stop_within(local: Any, grace: float) -> bool:
    """Stop ``local`` in a thread; return whether it stopped within ``grace`` seconds.

    Stopping waits for the request in progress (it holds the emulator's lock); one that does not end
    must not keep SIGTERM from stopping the process.
    """
    done = threading.Event()

    def run() -> None:
        try:
            local.stop()
        finally:
            done.set()

    threading.Thread(target=run, name="azrm-stop", daemon=True).start()
    return done.wait(grace)
