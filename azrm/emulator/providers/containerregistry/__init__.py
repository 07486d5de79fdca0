"""Microsoft.ContainerRegistry: registries whose login servers are live Distribution registries."""

from __future__ import annotations

from .registries import ContainerRegistryBackend

__all__ = ["ContainerRegistryBackend"]
