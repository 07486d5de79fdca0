"""Unit tests of the emulator's machinery (no I/O beyond temp files)."""

from __future__ import annotations

import contextlib
import os
import ssl
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from azrm.emulator import Emulator, EmulatorSettings, FaultPlan, Latency, ManualClock
from azrm.emulator.core.errors import ArmError
from azrm.emulator.core.faults import FaultInjector
from azrm.emulator.core.ids import ResourceId, normalize_location
from azrm.emulator.core.lro import Operations
from azrm.emulator.core.router import Router
from azrm.emulator.core.store import Record, Store
from azrm.emulator.core.throttle import BucketPolicy, Throttler, TokenBucket
from azrm.emulator.core.tls import make_certificates
from azrm.emulator.core.wire import Headers, Request, Response

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", min_size=1, max_size=20)


@given(sub=names, rg=names, vnet=names, subnet=names)
def test_resource_ids_round_trip(sub: str, rg: str, vnet: str, subnet: str) -> None:
    text = (
        f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}"
    )
    rid = ResourceId.parse(text)
    assert str(rid) == text
    assert rid.type == "Microsoft.Network/virtualNetworks/subnets"
    assert rid.name == subnet
    assert str(rid.parent) == text.rsplit("/subnets/", 1)[0]
    assert rid.parent is not None and rid.parent.child("subnets", subnet) == rid


def test_resource_id_rejects_non_provider_ids() -> None:
    with pytest.raises(ValueError, match="not a provider resource id"):
        ResourceId.parse("/subscriptions/s/resourceGroups/rg")
    with pytest.raises(ValueError, match="not a resource id"):
        ResourceId.parse("vnet1")


def test_normalize_location() -> None:
    assert normalize_location("West Europe") == "westeurope"
    assert normalize_location("eastus2") == "eastus2"


def test_latency_parse_and_overrides() -> None:
    assert Latency.parse("instant").seconds("Microsoft.Compute/virtualMachines", "create") == 0
    assert Latency.parse("realistic").seconds("Microsoft.Compute/virtualMachines", "create") == 90
    assert Latency.parse("0.1").seconds("microsoft.compute/virtualmachines", "CREATE") == pytest.approx(9)
    slow_vm = Latency(0, {"Microsoft.Compute/virtualMachines:create": 5})
    assert slow_vm.seconds("Microsoft.Compute/virtualMachines", "create") == 5
    assert slow_vm.seconds("Microsoft.Network/virtualNetworks", "create") == 0
    with pytest.raises(ValueError, match="latency: 'fast'"):
        Latency.parse("fast")
    with pytest.raises(ValueError, match="negative"):
        Latency(-1)


def test_fault_plan_parse() -> None:
    plan = FaultPlan.parse("rate=0.1,seed=7,lro=0.05,kinds=500+drop,retry_after=2,at=3:503+9:drop")
    assert (plan.rate, plan.seed, plan.lro_rate, plan.kinds, plan.retry_after) == (0.1, 7, 0.05, ("500", "drop"), 2)
    assert plan.schedule == {3: "503", 9: "drop"}
    for bad, message in [
        ("rate=2", "share between 0 and 1"),
        ("kinds=404", "not one of"),
        ("speed=1", "unknown setting"),
        ("rate", "not name=value"),
        ("seed=x", "not a valid value"),
    ]:
        with pytest.raises(ValueError, match=message):
            FaultPlan.parse(bad)


def test_fault_draws_are_deterministic_for_a_seed() -> None:
    def draws(seed: int) -> list[str | None]:
        injector = FaultInjector(FaultPlan(rate=0.3, seed=seed), seed=0)
        return [injector.decide("GET") for _ in range(200)]

    first, second = draws(7), draws(7)
    assert first == second
    assert first != draws(8)
    share = sum(d is not None for d in first) / len(first)
    assert 0.2 < share < 0.4


def test_dropped_connections_only_where_the_sdk_retries() -> None:
    injector = FaultInjector(FaultPlan(rate=1.0, kinds=("drop",)), seed=1)
    assert {injector.decide(m) for m in ("GET", "PUT", "DELETE", "HEAD")} == {"drop"}
    assert {injector.decide(m) for m in ("POST", "PATCH")} == {"503"}


