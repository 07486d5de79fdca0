"""The errors azrm raises itself.

::

    Exception
     └── AzrmError                 anything azrm raises on its own
          ├── ValidationError      (also a ValueError) bad input, caught before any write request
          ├── StepError            a multi-step operation failed part-way; says what exists now
          ├── DeploymentError      a template deployment failed; names the failing resources
          └── AzureOperationError  Azure refused or failed an operation; also the azure-core exception
               └── PropertyChangeError  a re-run changes a property Azure fixes at creation

A failure of Azure that reaches the caller of a session's operation is an :class:`AzureOperationError`
that *is also* the azure-core exception it replaces (``ResourceNotFoundError``, ``ResourceExistsError``,
``HttpResponseError`` with ``.error.code``, ``ServiceRequestError``...): ``except ResourceNotFoundError``
keeps working, as the Azure SDK guidelines ask, and ``except azrm.AzrmError`` catches everything azrm
raises. It adds ARM's code, message and correlation id, the operation and resource, whether the failure
was transient, and what to do. :func:`arm_error_details` reads the first three off any azure-core exception.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "AzrmError",
    "AzureOperationError",
    "DeploymentError",
    "DeploymentFailure",
    "PropertyChangeError",
    "StepError",
    "ValidationError",
    "arm_error_details",
    "typed_error",
]

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
        typed = typed_error(cause, step)
        #: whether the step failed for a reason of Azure's (see :class:`AzureOperationError`); a re-run resumes
        self.transient = bool(getattr(typed, "transient", False))
        if isinstance(typed, AzureOperationError):
            lines.append(f"what to do: {typed.hint}")
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


#: ARM codes of a long-running operation that ended ``Failed`` for a reason of Azure's own, not the request's
TRANSIENT_ARM_CODES = frozenset(
    {
        "InternalExecutionError",
        "InternalServerError",
        "InternalOperationError",
        "ServiceUnavailable",
        "OperationPreempted",
        "RetryableError",
        "GatewayTimeout",
        "ServerTimeout",
    }
)
_TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
RERUN = "re-run the script: azrm's operations are idempotent (create or update) and resume where it stopped"


class AzureOperationError(AzrmError):
    """Azure refused or failed an operation of a session, after azrm's retries (see ``docs/reliability.md``).

    Raised in place of the azure-core exception, and an instance of it too (the class is made per
    azure-core class: ``isinstance(err, ResourceExistsError)`` holds when Azure answered 409), with the
    same attributes (``status_code``, ``response``, ``error``...). Adds:

    :ivar operation: the session's method (``new_vm``).
    :ivar resource: the resource's id when the request named one, else the operation's arguments.
    :ivar arm_code, arm_message, correlation_id: what ARM said (``None`` when nothing came back).
    :ivar status_code: the HTTP status (``None`` after a connection error; 200 for a long-running
        operation that ended ``Failed``).
    :ivar transient: Azure's failure, not the request's: a 408/429/5xx after every retry, a
        connection that kept failing, or a long-running operation that ended ``Failed`` with an
        internal error (which neither Az nor the SDK starts again).
    :ivar hint: what to do, in words (for a transient failure: re-run the script).
    """

    code = "azure-operation"

    operation: str
    resource: str | None
    arm_code: str | None
    arm_message: str | None
    correlation_id: str | None
    transient: bool
    hint: str

    def __str__(self) -> str:
        return self._text

    def _describe(self, cause: BaseException, operation: str, resource: str | None) -> None:
        details = arm_error_details(cause)
        self.operation = operation
        self.resource = resource
        self.arm_code = details.get("code")
        self.arm_message = details.get("message") or (str(cause.args[0]) if cause.args else type(cause).__name__)
        self.correlation_id = details.get("correlation_id")
        status = getattr(getattr(cause, "response", None), "status_code", None)
        self.status_code = status
        if status is None:  # no answer at all: the connection failed, again and again
            self.transient = True
            what = f"{operation} failed: no answer from Azure ({type(cause).__name__}: {self.arm_message})"
        else:
            self.transient = status in _TRANSIENT_STATUSES or (status < 400 and self.arm_code in TRANSIENT_ARM_CODES)
            failed_lro = " (the long-running operation ended Failed)" if status < 400 else ""
            what = f"{operation} failed{failed_lro}: ({self.arm_code or status}) {self.arm_message}"
        self.hint = self._hint()
        lines = [what]
        if resource:
            lines.append(f"resource: {resource}")
        if self.correlation_id:
            lines.append(f"correlation id: {self.correlation_id}")
        lines.append(f"what to do: {self.hint}")
        self._text = "\n".join(lines)

    def _hint(self) -> str:
        if self.transient:
            return "the failure is Azure's and outlasted azrm's retries (docs/reliability.md); " + RERUN + "."
        if self.status_code == 404:
            return "it does not exist (or not in this subscription or region): check the names, or create it first."
        if self.status_code in (401, 403):
            return "the credential is not allowed to do this: check its role assignments and the subscription."
        if self.status_code is not None and self.status_code < 400:
            return "correct what the message names (the operation's settings or the resource's own logs), then " + RERUN
        return "correct what Azure's message names, then " + RERUN + "; what was made before is kept and reused."


class PropertyChangeError(AzureOperationError):
    """A re-run (or an update) changes a property Azure fixes at creation (``PropertyChangeNotAllowed``).

    :ivar property_name: the property, as ARM names it (``adminPassword``, ``location``...).
    A VM's admin password is the usual case: the script generated a new one. Re-run with the
    password the VM was made with, and change it inside the VM with
    :meth:`azrm.Session.set_vm_access_extension` (``Set-AzVMAccessExtension``).
    """

    code = "property-change"
    property_name: str | None

    def _hint(self) -> str:
        name = self.property_name or "this property"
        if (self.property_name or "").lower() == "adminpassword":
            return (
                "the VM keeps the admin password it was created with; run the script again with that password "
                "(AZRM_ADMIN_PASSWORD, or the file where the examples keep it), and change the password inside "
                "the VM with az.set_vm_access_extension(resource_group, vm_name, credential=azrm.Credential(user, "
                "new_password)) (Set-AzVMAccessExtension)."
            )
        return (
            f"'{name}' is fixed once the resource exists: keep its current value, or remove the resource and "
            "create it again."
        )

    def _describe(self, cause: BaseException, operation: str, resource: str | None) -> None:
        odata = getattr(cause, "error", None)
        self.property_name = getattr(odata, "target", None) or None
        super()._describe(cause, operation, resource)


_TYPED: dict[tuple[type, type], type[AzureOperationError]] = {}
_TYPED_LOCK = threading.Lock()


def _typed_class(base: type[AzureOperationError], sdk: type) -> type[AzureOperationError]:
    """Return the class that is both ``base`` and the azure-core exception class ``sdk`` (made once)."""
    with _TYPED_LOCK:
        cls = _TYPED.get((base, sdk))
        if cls is None:
            cls = type(base.__name__, (base, sdk), {"__module__": base.__module__, "__qualname__": base.__qualname__})
            _TYPED[(base, sdk)] = cls
    return cls


def _resource_of(error: BaseException) -> str | None:
    """Return the resource a failed request named (its URL path), unless it polled an operation status."""
    response = getattr(error, "response", None)
    request = getattr(response, "request", None) or getattr(error, "request", None)
    url = getattr(request, "url", None)
    if not url:
        return None
    path = urlsplit(str(url)).path
    lowered = path.lower()
    if "/providers/" not in lowered and "/resourcegroups/" not in lowered:
        return None
    if any(
        part in lowered for part in ("/operations/", "/operationstatuses/", "/operationresults/", "/asyncoperations/")
    ):
        return None
    return path


def typed_error(error: BaseException, operation: str, resource: str | None = None) -> BaseException:
    """Return ``error`` as an :class:`AzureOperationError` when it is an azure-core exception, else unchanged.

    The typed error keeps the original's class (it is an instance of both), attributes and traceback
    (the original is its ``__cause__``). azrm's own errors and non-Azure exceptions come back as they are.

    :param operation: the session's method that failed.
    :param resource: what the operation acted on, when the request's URL does not say it.
    """
    if isinstance(error, AzrmError):
        return error
    try:
        from azure.core.exceptions import AzureError
    except ImportError:  # pragma: no cover - azure-core comes with every SDK client
        return error
    if not isinstance(error, AzureError):
        return error
    odata = getattr(error, "error", None)
    base = PropertyChangeError if getattr(odata, "code", None) == "PropertyChangeNotAllowed" else AzureOperationError
    cls = _typed_class(base, type(error))
    typed: AzureOperationError = cls.__new__(cls)
    typed.__dict__.update(error.__dict__)
    typed.args = error.args
    typed._describe(error, operation, _resource_of(error) or resource)
    typed.__cause__ = error
    typed.__traceback__ = error.__traceback__
    return typed
