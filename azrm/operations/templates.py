"""ARM template deployments at resource group scope.

``New-AzResourceGroupDeployment`` (with ``-WhatIf`` / ``-Confirm`` / ``-RollbackToLastDeployment``),
``Test-AzResourceGroupDeployment``, ``Get-AzResourceGroupDeploymentWhatIfResult``,
``Get-AzResourceGroupDeployment``, ``Get-AzResourceGroupDeploymentOperation``,
``Stop-AzResourceGroupDeployment``, ``Remove-AzResourceGroupDeployment``,
``Save-AzResourceGroupDeploymentTemplate`` and ``Export-AzResourceGroup``.

A local ``template_file`` whose linked templates are local files (``relativePath``, or a relative
``uri``) or that follows the ``_artifactsLocation`` convention is *staged* first: its files go to a
private container of a staging storage account with a short-lived read-only SAS, and the deployment
points at them (Visual Studio's ``Deploy-AzureResourceGroup.ps1`` does the same).
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import re
import sys
import time
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path
from typing import Any, Literal

from .. import _secrets
from ..errors import DeploymentError, DeploymentFailure, ValidationError, arm_error_details
from ..templates.base import DEPLOYMENT_TYPE
from ..templates.local import ARTIFACTS_LOCATION, ARTIFACTS_SAS_TOKEN
from .storage import StorageOperations

__all__ = ["STAGING_GROUP", "TemplateOperations"]

Mode = Literal["Incremental", "Complete"]
#: where staged templates go (the group Visual Studio's deployment script uses)
STAGING_GROUP = "ARM_Deploy_Staging"
#: how long staged files can be read: long enough for a deployment and its extensions to fetch them
STAGING_SAS_LIFETIME = datetime.timedelta(hours=2)
_NAME = re.compile(r"^[-\w.()]{1,64}$")
_PROGRESS_EVERY = 5.0  # seconds between reads of the deployment's operations while waiting


class TemplateOperations(StorageOperations):
    """Template deployments, what-if, validation and export."""

    @property
    def deployment_client(self) -> Any:
        """azure-mgmt-resource-deployments' ``DeploymentsMgmtClient``."""
        return self._client("deployments")

    # -- building the request -------------------------------------------------------------------------
    def _deployment_request(
        self,
        resource_group_name: str,
        *,
        name: str | None,
        template_file: str | Path | None,
        template_uri: str | None,
        template_object: Mapping[str, Any] | None,
        template_parameter_file: str | Path | None,
        template_parameter_object: Mapping[str, Any] | None,
        template_parameter_uri: str | None,
        template_parameters: Mapping[str, Any],
        mode: str,
        artifacts_directory: str | Path | None,
        stage: bool = True,
    ) -> tuple[str, dict[str, Any]]:
        """Check everything and build the deployment's body; stages local files (the only writes) last."""
        from ..templates.base import TemplateError
        from ..templates.engine import load_json
        from ..templates.local import LocalTemplateError, read_local_template
        from ..templates.parameters import check_parameters

        sources = [s for s in (template_file, template_uri, template_object) if s is not None]
        if len(sources) != 1:
            raise ValidationError(
                "template_file", None, "give exactly one of template_file, template_uri or template_object"
            )
        modes = {"incremental": "Incremental", "complete": "Complete"}
        if str(mode).lower() not in modes:
            raise ValidationError("mode", mode, "must be 'Incremental' or 'Complete'")
        if template_parameter_uri is not None:
            if not re.match(r"^https?://", str(template_parameter_uri)):
                raise ValidationError("template_parameter_uri", template_parameter_uri, "must be an http(s) URL")
            if template_parameter_file is not None or template_parameter_object or template_parameters:
                raise ValidationError(
                    "template_parameter_uri",
                    template_parameter_uri,
                    "ARM takes a parameters link or parameter values, not both: give the values one way",
                )
        local = None
        template: dict[str, Any] | None = None
        if template_file is not None and Path(template_file).suffix.lower() == ".bicep":
            raise ValidationError(
                "template_file",
                str(template_file),
                "is Bicep: build it to an ARM JSON template first (az bicep build --file <file>)",
            )
        if template_file is not None:
            try:
                local = read_local_template(template_file, artifacts_directory=artifacts_directory)
            except LocalTemplateError as exc:
                raise ValidationError(exc.field, exc.value, exc.rule) from None
            template = local.template
        elif template_object is not None:
            if not isinstance(template_object, Mapping):
                raise ValidationError("template_object", type(template_object).__name__, "must be a dict (a template)")
            template = dict(template_object)
        elif not re.match(r"^https?://", str(template_uri)):
            raise ValidationError("template_uri", template_uri, "must be an http(s) URL ARM can download")
        if name is None:
            name = _default_name(template_file, template_uri)
        if not _NAME.match(name):
            raise ValidationError("name", name, "1-64 letters, digits, '-', '_', '.', '(' or ')' (a deployment name)")
        parameters: dict[str, Any] = {}
        if template_parameter_file is not None:
            path = Path(template_parameter_file)
            try:
                loaded = load_json(path.read_text(encoding="utf-8-sig"))
            except FileNotFoundError:
                raise ValidationError("template_parameter_file", str(path), "the file does not exist") from None
            except ValueError as exc:
                raise ValidationError("template_parameter_file", str(path), f"is not valid JSON: {exc}") from None
            given = loaded.get("parameters", loaded) if isinstance(loaded, dict) else None
            if not isinstance(given, dict):
                raise ValidationError("template_parameter_file", str(path), "holds no 'parameters' object")
            for key, entry in given.items():
                if key.startswith("$") or key == "contentVersion":
                    continue
                parameters[key] = entry if isinstance(entry, dict) and ("value" in entry or "reference" in entry) \
                    else {"value": entry}  # fmt: skip
        for key, value in {**dict(template_parameter_object or {}), **dict(template_parameters)}.items():
            for known in [k for k in parameters if k.lower() == key.lower()]:
                del parameters[known]  # names are case-insensitive: a keyword replaces the file's value
            parameters[_declared_name(template, key)] = {"value": value}
        if template is not None and template_parameter_uri is None:
            values = {k: v["value"] for k, v in parameters.items() if "value" in v}
            present = [k for k, v in parameters.items() if "reference" in v]
            staged = local is not None and local.needs_staging
            for artifact in (ARTIFACTS_LOCATION, ARTIFACTS_SAS_TOKEN):
                if staged and _declared(template, artifact) and artifact.lower() not in {k.lower() for k in values}:
                    present.append(artifact)
            try:
                check_parameters(template, values, present=present)
            except TemplateError as exc:
                field = exc.path or "template_parameters"
                key = field.split(".", 1)[-1]
                secure = _is_secure(template, key)
                raise ValidationError(field, values.get(key), exc.detail, secret=secure) from None
            for key, value in values.items():
                if _is_secure(template, key):
                    _register(value)
        properties: dict[str, Any] = {"mode": modes[str(mode).lower()], "parameters": parameters}
        if template_parameter_uri is not None:
            del properties["parameters"]
            properties["parametersLink"] = {"uri": template_parameter_uri}
        if local is not None and local.needs_staging and stage:
            base, sas = self._stage(resource_group_name, local)
            properties["templateLink"] = {"uri": f"{base}/{local.main}", "queryString": sas}
            declared = {k.lower() for k in parameters}
            if _declared(template, ARTIFACTS_LOCATION) and ARTIFACTS_LOCATION.lower() not in declared:
                default = (_spec(template, ARTIFACTS_LOCATION) or {}).get("defaultValue")
                # Visual Studio's deployment script points it at the staged folder unless the user set it; a
                # default of deployment().properties.templateLink.uri already does (the template is linked).
                if not (isinstance(default, str) and default.startswith("[")):
                    slash = "/" if isinstance(default, str) and default.endswith("/") else ""
                    parameters[ARTIFACTS_LOCATION] = {"value": base + slash}
            if _declared(template, ARTIFACTS_SAS_TOKEN) and ARTIFACTS_SAS_TOKEN.lower() not in declared:
                parameters[ARTIFACTS_SAS_TOKEN] = {"value": "?" + sas}
        elif template is not None:
            properties["template"] = template
        else:
            properties["templateLink"] = {"uri": template_uri}
        return name, {"properties": properties}

    def _stage(self, resource_group_name: str, local: Any) -> tuple[str, str]:
        """Upload a local template's files; return the base URL they are under and a read-only SAS."""
        from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
        from azure.storage.blob import BlobServiceClient, ContainerSasPermissions, generate_container_sas

        account = "stage" + self.subscription_id.replace("-", "")[:19]
        container = f"{resource_group_name.lower()[:40].strip('-_.()')}-stageartifacts"
        container = re.sub(r"[^a-z0-9-]", "-", container).strip("-")
        container = re.sub(r"-{2,}", "-", container)[:63]
        digest = hashlib.sha256()
        for relative, path in sorted(local.files.items()):
            digest.update(relative.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
        prefix = digest.hexdigest()[:16]  # by content: the same files keep their URLs (what-if shows no change)

        def upload() -> tuple[str, str]:
            try:
                found = self.storage_client.storage_accounts.get_properties(STAGING_GROUP, account)
            except ResourceNotFoundError:
                group = self.resource_client.resource_groups.get(resource_group_name)
                self.resource_client.resource_groups.create_or_update(STAGING_GROUP, {"location": group.location})
                body = {"location": group.location, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2",
                        "properties": {"allowBlobPublicAccess": False, "minimumTlsVersion": "TLS1_2"}}  # fmt: skip
                found = self.storage_client.storage_accounts.begin_create(STAGING_GROUP, account, body).result()
            keys = self.storage_client.storage_accounts.list_keys(STAGING_GROUP, account)
            key = keys.keys_property[0].value
            service = BlobServiceClient(found.primary_endpoints.blob, credential={"account_name": account,
                                                                                  "account_key": key})  # fmt: skip
            client = service.get_container_client(container)
            with contextlib.suppress(ResourceExistsError):
                client.create_container()  # private: no public access
            for relative, path in sorted(local.files.items()):
                client.upload_blob(f"{prefix}/{relative}", path.read_bytes(), overwrite=True)
            now = datetime.datetime.now(datetime.timezone.utc)
            sas = generate_container_sas(
                account,
                container,
                account_key=key,
                permission=ContainerSasPermissions(read=True),
                start=now - datetime.timedelta(minutes=5),
                expiry=now + STAGING_SAS_LIFETIME,
            )
            _secrets.register(sas)
            return f"{client.url}/{prefix}", sas

        return self._run(f"Staging {len(local.files)} template file(s) in {account}/{container}", upload)

    # -- deploying --------------------------------------------------------------------------------------
    def _prepare_deployment(
        self,
        resource_group_name: str,
        *,
        name: str | None = None,
        template_file: str | Path | None = None,
        template_uri: str | None = None,
        template_object: Mapping[str, Any] | None = None,
        template_parameter_file: str | Path | None = None,
        template_parameter_object: Mapping[str, Any] | None = None,
        template_parameter_uri: str | None = None,
        mode: Mode = "Incremental",
        what_if: bool = False,
        confirm: bool | Callable[[Any], bool] = False,
        rollback_to_last_deployment: bool = False,
        artifacts_directory: str | Path | None = None,
        **template_parameters: Any,
    ) -> tuple[str, dict[str, Any]] | None:
        """Check and build a deployment (showing the what-if, asking when told); ``None`` when declined."""
        name, body = self._deployment_request(
            resource_group_name,
            name=name,
            template_file=template_file,
            template_uri=template_uri,
            template_object=template_object,
            template_parameter_file=template_parameter_file,
            template_parameter_object=template_parameter_object,
            template_parameter_uri=template_parameter_uri,
            template_parameters=template_parameters,
            mode=mode,
            artifacts_directory=artifacts_directory,
        )
        if what_if or confirm:
            report = self._what_if(resource_group_name, name, body)
            _show(report)
            if confirm:
                agreed = confirm(report) if callable(confirm) else _ask(f"Deploy {name} to {resource_group_name}?")
                if not agreed:
                    return None
        if rollback_to_last_deployment:
            body["properties"]["onErrorDeployment"] = {"type": "LastSuccessful"}
        return name, body

    def new_resource_group_deployment(
        self,
        resource_group_name: str,
        *,
        name: str | None = None,
        template_file: str | Path | None = None,
        template_uri: str | None = None,
        template_object: Mapping[str, Any] | None = None,
        template_parameter_file: str | Path | None = None,
        template_parameter_object: Mapping[str, Any] | None = None,
        template_parameter_uri: str | None = None,
        mode: Mode = "Incremental",
        what_if: bool = False,
        confirm: bool | Callable[[Any], bool] = False,
        rollback_to_last_deployment: bool = False,
        artifacts_directory: str | Path | None = None,
        **template_parameters: Any,
    ) -> Any:
        """Deploy an ARM template to a resource group (``New-AzResourceGroupDeployment``).

        Returns the SDK's ``DeploymentExtended`` (outputs in ``.properties.outputs``). Template
        parameters are keyword arguments (``adminUsername="knadmin"``), or come from
        ``template_parameter_file`` / ``template_parameter_object``; keyword arguments win.
        ``template_parameter_uri`` hands ARM a parameters file to download instead.

        :keyword name: the deployment's name (default: the template file's name, as Az).
        :keyword mode: ``Incremental`` leaves what the template does not list; ``Complete`` deletes it.
        :keyword what_if: show what the deployment will change (readable text; a table in a notebook),
            then deploy. For a preview alone, as PowerShell's ``-WhatIf``, use
            :meth:`get_resource_group_deployment_what_if_result`.
        :keyword confirm: show the what-if, then deploy only if the user agrees (``-Confirm``); a
            function receiving the :class:`~azrm.templates.report.WhatIfReport` can answer instead of
            the prompt. Declined: nothing is deployed and ``None`` is returned.
        :keyword rollback_to_last_deployment: on failure Azure redeploys the group's last successful
            deployment (in Complete mode).
        :keyword artifacts_directory: the directory staged for a template that uses
            ``_artifactsLocation`` (default: the template file's directory).
        :raises ValidationError: bad input or parameters that do not fit the template (nothing is sent).
        :raises DeploymentError: the deployment failed; names each failing resource, nested ones too.
        """
        prepared = self._prepare_deployment(
            resource_group_name,
            name=name,
            template_file=template_file,
            template_uri=template_uri,
            template_object=template_object,
            template_parameter_file=template_parameter_file,
            template_parameter_object=template_parameter_object,
            template_parameter_uri=template_parameter_uri,
            mode=mode,
            what_if=what_if,
            confirm=confirm,
            rollback_to_last_deployment=rollback_to_last_deployment,
            artifacts_directory=artifacts_directory,
            **template_parameters,
        )
        if prepared is None:
            return None
        return self._deploy(resource_group_name, *prepared)

    def begin_new_resource_group_deployment(
        self,
        resource_group_name: str,
        *,
        name: str | None = None,
        template_file: str | Path | None = None,
        template_uri: str | None = None,
        template_object: Mapping[str, Any] | None = None,
        template_parameter_file: str | Path | None = None,
        template_parameter_object: Mapping[str, Any] | None = None,
        template_parameter_uri: str | None = None,
        mode: Mode = "Incremental",
        what_if: bool = False,
        confirm: bool | Callable[[Any], bool] = False,
        rollback_to_last_deployment: bool = False,
        artifacts_directory: str | Path | None = None,
        **template_parameters: Any,
    ) -> Any:
        """Start a deployment; returns the SDK poller (``New-AzResourceGroupDeployment -AsJob``).

        Same parameters as :meth:`new_resource_group_deployment`: the template is checked, staged and
        (with ``what_if`` or ``confirm``) previewed before anything starts; declined, ``None`` is
        returned. The poller's ``result()`` is the ``DeploymentExtended``; a failed deployment raises
        the SDK's ``HttpResponseError`` (the waiting twin raises :class:`~azrm.errors.DeploymentError`,
        which names every failing resource). The poller has the SDK's continuation token.
        """
        prepared = self._prepare_deployment(
            resource_group_name,
            name=name,
            template_file=template_file,
            template_uri=template_uri,
            template_object=template_object,
            template_parameter_file=template_parameter_file,
            template_parameter_object=template_parameter_object,
            template_parameter_uri=template_parameter_uri,
            mode=mode,
            what_if=what_if,
            confirm=confirm,
            rollback_to_last_deployment=rollback_to_last_deployment,
            artifacts_directory=artifacts_directory,
            **template_parameters,
        )
        if prepared is None:
            return None
        # the result's templateLink is masked as the waiting twin's is (cls: the SDK's result hook)
        return self.deployment_client.deployments.begin_create_or_update(
            resource_group_name, *prepared, cls=lambda _response, deployment, _headers: _hide_sas(deployment)
        )

    def _deploy(self, resource_group_name: str, name: str, body: dict[str, Any]) -> Any:
        from azure.core.exceptions import HttpResponseError

        step = f"Deploying {name} to {resource_group_name}"
        deployments = self.deployment_client.deployments
        poller = self._run(
            f"Starting deployment {name}",
            lambda: deployments.begin_create_or_update(resource_group_name, name, body),
        )
        start = time.monotonic()
        self.reporter.start(step)
        last = 0.0
        try:
            while not poller.done():
                poller.wait(timeout=self.progress_interval)
                now = time.monotonic()
                if not poller.done() and now - last >= _PROGRESS_EVERY:
                    last = now
                    done = self._count_done(resource_group_name, name)
                    self.reporter.update(step, f"Running, {done} resource(s) deployed", now - start)
            result = poller.result()
        except HttpResponseError as exc:
            self.reporter.finish(step, False, time.monotonic() - start)
            raise self._failure(resource_group_name, name, exc) from exc
        except BaseException:
            self.reporter.finish(step, False, time.monotonic() - start)
            raise
        self.reporter.finish(step, True, time.monotonic() - start)
        return _hide_sas(result)

    def _count_done(self, resource_group_name: str, name: str) -> int:
        try:
            ops = self.deployment_client.deployment_operations.list(resource_group_name, name)
            return sum(1 for op in ops if _wire(op).get("properties", {}).get("provisioningState") == "Succeeded")
        except Exception:  # progress is best effort
            return 0

    def _failure(self, resource_group_name: str, name: str, exc: BaseException) -> DeploymentError:
        """Dig through the deployment's operations (and its nested deployments') for what failed."""
        details = arm_error_details(exc)
        failures: list[DeploymentFailure] = []
        existing: list[str] = []
        rollback = None
        try:
            deployment = _wire(self.deployment_client.deployments.get(resource_group_name, name))
            on_error = deployment.get("properties", {}).get("onErrorDeployment") or {}
            rollback = on_error.get("deploymentName")
            self._collect(resource_group_name, name, (name,), failures, existing)
        except Exception:  # the error itself is what matters; the details are extra
            pass
        return DeploymentError(
            resource_group_name,
            name,
            arm_code=details.get("code"),
            arm_message=details.get("message"),
            correlation_id=details.get("correlation_id"),
            failures=failures,
            existing=existing,
            rollback=rollback,
        )

    def _collect(
        self,
        resource_group_name: str,
        name: str,
        chain: tuple[str, ...],
        failures: list[DeploymentFailure],
        existing: list[str],
    ) -> None:
        for op in self.deployment_client.deployment_operations.list(resource_group_name, name):
            props = _wire(op).get("properties", {})
            target = props.get("targetResource") or {}
            rid = str(target.get("id", ""))
            rtype = str(target.get("resourceType", ""))
            state = props.get("provisioningState")
            if rtype.lower() == DEPLOYMENT_TYPE.lower() and len(chain) < 10:
                group = rid.split("/")[4] if rid.count("/") >= 4 else resource_group_name
                self._collect(group, str(target.get("resourceName")), (*chain, str(target.get("resourceName"))),
                              failures, existing)  # fmt: skip
                continue
            if state == "Failed":
                error = (props.get("statusMessage") or {}).get("error") or {}
                failures.append(
                    DeploymentFailure(rid, rtype, str(error.get("code", "")), str(error.get("message", "")), chain)
                )
            elif state == "Succeeded" and props.get("provisioningOperation") != "Delete" and rid not in existing:
                existing.append(rid)

    # -- previews and checks ------------------------------------------------------------------------------
    def _what_if(self, resource_group_name: str, name: str, body: dict[str, Any]) -> Any:
        from ..templates.report import WhatIfReport

        deployments = self.deployment_client.deployments
        result = self._wait(
            f"What-if of {name} on {resource_group_name}",
            deployments.begin_what_if(resource_group_name, name, body),
        )
        report = WhatIfReport(result)
        report.result = result  # type: ignore[attr-defined]
        return report

    def get_resource_group_deployment_what_if_result(
        self,
        resource_group_name: str,
        *,
        name: str | None = None,
        template_file: str | Path | None = None,
        template_uri: str | None = None,
        template_object: Mapping[str, Any] | None = None,
        template_parameter_file: str | Path | None = None,
        template_parameter_object: Mapping[str, Any] | None = None,
        template_parameter_uri: str | None = None,
        mode: Mode = "Incremental",
        artifacts_directory: str | Path | None = None,
        **template_parameters: Any,
    ) -> Any:
        """Preview what a deployment would change (``Get-AzResourceGroupDeploymentWhatIfResult``).

        Returns a :class:`~azrm.templates.report.WhatIfReport`: ``print()`` it, or let a notebook show
        it as a table; ``.changes`` holds ARM's changes, ``.result`` the SDK's result.
        """
        name, body = self._deployment_request(
            resource_group_name,
            name=name,
            template_file=template_file,
            template_uri=template_uri,
            template_object=template_object,
            template_parameter_file=template_parameter_file,
            template_parameter_object=template_parameter_object,
            template_parameter_uri=template_parameter_uri,
            template_parameters=template_parameters,
            mode=mode,
            artifacts_directory=artifacts_directory,
        )
        return self._what_if(resource_group_name, name, body)

    def test_resource_group_deployment(
        self,
        resource_group_name: str,
        *,
        template_file: str | Path | None = None,
        template_uri: str | None = None,
        template_object: Mapping[str, Any] | None = None,
        template_parameter_file: str | Path | None = None,
        template_parameter_object: Mapping[str, Any] | None = None,
        template_parameter_uri: str | None = None,
        mode: Mode = "Incremental",
        artifacts_directory: str | Path | None = None,
        **template_parameters: Any,
    ) -> list[Any]:
        """Validate a template and its parameters with ARM (``Test-AzResourceGroupDeployment``).

        Returns ARM's errors (``code``, ``message``, ``target``, ``details``); empty when valid.
        Input azrm can check itself still raises :class:`ValidationError`.
        """
        from azure.core.exceptions import HttpResponseError

        name, body = self._deployment_request(
            resource_group_name,
            name=None,
            template_file=template_file,
            template_uri=template_uri,
            template_object=template_object,
            template_parameter_file=template_parameter_file,
            template_parameter_object=template_parameter_object,
            template_parameter_uri=template_parameter_uri,
            template_parameters=template_parameters,
            mode=mode,
            artifacts_directory=artifacts_directory,
        )
        deployments = self.deployment_client.deployments
        try:
            result = self._wait(f"Validating {name}", deployments.begin_validate(resource_group_name, name, body))
        except HttpResponseError as exc:
            if exc.status_code == 400 and exc.error is not None:
                return [exc.error]
            raise
        error = getattr(result, "error", None)
        return [error] if error is not None else []

    # -- history --------------------------------------------------------------------------------------------
    def get_resource_group_deployment(self, resource_group_name: str, name: str | None = None) -> Any:
        """Get a deployment, or list a group's deployments, oldest first (``Get-AzResourceGroupDeployment``)."""
        deployments = self.deployment_client.deployments
        if name is not None:
            return _hide_sas(deployments.get(resource_group_name, name))
        found = [_hide_sas(d) for d in deployments.list_by_resource_group(resource_group_name)]
        return sorted(found, key=lambda d: str(_wire(d).get("properties", {}).get("timestamp", "")))

    def get_resource_group_deployment_operation(self, resource_group_name: str, deployment_name: str) -> list[Any]:
        """List a deployment's operations, one per resource (``Get-AzResourceGroupDeploymentOperation``)."""
        return list(self.deployment_client.deployment_operations.list(resource_group_name, deployment_name))

    def stop_resource_group_deployment(self, resource_group_name: str, name: str) -> None:
        """Cancel a running deployment (``Stop-AzResourceGroupDeployment``); what it deployed stays."""
        self._run(f"Canceling deployment {name}",
                  lambda: self.deployment_client.deployments.cancel(resource_group_name, name))  # fmt: skip

    def remove_resource_group_deployment(self, resource_group_name: str, name: str) -> None:
        """Delete a deployment from the history (``Remove-AzResourceGroupDeployment``); its resources stay."""
        self._wait(
            f"Removing deployment {name}",
            self.deployment_client.deployments.begin_delete(resource_group_name, name),
        )

    def save_resource_group_deployment_template(
        self, resource_group_name: str, name: str, path: str | Path | None = None
    ) -> dict[str, Any]:
        """Return the template a deployment used, and write it to ``path`` if given (``Save-Az...Template``)."""
        exported = self.deployment_client.deployments.export_template(resource_group_name, name)
        template = dict(_wire(exported).get("template") or {})
        if path is not None:
            Path(path).write_text(json.dumps(template, indent=2) + "\n", encoding="utf-8")
        return template

    def export_resource_group(
        self,
        resource_group_name: str,
        *,
        resource: list[str] | None = None,
        path: str | Path | None = None,
        include_parameter_default_value: bool = False,
        include_comments: bool = False,
        skip_resource_name_parameterization: bool = False,
        skip_all_parameterization: bool = False,
    ) -> dict[str, Any]:
        """Export a group's resources as a template (``Export-AzResourceGroup``); writes ``path`` if given.

        As Azure does, names become parameters (``virtualMachines_vm1_name``) unless skipped; secrets
        Azure never returns (a VM's admin password) become ``secureString`` parameters.
        """
        options = [
            flag
            for flag, on in (
                ("IncludeParameterDefaultValue", include_parameter_default_value),
                ("IncludeComments", include_comments),
                ("SkipResourceNameParameterization", skip_resource_name_parameterization),
                ("SkipAllParameterization", skip_all_parameterization),
            )
            if on
        ]
        body: dict[str, Any] = {"resources": list(resource) if resource else ["*"]}
        if options:
            body["options"] = ",".join(options)
        groups = self.resource_client.resource_groups
        result = self._wait(f"Exporting {resource_group_name}", groups.begin_export_template(resource_group_name, body))
        template = dict(getattr(result, "template", None) or {})
        if path is not None:
            Path(path).write_text(json.dumps(template, indent=2) + "\n", encoding="utf-8")
        return template


# -- helpers ---------------------------------------------------------------------------------------------
def _hide_sas(deployment: Any) -> Any:
    """Mask the SAS of a deployment's ``templateLink`` / ``parametersLink`` (their reprs and ``as_dict()``).

    ARM echoes the link a deployment was made from; its ``queryString`` (or a ``sig=`` in its ``uri``)
    is a live credential to the template's container, which a printed result would otherwise show.
    """
    properties = getattr(deployment, "properties", None)
    for attribute in ("template_link", "parameters_link"):
        link = getattr(properties, attribute, None)
        if link is None:
            continue
        # the models are mappings of the wire's keys; ParametersLink has no attribute for its queryString
        wire: Any = link if isinstance(link, MutableMapping) else None
        if wire is not None and wire.get("queryString"):
            wire["queryString"] = _secrets.MASK  # the whole token: any part of it may be the credential
        elif getattr(link, "query_string", None):
            link.query_string = _secrets.MASK
        uri = getattr(link, "uri", None)
        if isinstance(uri, str) and _secrets.mask_sas(uri) != uri:
            link.uri = _secrets.mask_sas(uri)
    return deployment


def _wire(model: Any) -> dict[str, Any]:
    """Return a model's JSON as ARM sent it (camelCase), whichever SDK generation made it."""
    if isinstance(model, Mapping):
        return dict(model)
    as_dict = getattr(model, "as_dict", None)
    return dict(as_dict()) if callable(as_dict) else {}


def _default_name(template_file: str | Path | None, template_uri: str | None) -> str:
    if template_file is not None:
        return re.sub(r"[^-\w.()]", "-", Path(template_file).stem)[:64] or "deployment"
    if template_uri is not None:
        stem = Path(template_uri.split("?", 1)[0].rstrip("/")).stem
        return re.sub(r"[^-\w.()]", "-", stem)[:64] or "deployment"
    return f"deployment-{datetime.datetime.now(datetime.timezone.utc):%Y%m%d%H%M%S}"


def _spec(template: Mapping[str, Any] | None, name: str) -> Mapping[str, Any] | None:
    for key, spec in ((template or {}).get("parameters") or {}).items():
        if key.lower() == name.lower() and isinstance(spec, Mapping):
            return spec
    return None


def _declared(template: Mapping[str, Any] | None, name: str) -> bool:
    return _spec(template, name) is not None


def _declared_name(template: Mapping[str, Any] | None, name: str) -> str:
    """Return the template's spelling of a parameter name (ARM's names are case-insensitive)."""
    for key in (template or {}).get("parameters") or {}:
        if key.lower() == name.lower():
            return str(key)
    return name


def _is_secure(template: Mapping[str, Any] | None, name: str) -> bool:
    spec = _spec(template, name) or {}
    return str(spec.get("type", "")).lower() in ("securestring", "secureobject")


def _register(value: Any) -> None:
    if isinstance(value, str):
        _secrets.register(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            _register(item)
    elif isinstance(value, list):
        for item in value:
            _register(item)


def _show(report: Any) -> None:
    from ..progress import _in_notebook

    if _in_notebook():
        from IPython.display import display

        display(report)
    else:
        print(report, file=sys.stdout, flush=True)


def _ask(question: str) -> bool:
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")
