"""Check what a VM's body asks for as the Compute RP does, with its messages.

Password rules (length, 3 of 4 character classes, no control characters, no common password), admin
user names, a Linux configuration that enables SSH keys or a password, VM names, and marketplace image
references (custom and gallery images are not emulated). Scale sets use the same rules.
"""

from __future__ import annotations

from typing import Any

from .....rules import DISALLOWED_PASSWORDS, password_problem, username_problem, vm_name_problem
from ....core.errors import ArmError, invalid_parameter
from ...catalog import Image, find_image
from ..common import missing


def password_rule(os_type: str) -> str:
    """Return Azure's password rule text (verbatim)."""
    span = "8-123" if os_type == "Windows" else "6-72"
    return (
        f"The supplied password must be between {span} characters long and must satisfy at least 3 of password "
        "complexity requirements from the following:\r\n1) Contains an uppercase character\r\n2) Contains a "
        "lowercase character\r\n3) Contains a numeric digit\r\n4) Contains a special character\r\n5) Control "
        "characters are not allowed"
    )


def check_password(password: str, os_type: str) -> None:
    """Check a password against Azure's rules (:func:`azrm.rules.password_problem`), as the Compute RP answers."""
    if password_problem(password, os_type) is None:
        return
    if password in DISALLOWED_PASSWORDS:
        raise invalid_parameter(
            "The supplied password is not allowed: it is a commonly used password.", target="adminPassword"
        )
    raise invalid_parameter(password_rule(os_type), target="adminPassword")


def linux_configuration(raw: Any, password: Any) -> dict[str, Any]:
    """Check a ``linuxConfiguration`` (SSH keys or a password) and fill Azure's defaults."""
    lin = dict(raw or {})
    lin.setdefault("disablePasswordAuthentication", False)
    keys = ((lin.get("ssh") or {}).get("publicKeys")) or []
    if lin["disablePasswordAuthentication"] and not keys:
        raise invalid_parameter(
            "Authentication using either SSH or by user name and password must be enabled in Linux profile.",
            target="linuxConfiguration",
        )
    if not lin["disablePasswordAuthentication"]:
        if not password:
            raise missing("adminPassword")
        check_password(str(password), "Linux")
    lin.setdefault("provisionVMAgent", True)
    return lin


def check_username(user: str, os_type: str) -> None:
    """Check an admin user name against Azure's rules (:func:`azrm.rules.username_problem`)."""
    if username_problem(user, os_type) is not None:
        raise invalid_parameter("The Admin Username specified is not allowed.", target="adminUsername")


def platform_image(ref: dict[str, Any]) -> tuple[Image, str]:
    """Find a marketplace image and its exact version, or answer as the Compute RP does."""
    if ref.get("id"):
        raise invalid_parameter(
            "The local Azure serves marketplace images only; custom and gallery images (imageReference.id) "
            "are not emulated.",
            target="imageReference",
        )
    for field in ("publisher", "offer", "sku"):
        if not ref.get(field):
            raise missing(f"imageReference.{field}")
    version = str(ref.get("version") or "latest")
    image = find_image(ref["publisher"], ref["offer"], ref["sku"])
    if image is not None and (version.lower() == "latest" or version in image.versions):
        return image, image.latest if version.lower() == "latest" else version
    urn = f"{ref['publisher']}:{ref['offer']}:{ref['sku']}:{version}"
    raise ArmError(
        404,
        "PlatformImageNotFound",
        f"The platform image '{urn}' is not available. Verify that all fields in the storage profile are correct. "
        "For more details about storage profile information, please refer to https://aka.ms/storageprofile",
        target="imageReference",
    )


def check_plan(image: Image | None, plan: Any, owner: str) -> None:
    """Refuse a marketplace image that needs a purchase plan when the request has none, or another one."""
    if image is None or not image.plan:
        return
    if not isinstance(plan, dict) or not plan.get("name"):
        raise ArmError(
            400,
            "VMMarketplaceInvalidInput",
            "Creating a virtual machine from Marketplace image or a custom image sourced from a Marketplace image "
            f"requires Plan information in the request. VM: '{owner}'.",
        )
    wanted = {k: str(image.plan.get(k, "")).lower() for k in ("name", "product", "publisher")}
    if any(str(plan.get(k, "")).lower() != v for k, v in wanted.items()):
        raise ArmError(
            400,
            "VMMarketplaceInvalidInput",
            f"The purchase plan of '{owner}' does not match the image's plan (name '{image.plan.get('name')}', "
            f"product '{image.plan.get('product')}', publisher '{image.plan.get('publisher')}').",
        )


def check_vm_name(name: str, os_type: str) -> None:
    """Refuse a VM or scale set name that Azure refuses for its OS (:func:`azrm.rules.vm_name_problem`)."""
    problem = vm_name_problem(name, os_type)
    if problem is not None:
        raise ArmError(400, "InvalidResourceName", f"The resource name '{name}' is invalid: {problem}.")
