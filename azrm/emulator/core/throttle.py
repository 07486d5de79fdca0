"""ARM request throttling: token buckets, as Azure Resource Manager and the Compute RP use them.

The buckets are always counted, so every answer carries ``x-ms-ratelimit-remaining-subscription-*``
headers as Azure's do; only when throttling is enabled does an empty bucket refuse the request with
429 ``SubscriptionRequestsThrottled`` and a ``Retry-After``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import ArmError

__all__ = ["ARM_POLICIES", "COMPUTE_POLICIES", "BucketPolicy", "Throttler", "TokenBucket"]


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

#: Compute RP buckets: name -> (per-resource policy or None, per-subscription policy). Refills per minute.
COMPUTE_POLICIES: Mapping[str, tuple[BucketPolicy | None, BucketPolicy]] = {
    "PutVM": (BucketPolicy(12, 4 / 60), BucketPolicy(1500, 500 / 60)),
    "DeleteVM": (BucketPolicy(12, 4 / 60), BucketPolicy(1500, 500 / 60)),
    "GetVM": (BucketPolicy(36, 12 / 60), BucketPolicy(24000, 8000 / 60)),
    "ListVMs": (None, BucketPolicy(900, 300 / 60)),
    "GetOperation": (BucketPolicy(45, 15 / 60), BucketPolicy(15000, 5000 / 60)),
    "PutVMSS": (BucketPolicy(12, 4 / 60), BucketPolicy(375, 125 / 60)),
    "DeleteVMSS": (BucketPolicy(12, 4 / 60), BucketPolicy(525, 175 / 60)),
}


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
        if compute_policy is not None:
            per_resource, per_sub = COMPUTE_POLICIES[compute_policy]
            sub_bucket = self._bucket(("compute", scope, compute_policy), per_sub, now)
            compute_names.append((f"Microsoft.Compute/{compute_policy}Subscription", sub_bucket))
            if per_resource is not None and resource_key is not None:
                res_bucket = self._bucket(("compute", scope, compute_policy, resource_key), per_resource, now)
                compute_names.append((f"Microsoft.Compute/{compute_policy}Resource", res_bucket))
            buckets.extend(compute_names)

        empty = [b for _, b in buckets if b.remaining(now) < 1]
        if self.enabled and empty:
            wait = max(b.seconds_until_token(now) for b in empty)
            headers = self._headers(cls, arm, compute_names, now)
            headers["Retry-After"] = str(max(1, math.ceil(wait)))
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
    def _headers(
        cls: str, arm: TokenBucket, compute_names: list[tuple[str, TokenBucket]], now: float
    ) -> dict[str, str]:
        headers = {f"x-ms-ratelimit-remaining-subscription-{cls}": str(arm.remaining(now))}
        if compute_names:
            headers["x-ms-ratelimit-remaining-resource"] = ",".join(
                f"{name};{bucket.remaining(now)}" for name, bucket in compute_names
            )
        return headers
