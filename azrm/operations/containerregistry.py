"""Azure Container Registry (``New-AzContainerRegistry``, ``Get-AzContainerRegistryCredential``...)."""

from __future__ import annotations

from .._session_base import SessionBase

__all__ = ["ContainerRegistryOperations"]


class ContainerRegistryOperations(SessionBase):
    """Container registry operations (Az.ContainerRegistry) and builds (``az acr build``)."""
