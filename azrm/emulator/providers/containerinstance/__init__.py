"""Microsoft.ContainerInstance: container groups run as Podman pods."""

from __future__ import annotations

from .groups import ContainerGroupBackend

__all__ = ["ContainerGroupBackend"]
