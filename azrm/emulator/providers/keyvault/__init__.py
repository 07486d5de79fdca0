"""Microsoft.KeyVault: the control plane of key vaults (no data plane yet).

``vaults.py`` serves ``vaults`` (PUT, GET, lists, PATCH, DELETE, access policies, name checks);
``deleted.py`` keeps deleted vaults (soft delete), purges and recovers them.
"""

from __future__ import annotations

from .deleted import DELETED_TYPE, VAULT_TYPE
from .vaults import KeyVaultBackend

__all__ = ["DELETED_TYPE", "VAULT_TYPE", "KeyVaultBackend"]
