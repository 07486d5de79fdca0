"""ARM request throttling: token buckets, as Azure Resource Manager and the Compute RP use them.

The buckets are always counted, so every answer carries ``x-ms-ratelimit-remaining-subscription-*``
headers as Azure's do; only when throttling is enabled does an empty bucket refuse the request with
a 429 and a ``Retry-After``.

Two levels, as in Azure (docs/local-azure.md, "Throttling", lists the sources):

- ARM, per subscription (or tenant): reads 250 burst / 25 per second, writes and deletes 200 / 10.
  A refusal is 429 ``SubscriptionRequestsThrottled``.
- Compute, per subscription and *operation group*, two windows each, reported the way recorded Azure
  answers report them: ``x-ms-ratelimit-remaining-resource: Microsoft.Compute/PutVM3Min;239,
  Microsoft.Compute/PutVM30Min;1199``. Each window is a bucket of the window's allowance refilled
  evenly over the window. VM writes and deletes also have a per-VM bucket (4 per minute, 12 burst).
  A refusal is Compute's 429 ``OperationNotAllowed`` with a ``TooManyRequests`` detail naming the
  operation group, as in Azure's troubleshooting guide.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from .clock import iso_utc
from .errors import ArmError

__all__ = ["ARM_POLICIES", "COMPUTE_GROUPS", "COMPUTE_POLICIES", "BucketPolicy", "Throttler", "TokenBucket"]


@dataclass(frozen=True)
class BucketPolicy:
    """A token bucket's shape: ``burst`` tokens at most, refilled at ``per_second``."""

    burst: int
    per_second: float


@dataclass
class TokenBucket:
    """One bucket. Tokens refill continuously with the clock."""

    policy: BucketPolicy
    tokens: float
    updated: float

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(float(self.policy.burst), self.tokens + (now - self.updated) * self.policy.per_second)
            self.updated = now

    def take(self, now: float) -> bool:
        """Take one token if there is one."""
        self._refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def remaining(self, now: float) -> int:
        """Whole tokens left."""
        self._refill(now)
        return int(self.tokens)

    def seconds_until_token(self, now: float) -> float:
        """How long until one token is available."""
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.policy.per_second


#: ARM's per-subscription buckets (reads 250/25 per s, writes and deletes 200/10 per s).
ARM_POLICIES: Mapping[str, BucketPolicy] = {
    "reads": BucketPolicy(250, 25.0),
    "writes": BucketPolicy(200, 10.0),
    "deletes": BucketPolicy(200, 10.0),
}

#: Compute RP per-VM buckets (per minute refill, burst), from Compute's throttling limits page
#: (ARM-FACTS.md); ``None`` where the page lists no per-resource limit.
COMPUTE_POLICIES: Mapping[str, BucketPolicy | None] = {
    "PutVM": BucketPolicy(12, 4 / 60),
    "DeleteVM": BucketPolicy(12, 4 / 60),
    "GetVM": BucketPolicy(36, 12 / 60),
    "ListVMs": None,
    "GetOperation": BucketPolicy(45, 15 / 60),
    "PutVMSS": BucketPolicy(12, 4 / 60),
    "DeleteVMSS": BucketPolicy(12, 4 / 60),
}

#: Compute operation groups, per subscription: policy -> (Azure's group name, allowance per 3 minutes,
#: allowance per 30 minutes). Names and allowances as recorded Azure answers report them (PutVM
#: 240/1,200, LowCostGet 4,000/32,000, GetOperation 50,000/400,000) or as Azure's troubleshooting guide
#: shows them (HighCostGet 160/800, DeleteVMScaleSet); where no recording gives a figure (DeleteVM, the
#: scale set groups) the group of the same cost is used.
COMPUTE_GROUPS: Mapping[str, tuple[str, int, int]] = {
    "PutVM": ("PutVM", 240, 1200),
    "DeleteVM": ("DeleteVM", 240, 1200),
    "GetVM": ("LowCostGet", 4000, 32000),
    "ListVMs": ("HighCostGet", 160, 800),
    "GetOperation": ("GetOperation", 50000, 400000),
    "PutVMSS": ("PutVMScaleSet", 240, 1200),
    "DeleteVMSS": ("DeleteVMScaleSet", 240, 1200),
}

_WINDOWS = (("3Min", 180.0), ("30Min", 1800.0))
_COMPUTE_REFUSAL = "The server rejected the request because too many requests have been received for this subscription."