def test_token_bucket_refills_with_time() -> None:
    bucket = TokenBucket(BucketPolicy(2, 1.0), tokens=2, updated=0)
    assert bucket.take(0) and bucket.take(0) and not bucket.take(0)
    assert bucket.seconds_until_token(0) == pytest.approx(1.0)
    assert bucket.take(1.0)
    assert bucket.remaining(100) == 2  # never above the burst


def test_throttler_counts_without_refusing_when_disabled() -> None:
    throttler = Throttler(enabled=False)
    headers = {}
    for _ in range(300):
        headers = throttler.admit(method="PUT", subscription="s", now=0)
    assert headers["x-ms-ratelimit-remaining-subscription-writes"] == "0"
    enabled = Throttler(enabled=True)
    for _ in range(250):
        enabled.admit(method="GET", subscription="s", now=0)
    with pytest.raises(ArmError) as err:
        enabled.admit(method="GET", subscription="s", now=0)
    assert (err.value.status, err.value.code, err.value.headers["Retry-After"]) == (
        429,
        "SubscriptionRequestsThrottled",
        "1",
    )
    assert (
        enabled.admit(method="DELETE", subscription="s", now=0)["x-ms-ratelimit-remaining-subscription-deletes"]
        == "199"
    )


def test_router_matches_case_insensitively_and_decodes() -> None:
    router = Router()
    router.add(
        "GET",
        "/subscriptions/{subscriptionId}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}",
        lambda c: Response(200),
    )
    _route, params = router.match(
        "GET", "/SUBSCRIPTIONS/s/resourcegroups/My%20RG/providers/microsoft.network/VIRTUALNETWORKS/v1/"
    )
    assert params == {"subscriptionId": "s", "rg": "My RG", "name": "v1"}
    with pytest.raises(ArmError) as err:
        router.match("DELETE", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1")
    assert err.value.status == 405
    with pytest.raises(ArmError) as err:
        router.match("GET", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/bastionHosts/b")
    assert err.value.code == "InvalidResourceType"
    with pytest.raises(ArmError) as err:
        router.match("GET", "/subscriptions/s/resourceGroups/rg/providers/Contoso.Widgets/widgets/w")
    assert err.value.code == "InvalidResourceNamespace"
    assert router.types == {"microsoft.network/virtualnetworks": "Microsoft.Network/virtualNetworks"}


def test_store_persists_to_sqlite_privately(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    store = Store(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    store.put(
        Record(
            "/subscriptions/s/resourceGroups/RG",
            "Microsoft.Resources/resourceGroups",
            {"name": "RG"},
            secrets={"k": "v"},
        )
    )
    store.set_meta("subscription_id", "s")
    store.flush()
    store.close()
    again = Store(path)
    record = again.get("/SUBSCRIPTIONS/S/RESOURCEGROUPS/rg")
    assert record is not None and record.secrets == {"k": "v"} and again.meta["subscription_id"] == "s"
    again.delete(record.id)
    again.close()
    assert len(Store(path)) == 0


def test_emulator_state_survives_restart(tmp_path: Path) -> None:
    settings = EmulatorSettings(state_path=str(tmp_path / "azure.sqlite"))
    first = Emulator(settings)
    sub = first.subscription_id
    body = b'{"location": "westeurope"}'
    headers = Headers({"Authorization": f"Bearer {first.entra.issue_token()}", "Content-Type": "application/json"})
    assert (
        first.handle(
            Request("PUT", f"https://h/subscriptions/{sub}/resourcegroups/kept?api-version=2022-09-01", headers, body)
        ).status
        == 201
    )
    first.close()
    second = Emulator(settings)
    assert second.subscription_id == sub
    got = second.handle(
        Request("GET", f"https://h/subscriptions/{sub}/resourcegroups/kept?api-version=2022-09-01", headers)
    )
    assert got.status == 200 and got.body["name"] == "kept"
    # Ids stay unique across restarts: the restored emulator does not replay the seed's sequence.
    baseline = Emulator(EmulatorSettings())
    replayed = {baseline.new_guid() for _ in range(50)}
    assert not {second.new_guid() for _ in range(50)} & replayed


def test_retry_after_follows_remaining_time() -> None:
    ops = Operations()
    op = ops.start(
        op_id="o",
        style="compute",
        namespace="Microsoft.Compute",
        kind="create",
        resource_id="/x",
        subscription="s",
        location="westus",
        api_version="v",
        now=0,
        duration=25,
    )
    assert ops.headers(op, "https://h", 0, location=False)["Retry-After"] == "10"
    assert ops.headers(op, "https://h", 23.5, location=False)["Retry-After"] == "2"
    assert ops.headers(op, "https://h", 24.6, location=False) == {
        "retry-after-ms": "400",
        "Azure-AsyncOperation": "https://h/subscriptions/s/providers/Microsoft.Compute/locations/westus/operations/o?api-version=v",
    }
    assert ops.settle(24.9) == 0 and ops.settle(25) == 1
    assert op.status == "Succeeded"
    fixed = Operations(retry_after=3)
    op2 = fixed.start(
        op_id="p",
        style="network",
        namespace="Microsoft.Network",
        kind="delete",
        resource_id="/y",
        subscription="s",
        location="westus",
        api_version="v",
        now=0,
        duration=0,
    )
    assert fixed.headers(op2, "https://h", 0, location=True)["Retry-After"] == "3"


def test_operation_failure_runs_hook() -> None:
    ops = Operations()
    seen: list[str] = []

    def boom() -> None:
        raise ArmError(400, "Nope", "no")

    op = ops.start(
        op_id="o",
        style="network",
        namespace="Microsoft.Network",
        kind="create",
        resource_id="/x",
        subscription="s",
        location="westus",
        api_version="v",
        now=0,
        duration=0,
        complete=boom,
        on_failure=lambda e: seen.append(e.code),
    )
    ops.settle(0)
    assert op.status == "Failed" and seen == ["Nope"]
    assert ops.status_response(op, 0).body == {"status": "Failed", "error": {"code": "Nope", "message": "no"}}


def test_manual_clock() -> None:
    clock = ManualClock(100)
    assert clock.advance(5) == 105
    with pytest.raises(ValueError, match="negative"):
        clock.advance(-1)
    with pytest.raises(TypeError):
        Emulator().advance(1)


def test_certificates_verify_for_loopback(tmp_path: Path) -> None:
    certs = make_certificates(tmp_path)
    assert stat.S_IMODE(os.stat(certs.key).st_mode) == 0o600
    context = ssl.create_default_context(cafile=str(certs.ca))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(str(certs.cert), str(certs.key))
    # A full handshake through memory BIOs proves the chain and the IP SAN.
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    client = context.wrap_bio(c_in, c_out, server_hostname="127.0.0.1")
    srv = server.wrap_bio(s_in, s_out, server_side=True)
    for _ in range(10):
        for side, _inbox, outbox, peer_in in ((client, c_in, c_out, s_in), (srv, s_in, s_out, c_in)):
            with contextlib.suppress(ssl.SSLWantReadError):
                side.do_handshake()
            data = outbox.read()
            if data:
                peer_in.write(data)
    assert client.version() is not None


def test_headers_are_case_insensitive() -> None:
    headers = Headers({"Content-Type": "a"})
    headers["content-type"] = "b"
    assert dict(headers) == {"content-type": "b"} and headers["CONTENT-TYPE"] == "b"


def test_request_parses_query_case_insensitively() -> None:
    request = Request("get", "https://h:1/x/y?API-Version=2024-01-01&$expand=instanceView")
    assert (request.method, request.api_version, request.query["$expand"], request.base_url) == (
        "GET",
        "2024-01-01",
        "instanceView",
        "https://h:1",
    )


def test_same_seed_same_ids() -> None:
    def run(seed: int) -> list[str]:
        emu = Emulator(EmulatorSettings(seed=seed))
        headers = Headers({"Authorization": f"Bearer {emu.entra.issue_token()}", "Content-Type": "application/json"})
        base = f"https://h/subscriptions/{emu.subscription_id}"
        emu.handle(
            Request("PUT", f"{base}/resourcegroups/rg?api-version=2022-09-01", headers, b'{"location": "westus"}')
        )
        pip = f"{base}/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/p?api-version=2024-05-01"
        body = emu.handle(Request("PUT", pip, headers, b'{"location": "westus"}')).body
        return [emu.subscription_id, body["properties"]["resourceGuid"], body["etag"]]

    assert run(1) == run(1)
    assert run(1) != run(2)


def test_the_cli_and_local_take_strict_downloads() -> None:
    from azrm.emulator._cli import build_parser

    assert build_parser().parse_args(["--strict-downloads"]).strict_downloads is True
    assert build_parser().parse_args([]).strict_downloads is False
