"""How fast is the local Azure? Requests per second for GET and PUT, four ways, plus the test suite.

    python bench/emulator.py                 # everything (runs the integration tests once)
    python bench/emulator.py --no-suite      # only the request rates
    python bench/emulator.py --seconds 3     # longer samples, steadier figures

Ways measured:
  engine       Emulator.handle() called directly (the backends alone, no SDK)
  in-process   the azure-mgmt SDK through InProcessTransport (what most tests use)
  https        the SDK over HTTPS to the uvicorn server (what `azrm.local()` and the CLI serve)
  http         the same over plain HTTP (--no-tls)

Machines are noisy: read the ratios (https / in-process) rather than the absolute figures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from azure.mgmt.resource.resources import ResourceManagementClient

from azrm.emulator import Emulator, LocalCredential
from azrm.emulator.core.server import ArmServer
from azrm.emulator.core.tls import make_certificates
from azrm.emulator.core.wire import Headers, Request

ROOT = Path(__file__).resolve().parents[1]


def rate(call: Callable[[int], object], seconds: float) -> float:
    """Calls per second of ``call(i)`` over about ``seconds``, after a short warm-up."""
    for i in range(20):
        call(i)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        call(count)
        count += 1
    return count / (time.perf_counter() - start)


def engine_rates(seconds: float) -> tuple[float, float]:
    emu = Emulator()
    sub = emu.subscription_id
    headers = Headers({"Authorization": "Bearer x"})
    body = json.dumps({"location": "westeurope"}).encode()
    url = f"https://h/subscriptions/{sub}/resourcegroups/rg?api-version=2022-09-01"
    emu.handle(Request("PUT", url, headers, body))
    get = rate(lambda i: emu.handle(Request("GET", url, headers)), seconds)
    put = rate(lambda i: emu.handle(Request("PUT", url, headers, body)), seconds)
    return get, put


def sdk_rates(client: ResourceManagementClient, seconds: float, **per_call: object) -> tuple[float, float]:
    client.resource_groups.create_or_update("rg", {"location": "westeurope"}, **per_call)
    get = rate(lambda i: client.resource_groups.get("rg", **per_call), seconds)
    put = rate(lambda i: client.resource_groups.create_or_update("rg", {"location": "westeurope"}, **per_call), seconds)
    return get, put


def suite_seconds() -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/integration"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        print(result.stdout[-2000:], file=sys.stderr)
        raise SystemExit("the integration tests failed; no timing")
    return elapsed


def _signed_in(server: ArmServer, ca: str | None) -> LocalCredential:
    """Return a credential signing in to the served emulator's Entra ID as its default application."""
    entra = server.emulator.entra
    return LocalCredential(
        server.endpoint,
        server.emulator.tenant_id,
        entra.directory.default.app_id,
        entra.directory.default_secret,
        connection_verify=ca,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=1.5, help="length of each sample (default 1.5)")
    parser.add_argument("--no-suite", action="store_true", help="skip timing the integration tests")
    args = parser.parse_args()

    rows: dict[str, tuple[float, float]] = {"engine": engine_rates(args.seconds)}
    emu = Emulator()
    inproc = ResourceManagementClient(
        LocalCredential.for_emulator(emu), emu.subscription_id, base_url="https://azrm.local", transport=emu.transport()
    )
    rows["in-process"] = sdk_rates(inproc, args.seconds)
    with tempfile.TemporaryDirectory() as tmp:
        certs = make_certificates(tmp)
        with ArmServer(Emulator(), tls=certs) as server:
            client = ResourceManagementClient(
                _signed_in(server, str(certs.ca)),
                server.emulator.subscription_id,
                base_url=server.endpoint,
                connection_verify=str(certs.ca),
            )
            rows["https"] = sdk_rates(client, args.seconds)
        with ArmServer(Emulator()) as server:
            client = ResourceManagementClient(
                _signed_in(server, None), server.emulator.subscription_id, base_url=server.endpoint
            )
            rows["http"] = sdk_rates(client, args.seconds, enforce_https=False)

    print(f"{'way in':<12}{'GET/s':>10}{'PUT/s':>10}{'GET vs in-process':>20}")
    base_get = rows["in-process"][0]
    for name, (get, put) in rows.items():
        print(f"{name:<12}{get:>10.0f}{put:>10.0f}{get / base_get:>19.2f}x")
    if not args.no_suite:
        print(f"\nintegration tests (both ways in, one process): {suite_seconds():.1f} s")


if __name__ == "__main__":
    main()
