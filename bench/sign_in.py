"""What does signing in cost? The local Entra ID's token service and ARM's token check, measured.

    python bench/sign_in.py               # about 10 s
    python bench/sign_in.py --seconds 3   # longer samples, steadier figures

Figures:
  token request   a client-credentials sign-in (POST /{tenant}/oauth2/v2.0/token) through
                  azure-identity's ClientSecretCredential, cache dropped each time, in process and over HTTPS
  first check     ARM's check of a token it has not seen (RS256 signature + claims)
  cached check    the same token again (verified tokens are cached until they expire)
  ARM GET         a GET of a resource group through Emulator.handle with a token, against the
                  same GET with the check skipped: the check's share of a request

Read the ratios: the machines are noisy.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from azrm.emulator import Emulator, LocalAzure, LocalCredential
from azrm.emulator.core.wire import Headers, Request


def rate(call: Callable[[int], object], seconds: float) -> float:
    """Calls per second of ``call(i)`` over about ``seconds``, after a short warm-up."""
    for i in range(5):
        call(i)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        call(done)
        done += 1
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.5, help="length of each sample")
    args = parser.parse_args()
    seconds = args.seconds

    emu = Emulator()
    scope = "https://management.azure.com/.default"
    inproc = LocalCredential.for_emulator(emu)

    def sign_in_inproc(_: int) -> object:
        inproc.refresh()
        return inproc.get_token(scope)

    figures: dict[str, float] = {"token request, in process": rate(sign_in_inproc, seconds)}
    with LocalAzure(blob=False) as local:
        over_https = local.credential()

        def sign_in_https(_: int) -> object:
            over_https.refresh()
            return over_https.get_token(scope)

        figures["token request, HTTPS"] = rate(sign_in_https, seconds)

    tokens = [emu.entra.issue_token() for _ in range(2000)]
    figures["first check of a token"] = rate(lambda i: emu.entra.verify(tokens[i % len(tokens)]), seconds / 3)
    figures["cached check of a token"] = rate(lambda i: emu.entra.verify(tokens[0]), seconds)

    sub = emu.subscription_id
    token = emu.entra.issue_token()
    put = Headers({"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    emu.handle(Request("PUT", f"https://h/subscriptions/{sub}/resourcegroups/rg?api-version=2022-09-01", put,
                       b'{"location": "westeurope"}'))  # fmt: skip
    get = Request("GET", f"https://h/subscriptions/{sub}/resourcegroups/rg?api-version=2022-09-01",
                  Headers({"Authorization": f"Bearer {token}"}), b"")  # fmt: skip
    checked = emu.entra.authenticate
    principal = emu.entra.default_principal
    with_check = without_check = 0.0
    for _ in range(3):  # alternate the two and keep each one's best: a busy machine slows both alike
        emu.entra.authenticate = checked
        with_check = max(with_check, rate(lambda i: emu.handle(get), seconds / 3))
        emu.entra.authenticate = lambda req: principal  # the check skipped: who is asking is known
        without_check = max(without_check, rate(lambda i: emu.handle(get), seconds / 3))
    emu.entra.authenticate = checked

    for name, value in figures.items():
        print(f"{name:28s} {value:10.0f} /s   ({1000 / value:.2f} ms each)")
    print(f"{'ARM GET with the check':28s} {with_check:10.0f} /s")
    print(f"{'ARM GET, check skipped':28s} {without_check:10.0f} /s")
    print(f"the check's share of a GET: {max(0.0, 1 - with_check / without_check):.1%}")
    print(f"a sign-in costs {with_check / figures['token request, in process']:.1f} GETs in process")


if __name__ == "__main__":
    main()
