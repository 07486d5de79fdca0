"""The pacer of plan runs: budgets learned from ARM's and Compute's headers, holds after a 429."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from azrm import pacing
from azrm.pacing import RateLimitPacer, parse_resource_budgets, request_key

VM = "https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web1"
EXT = VM + "/extensions/Microsoft.Powershell.DSC?api-version=2024-07-01"
NIC = "https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/n"


def call(method: str, url: str) -> Any:
    return SimpleNamespace(http_request=SimpleNamespace(method=method, url=url))


def answer(status: int, headers: dict[str, str]) -> Any:
    return SimpleNamespace(http_response=SimpleNamespace(status_code=status, headers=headers))


def test_request_keys_and_compute_budget_headers_parse() -> None:
    assert request_key("PUT", EXT) == ("writes", "microsoft.compute/virtualmachines/extensions")
    assert request_key("get", NIC) == ("reads", "microsoft.network/networkinterfaces")
    assert request_key("DELETE", "https://x/subscriptions/s/resourcegroups/rg") == ("deletes", "")
    header = "Microsoft.Compute/PutVM3Min;239,Microsoft.Compute/PutVM30Min;1199"
    assert parse_resource_budgets(header) == [
        ("Microsoft.Compute/PutVM3Min", 239),
        ("Microsoft.Compute/PutVM30Min", 1199),
    ]
    assert parse_resource_budgets("") == [] and parse_resource_budgets("junk;x") == []


def test_a_low_compute_group_spaces_its_requests_only(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(pacing.time, "sleep", slept.append)
    pacer = RateLimitPacer()
    pacer.on_response(call("PUT", VM), answer(200, {
        "x-ms-ratelimit-remaining-subscription-writes": "150",
        "x-ms-ratelimit-remaining-resource": "Microsoft.Compute/PutVM3Min;239,Microsoft.Compute/PutVM30Min;1199",
    }))  # fmt: skip
    pacer.on_response(call("PUT", VM), answer(200, {
        "x-ms-ratelimit-remaining-subscription-writes": "149",
        "x-ms-ratelimit-remaining-resource": "Microsoft.Compute/PutVM3Min;3,Microsoft.Compute/PutVM30Min;900",
    }))  # fmt: skip
    for _ in range(3):
        pacer.on_request(call("PUT", VM))
    # 240 per 180 s: one request every 0.75 s once the 3-minute window runs low
    assert len(slept) == 2 and slept[0] == pytest.approx(0.75, abs=0.05) and slept[1] == pytest.approx(1.5, abs=0.05)
    pacer.on_request(call("PUT", NIC))  # a network write spends no Compute group: not held back
    assert len(slept) == 2


def test_a_provider_429_holds_that_provider_and_an_arm_429_the_whole_class(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(pacing.time, "sleep", slept.append)
    pacer = RateLimitPacer()
    pacer.on_response(call("PUT", VM), answer(429, {
        "x-ms-ratelimit-remaining-subscription-writes": "120", "Retry-After": "7",
        "x-ms-ratelimit-remaining-resource": "Microsoft.Compute/PutVM3Min;0,Microsoft.Compute/PutVM30Min;800",
    }))  # fmt: skip
    pacer.on_request(call("PUT", NIC))
    assert slept == []  # Compute refused: ARM's write budget is not spent
    pacer.on_request(call("PUT", VM))
    assert len(slept) == 1 and 6.5 < slept[0] <= 7.6
    assert pacer.throttled == 1

    slept.clear()
    pacer.on_response(call("PUT", NIC), answer(429, {"x-ms-ratelimit-remaining-subscription-writes": "0",
                                                     "Retry-After": "3"}))  # fmt: skip
    pacer.on_request(call("PATCH", NIC))
    pacer.on_request(call("GET", NIC))
    assert len(slept) == 1 and 2.5 < slept[0] <= 3.6  # every write waits; reads do not
