"""Microsoft.ManagedIdentity: user-assigned identities, and the ``identity`` blocks of VMs and scale sets.

``identities.py`` serves ``userAssignedIdentities`` (PUT, GET, list, PATCH of tags, DELETE; all
synchronous, as Azure answers them); ``assign.py`` resolves a resource's ``identity`` block: a
system-assigned identity gets a principal id kept across updates, each user-assigned identity must
exist and is reported with its principal and client ids.
"""

from __future__ import annotations

from .assign import IDENTITY_TYPES, resolve_identity
from .identities import UAI_TYPE, UserAssignedIdentityBackend

__all__ = ["IDENTITY_TYPES", "UAI_TYPE", "UserAssignedIdentityBackend", "resolve_identity"]