def request_class(method: str) -> str:
    """ARM's class of a request: reads (GET, HEAD), deletes, or writes (PUT, PATCH, POST)."""
    method = method.upper()
    if method in ("GET", "HEAD"):
        return "reads"
    if method == "DELETE":
        return "deletes"
    return "writes"


@dataclass
class Throttler:
    """Keeps the buckets and decides. ``enabled=False`` counts but never refuses."""

    enabled: bool = False
    _buckets: dict[tuple[str, ...], TokenBucket] = field(default_factory=dict)

    def _bucket(self, bucket_key: tuple[str, ...], policy: BucketPolicy, now: float) -> TokenBucket:
        bucket = self._buckets.get(bucket_key)
        if bucket is None:
            bucket = self._buckets[bucket_key] = TokenBucket(policy, float(policy.burst), now)
        return bucket

    def admit(
        self,
        *,
        method: str,
        subscription: str | None,
        now: float,
        compute_policy: str | None = None,
        resource_key: str | None = None,
    ) -> dict[str, str]:
        """Count one request; return the rate-limit headers, or raise a 429 ``ArmError``."""
        cls = request_class(method)
        scope = (subscription or "tenant").lower()
        arm = self._bucket(("arm", scope, cls), ARM_POLICIES[cls], now)
        buckets: list[tuple[str, TokenBucket]] = [("arm", arm)]
        compute_names: list[tuple[str, TokenBucket]] = []
        per_vm: TokenBucket | None = None
        if compute_policy is not None:
            group, *allowances = COMPUTE_GROUPS[compute_policy]
            for (suffix, window), allowance in zip(_WINDOWS, allowances, strict=True):
                policy = BucketPolicy(allowance, allowance / window)
                bucket = self._bucket(("compute", scope, group, suffix), policy, now)
                compute_names.append((f"{group}{suffix}", bucket))
            per_resource = COMPUTE_POLICIES[compute_policy]
            if per_resource is not None and resource_key is not None:
                per_vm = self._bucket(("compute", scope, compute_policy, resource_key), per_resource, now)
            buckets.extend(compute_names)
            if per_vm is not None:
                buckets.append((f"{compute_policy}Resource", per_vm))

        empty = [(name, b) for name, b in buckets if b.remaining(now) < 1]
        if self.enabled and empty:
            wait = max(b.seconds_until_token(now) for _, b in empty)
            headers = self._headers(cls, arm, compute_names, now)
            headers["Retry-After"] = str(max(1, math.ceil(wait)))
            if empty[0][0] != "arm":
                raise self._compute_refusal(empty[0][0], empty[0][1], now, headers)
            kind = cls[:-1]  # read / write / delete
            raise ArmError(
                429,
                "SubscriptionRequestsThrottled",
                f"Number of '{kind}' requests for subscription '{scope}' actor 'local' exceeded. "
                f"Please try again after '{headers['Retry-After']}' seconds after additional tokens are available. "
                "Refer to https://aka.ms/arm-throttling",
                headers=headers,
            )
        for _, bucket in buckets:
            bucket.take(now)
        return self._headers(cls, arm, compute_names, now)

    @staticmethod
    def _compute_refusal(name: str, bucket: TokenBucket, now: float, headers: dict[str, str]) -> ArmError:
        """Build Compute's 429: ``OperationNotAllowed`` with a ``TooManyRequests`` detail naming the group."""
        window = bucket.policy.burst / bucket.policy.per_second
        allowed = bucket.policy.burst
        usage = {
            "operationGroup": name,
            "startTime": iso_utc(now - window),
            "endTime": iso_utc(now),
            "allowedRequestCount": allowed,
            "measuredRequestCount": allowed + 1,
        }
        return ArmError(
            429,
            "OperationNotAllowed",
            _COMPUTE_REFUSAL,
            details=[{"code": "TooManyRequests", "target": name, "message": json.dumps(usage, separators=(",", ":"))}],
            headers=headers,
        )

    @staticmethod
    def _headers(
        cls: str, arm: TokenBucket, compute_names: list[tuple[str, TokenBucket]], now: float
    ) -> dict[str, str]:
        headers = {f"x-ms-ratelimit-remaining-subscription-{cls}": str(arm.remaining(now))}
        if compute_names:
            headers["x-ms-ratelimit-remaining-resource"] = ",".join(
                f"Microsoft.Compute/{name};{bucket.remaining(now)}" for name, bucket in compute_names
            )
        return headers
