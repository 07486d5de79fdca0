"""What the Microsoft.ContainerRegistry modules share: types, name rule, Azure's messages."""

from __future__ import annotations

import contextlib
import re
import secrets
import string
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ...core.errors import ArmError

if TYPE_CHECKING:
    from ...core.engine import Emulator

REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries"
REPLICATION_TYPE = "Microsoft.ContainerRegistry/registries/replications"
RUN_TYPE = "Microsoft.ContainerRegistry/registries/runs"
SKUS = ("Basic", "Standard", "Premium")
#: registries' names: 5-50 letters and digits (bicep-types-az registries@2025-11-01)
_NAME = re.compile(r"^[a-zA-Z0-9]{5,50}$")
_ALPHABET = string.ascii_letters + string.digits


def registry_name_problem(name: str) -> str | None:
    """Return what is wrong with a registry name, or ``None``."""
    if not _NAME.match(name or ""):
        return "a registry name has 5 to 50 characters, letters and digits only"
    return None


def invalid_name_message(name: str) -> str:
    """Return the message for a name breaking the rule.

    A guess (no recorded Azure answer for an invalid name was found; see
    docs/research/container-registry.md, gaps): it states the documented rule.
    """
    return (
        f"The registry name '{name}' is invalid. Registry names may contain only alpha numeric characters "
        "and must be between 5 and 50 characters."
    )


def name_in_use(name: str) -> ArmError:
    """PUT of a name another registry holds: Azure's ``AlreadyInUse`` (text from az acr create's output).

    The HTTP status was not seen in any source; 409 is ARM's conflict status.
    """
    return ArmError(
        409,
        "AlreadyInUse",
        f"The registry DNS name {name.lower()}.azurecr.io is already in use. You can check if the name is "
        "already claimed using following API: "
        "https://docs.microsoft.com/en-us/rest/api/containerregistry/registries/checknameavailability",
    )


def sku_of(body: dict[str, object]) -> str:
    """Return the canonical SKU name of a body's ``sku``, or raise Azure's answer."""
    sku_in = body.get("sku")
    raw = str(sku_in.get("name", "")) if isinstance(sku_in, dict) else ""
    if raw.lower() == "classic":
        raise ArmError(
            400,
            "ClassicSkuDeprecated",
            "Classic SKU is now deprecated. Please select a managed SKU. Kindly refer to docs for instructions: "
            "https://docs.microsoft.com/en-us/azure/container-registry/container-registry-upgrade",
        )
    sku = next((s for s in SKUS if s.lower() == raw.lower()), None)
    if sku is None:
        # a guess: the service's text for an unknown SKU was not found (the SDK's enum lists these)
        raise ArmError(
            400,
            "InvalidSku",
            f"The SKU '{raw}' is not valid. Allowed values are: {', '.join(SKUS)}.",
        )
    return sku


def credentials_refused(resource_id: str) -> ArmError:
    """Refuse listCredentials / regenerateCredential with the admin user off (text from a recorded 400)."""
    return ArmError(
        400,
        "UnAuthorizedForCredentialOperations",
        f"Cannot perform credential operations for {resource_id} as admin user is disabled. Kindly enable admin "
        "user as per docs: https://docs.microsoft.com/en-us/azure/container-registry/container-registry-authentication#admin-account",
    )


def new_password() -> str:
    """Return a new admin password: 52 letters and digits (real ones are as long), from the OS's random source."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(52))


@contextlib.contextmanager
def locked(emu: Emulator) -> Iterator[None]:
    """Hold the emulator's request lock (background work updating records takes it, as requests do)."""
    with emu._lock:
        yield
        emu.store.flush()
