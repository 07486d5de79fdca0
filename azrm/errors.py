"""The errors azrm raises itself.

::

    Exception
     └── AzrmError                 anything azrm raises on its own
          ├── ValidationError      (also a ValueError) bad input, caught before any write request
          ├── StepError            a multi-step operation failed part-way; says what exists now
          └── DeploymentError      a template deployment failed; names the failing resources

Single SDK calls let azure-core's exceptions through unchanged (``ResourceNotFoundError``,
``ResourceExistsError``, ``HttpResponseError`` with ``.error.code``...), as the Azure SDK guidelines
ask; :func:`arm_error_details` reads ARM's code, message and correlation id off any of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["AzrmError", "DeploymentError", "DeploymentFailure", "StepError", "ValidationError", "arm_error_details"]

DOCS = "docs/errors.md"  # in the azrm repository; each error has its own section


class AzrmError(Exception):
    """Base of azrm's own errors. ``code`` names the error; ``docs`` links to its explanation."""

    code = "azrm"

    @property
    def docs(self) -> str:
        """Link to the page that explains this error."""
        return f"{DOCS}#{self.code}"


class ValidationError(AzrmError, ValueError):
    """Bad input, found before any request that would change anything.

    :param field: the parameter or field at fault (``"credential.password"``, ``"address_prefix"``).
    :param value: the value given; pass ``secret=True`` to keep it out of the message.
    :param rule: what the value must be, in words.
    """

    code = "validation"

    def __init__(self, field: str, value: Any, rule: str, *, secret: bool = False) -> None:
        self.field = field
        self.value = "********" if secret else value
        self.rule = rule
        super().__init__(f"{field}: {self.value!r} is not valid: {rule}")


class StepError(AzrmError):
    """A step of a multi-step operation failed.

    :param step: the step that failed, in words.
    :param completed: the steps done before it.
    :param existing: ids of the resources that exist now because of the operation (nothing is
        rolled back; the caller decides).
    :param resource_id: the resource the step was making, when it was one.
    The SDK's exception is the ``__cause__``; ``arm_code``, ``arm_message`` and ``correlation_id``
    repeat what ARM said, when it said something.
    """

    code = "step"

    def __init__(
        self,
        step: str,
        *,
        completed: Sequence[str],
        existing: Sequence[str],
        cause: BaseException,
        resource_id: str | None = None,
    ) -> None:
        self.step = step
        self.resource_id = resource_id
        self.completed = tuple(completed)
        self.existing = tuple(existing)
        details = arm_error_details(cause)
        self.arm_code = details.get("code")
        self.arm_message = details.get("message")
        self.correlation_id = details.get("correlation_id")
        lines = [f"{step} failed: {self.arm_message or cause}"]
        if self.arm_code:
            lines[0] = f"{step} failed: ({self.arm_code}) {self.arm_message}"
        if self.correlation_id:
            lines.append(f"correlation id: {self.correlation_id}")
        lines.append("completed: " + (", ".join(self.completed) if self.completed else "nothing"))
        lines.append("existing now: " + (", ".join(self.existing) if self.existing else "nothing"))
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class DeploymentFailure:
    """One resource a deployment could not deploy.

    :param resource_id: the resource's id.
    :param resource_type: its type (``Microsoft.Network/networkInterfaces``).
    :param deployments: the deployments it was in, outermost first (nested and linked ones).
    """

    resource_id: str
    resource_type: str
    code: str
    message: str
    deployments: tuple[str, ...] = ()

    @property
    def resource_name(self) -> str:
        """The resource's name (the last segment of its id)."""
        return self.resource_id.rstrip("/").rsplit("/", 1)[-1]

    def __str__(self) -> str:
        where = f" (in {' > '.join(self.deployments)})" if len(self.deployments) > 1 else ""
        return f"{self.resource_type} '{self.resource_name}'{where}: ({self.code}) {self.message}"


class DeploymentError(AzrmError):
    """A template deployment ended ``Failed`` (or ``Canceled``).

    :param resource_group: the deployment's group.
    :param deployment_name: the deployment.
    :param failures: the resources that failed, found by digging through nested deployments.
    :param existing: ids of the resources the deployment did deploy (nothing is rolled back unless
        the deployment asked for it).
    :param rollback: the deployment Azure redeploys because of the failure (``rollback_to_last_deployment``).
    ``arm_code``, ``arm_message`` and ``correlation_id`` repeat what ARM said.
    """

    code = "deployment"

    def __init__(
        self,
        resource_group: str,
        deployment_name: str,
        *,
        arm_code: str | None,
        arm_message: str | None,
        correlation_id: str | None,
        failures: Sequence[DeploymentFailure] = (),
        existing: Sequence[str] = (),
        rollback: str | None = None,
    ) -> None:
        self.resource_group = resource_group
        self.deployment_name = deployment_name
        self.arm_code = arm_code
        self.arm_message = arm_message
        self.correlation_id = correlation_id
        self.failures = tuple(failures)
        self.existing = tuple(existing)
        self.rollback = rollback
        lines = [f"Deployment {deployment_name} in {resource_group} failed: ({arm_code}) {arm_message}"]
        lines.extend(f"  {failure}" for failure in self.failures)
        if correlation_id:
            lines.append(f"correlation id: {correlation_id}")
        lines.append("deployed: " + (", ".join(self.existing) if self.existing else "nothing"))
        if rollback:
            lines.append(f"rolling back: Azure redeploys the last successful deployment, {rollback}")
        super().__init__("\n".join(lines))


def arm_error_details(error: BaseException) -> dict[str, str]:
    """ARM's ``code``, ``message`` and ``correlation_id`` from an azure-core exception (what is there)."""
    out: dict[str, str] = {}
    odata = getattr(error, "error", None)
    if odata is not None:
        if getattr(odata, "code", None):
            out["code"] = str(odata.code)
        if getattr(odata, "message", None):
            out["message"] = str(odata.message)
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if headers is not None:
        correlation = headers.get("x-ms-correlation-request-id")
        if correlation:
            out["correlation_id"] = str(correlation)
    if "message" not in out and getattr(error, "message", None):
        out["message"] = str(error.message)  # type: ignore[attr-defined]
    return out
