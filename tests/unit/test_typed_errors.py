"""Azure's failures become azrm's typed errors (that are still azure-core's exceptions)."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
)

import azrm
from azrm._session_base import raises_typed_errors
from azrm.errors import AzrmError, AzureOperationError, PropertyChangeError, ValidationError, typed_error

VM_URL = (
    "https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"
    "?api-version=2024-07-01"
)
POLL_URL = "https://management.azure.com/subscriptions/s/providers/Microsoft.Compute/locations/westeurope/operations/1"


class Request:
    def __init__(self, url: str) -> None:
        self.url = url
        self.method = "PUT"


class Response:
    """The little of an HTTP response azure-core's exceptions read."""

    def __init__(self, status: int, code: str, message: str, *, url: str = VM_URL, target: str | None = None) -> None:
        self.status_code = status
        self.reason = "reason"
        self.request = Request(url)
        self.headers = {"x-ms-correlation-request-id": "c0ffee00-0000-4000-8000-000000000001"}
        error: dict[str, Any] = {"code": code, "message": message}
        if target:
            error["target"] = target
        self._body = json.dumps({"error": error})

    def text(self) -> str:
        return self._body


def sdk_error(cls: type[HttpResponseError], *args: Any, **kwargs: Any) -> HttpResponseError:
    return cls(response=Response(*args, **kwargs))  # type: ignore[arg-type]


def test_a_refusal_is_typed_and_still_the_sdk_exception() -> None:
    original = sdk_error(ResourceExistsError, 409, "Conflict", "Another operation is in progress.")
    typed = typed_error(original, "new_vm")
    assert isinstance(typed, AzureOperationError) and isinstance(typed, ResourceExistsError)
    assert isinstance(typed, AzrmError) and typed.__cause__ is original
    assert (typed.arm_code, typed.status_code, typed.transient) == ("Conflict", 409, False)
    assert typed.correlation_id == "c0ffee00-0000-4000-8000-000000000001"
    assert typed.resource == "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"
    assert typed.error.code == "Conflict" and typed.response is original.response  # the SDK's attributes stay
    text = str(typed)
    assert text.startswith("new_vm failed: (Conflict) Another operation is in progress.")
    assert "correlation id: c0ffee00" in text and "what to do: correct" in text and "re-run the script" in text
    assert type(typed).__name__ == "AzureOperationError" and type(typed).__module__ == "azrm.errors"


@pytest.mark.parametrize("status", [500, 503, 429, 504])
def test_a_transient_answer_that_outlasted_the_retries_says_re_run(status: int) -> None:
    typed = typed_error(sdk_error(HttpResponseError, status, "InternalServerError", "Boom."), "new_vm")
    assert isinstance(typed, AzureOperationError) and typed.transient
    assert "re-run the script" in typed.hint and "idempotent" in typed.hint and "resume" in typed.hint


def test_a_connection_that_kept_failing_is_transient() -> None:
    typed = typed_error(ServiceRequestError("Connection reset by peer"), "new_resource_group", "new_resource_group(rg)")
    assert isinstance(typed, ServiceRequestError) and isinstance(typed, AzureOperationError)
    assert typed.transient and typed.status_code is None and typed.resource == "new_resource_group(rg)"
    assert "no answer from Azure" in str(typed) and "Connection reset" in str(typed)


def test_a_failed_long_running_operation_names_the_call_not_the_status_url() -> None:
    original = sdk_error(HttpResponseError, 200, "InternalExecutionError", "An internal error occurred.", url=POLL_URL)
    typed = typed_error(original, "new_vm", "new_vm(resource_group_name='rg', vm='vm1')")
    assert isinstance(typed, AzureOperationError)
    assert typed.transient and typed.resource == "new_vm(resource_group_name='rg', vm='vm1')"
    assert "long-running operation ended Failed" in str(typed)
    failed_by_request = typed_error(sdk_error(HttpResponseError, 200, "VMExtensionProvisioningError", "x"), "op")
    assert isinstance(failed_by_request, AzureOperationError) and not failed_by_request.transient


def test_a_changed_admin_password_names_the_property_and_the_way() -> None:
    original = sdk_error(
        ResourceExistsError,
        409,
        "PropertyChangeNotAllowed",
        "Changing property 'adminPassword' is not allowed.",
        target="adminPassword",
    )
    typed = typed_error(original, "new_vm")
    assert isinstance(typed, PropertyChangeError) and isinstance(typed, ResourceExistsError)
    assert typed.property_name == "adminPassword" and typed.code == "property-change"
    assert "set_vm_access_extension" in typed.hint and "Set-AzVMAccessExtension" in str(typed)
    location = typed_error(
        sdk_error(ResourceExistsError, 409, "PropertyChangeNotAllowed", "Changing 'location'.", target="location"),
        "new_vm",
    )
    assert isinstance(location, PropertyChangeError) and "'location' is fixed" in location.hint


def test_azrm_errors_and_other_exceptions_pass_unchanged() -> None:
    own = ValidationError("name", "x", "rule")
    assert typed_error(own, "op") is own
    other = KeyError("x")
    assert typed_error(other, "op") is other


class Fake:
    @raises_typed_errors
    def get_thing(self, resource_group_name: str, name: str, *, password: str = "") -> Any:
        raise sdk_error(ResourceNotFoundError, 404, "ResourceNotFound", "The resource was not found.", url=POLL_URL)

    @raises_typed_errors
    def inner_then_outer(self) -> Any:
        try:
            self.get_thing("rg", "x")
        except ResourceNotFoundError as err:  # azrm's own code catches the SDK's classes: still works
            raise ValidationError("name", "x", "must exist") from err


def test_the_wrapper_types_errors_and_keeps_sdk_catches_working() -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        Fake().get_thing("rg", "thing", password="S3cret!Value")
    typed = caught.value
    assert isinstance(typed, AzureOperationError) and typed.operation == "get_thing"
    assert typed.resource == "get_thing(resource_group_name='rg', name='thing')"
    assert "S3cret" not in str(typed) and "does not exist" in typed.hint
    with pytest.raises(ValidationError):
        Fake().inner_then_outer()


def test_every_public_operation_of_every_session_is_wrapped() -> None:
    from azrm._session_base import SessionBase
    from azrm.plan import PlanSession
    from azrm.template_mode import TemplateSession

    checked = 0
    for cls in (azrm.Session, azrm.LocalSession, TemplateSession, PlanSession):
        for name, attribute in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("_") or name in vars(SessionBase):  # the plumbing: close() sends nothing to ARM
                continue
            checked += 1
            assert getattr(attribute, "raises_typed_errors", False), f"{cls.__name__}.{name} lets raw SDK errors out"
    assert checked > 300


def test_a_step_error_says_what_to_do_when_azure_failed_the_step() -> None:
    cause = sdk_error(HttpResponseError, 200, "InternalExecutionError", "Please retry later.", url=POLL_URL)
    err = azrm.StepError("Attaching DSC extension", completed=["Creating VM"], existing=["vm1"], cause=cause)
    assert err.transient and err.arm_code == "InternalExecutionError"
    assert str(err).splitlines()[-1].startswith("what to do: ") and "re-run the script" in str(err)
    refused = azrm.StepError("x", completed=[], existing=[], cause=ValueError("bad"))
    assert not refused.transient and "what to do" not in str(refused)
