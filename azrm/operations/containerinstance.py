"""Azure Container Instances (``New-AzContainerGroup``, ``Get-AzContainerInstanceLog``...)."""

from __future__ import annotations

from .._session_base import SessionBase

__all__ = ["ContainerInstanceOperations"]


class ContainerInstanceOperations(SessionBase):
    """Container group operations (Az.ContainerInstance)."""
