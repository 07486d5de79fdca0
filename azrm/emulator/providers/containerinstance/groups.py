"""Microsoft.ContainerInstance/containerGroups (being built: see docs/research/containers-plan.md)."""

from __future__ import annotations

from ...core.router import Router
from ..base import Provider

GROUP_TYPE = "Microsoft.ContainerInstance/containerGroups"


class ContainerGroupBackend(Provider):
    """Container groups, their containers' logs and exec."""

    namespace = "Microsoft.ContainerInstance"

    def register(self, router: Router) -> None:
        return None
