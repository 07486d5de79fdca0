"""Microsoft.ContainerRegistry/registries (being built: see docs/research/containers-plan.md)."""

from __future__ import annotations

from ...core.router import Router
from ..base import Provider

REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries"


class ContainerRegistryBackend(Provider):
    """Registries, their credentials, imports, replications and runs."""

    namespace = "Microsoft.ContainerRegistry"

    def register(self, router: Router) -> None:
        return None
