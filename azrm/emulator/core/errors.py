"""ARM errors as the local Azure raises them.

Every failure a backend reports is an :class:`ArmError`; the engine turns it into ARM's wire
envelope ``{"error": {"code", "message", "target"?, "details"?, "additionalInfo"?}}`` with the
status code, so the unmodified SDK raises exactly what it raises against Azure
(``ResourceNotFoundError``, ``ResourceExistsError``, ``HttpResponseError`` with ``.error.code``...).

Where a code and message were seen in real Azure traffic they are reproduced verbatim; the rest
follow the same style and are listed in ``docs/local-azure.md``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ArmError",
    "DroppedConnection",
    "invalid_parameter",
    "invalid_resource_reference",
    "not_found",
    "parent_not_found",
    "resource_group_not_found",
]


class ArmError(Exception):
    """An error answer: HTTP status plus ARM's ``code`` / ``message`` (and optional extras)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        target: str | None = None,
        details: list[dict[str, Any]] | None = None,
        additional_info: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"({code}) {message}")
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.details = details
        self.additional_info = additional_info
        self.headers = dict(headers or {})

    def error_object(self) -> dict[str, Any]:
        """Return the inner ``error`` object (also what a failed LRO reports in its status body)."""
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target is not None:
            err["target"] = self.target
        if self.details:
            err["details"] = self.details
        if self.additional_info:
            err["additionalInfo"] = self.additional_info
        return err

    def envelope(self) -> dict[str, Any]:
        """Return the whole wire body."""
        return {"error": self.error_object()}


class DroppedConnection(Exception):
    """An injected fault: the connection is dropped without an answer."""


def invalid_parameter(message: str, *, target: str | None = None) -> ArmError:
    """Build Compute's usual validation failure: 400 ``InvalidParameter`` naming the field."""
    return ArmError(400, "InvalidParameter", message, target=target)


def resource_group_not_found(name: str) -> ArmError:
    """Build the gateway's 404 for a missing resource group (message verbatim from Azure)."""
    return ArmError(
        404,
        "ResourceGroupNotFound",
        f"Resource group '{name}' could not be found.",
        headers={"x-ms-failure-cause": "gateway"},
    )


def not_found(resource_type: str, name: str, resource_group: str | None) -> ArmError:
    """Build the gateway's 404 for a missing resource (message verbatim from Azure)."""
    where = f" under resource group '{resource_group}'" if resource_group else ""
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{resource_type}/{name}'{where} was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
        headers={"x-ms-failure-cause": "gateway"},
    )


def parent_not_found(parent_name: str) -> ArmError:
    """404 for a nested resource whose parent is missing (message verbatim from Azure)."""
    return ArmError(
        404,
        "ParentResourceNotFound",
        f"Can not perform requested operation on nested resource. Parent resource '{parent_name}' not found.",
    )


def invalid_resource_reference(referenced_id: str, referencing_id: str) -> ArmError:
    """Network's 400 for a reference to a missing resource or one in another region (verbatim)."""
    return ArmError(
        400,
        "InvalidResourceReference",
        f"Resource {referenced_id} referenced by resource {referencing_id} was not found. "
        "Please make sure that the referenced resource exists, and that both resources are in the same region.",
        details=[],
    )
