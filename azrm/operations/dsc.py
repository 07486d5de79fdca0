"""PowerShell DSC: publish a configuration to blob storage, attach the DSC extension that applies it.

``Publish-AzVMDscConfiguration``, ``Set-AzVMDscExtension``, ``Get-AzVMDscExtension``,
``Get-AzVMDscExtensionStatus``, ``Remove-AzVMDscExtension``.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import os
import re
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import _secrets
from .._aliases import accepts_aliases
from ..builders._base import check
from ..builders.dsc import DEFAULT_CONTAINER, DEFAULT_EXTENSION_NAME, DscExtension, check_dsc_settings
from ..credential import Credential
from ..dsc.archive import DscArchive, build_archive
from ..dsc.script import parse_script
from ..errors import ValidationError
from ..rules import storage_account_name_problem
from .storage import StorageOperations

__all__ = ["DscOperations"]

#: Set-AzVMDscExtension's aliases (and azrm's former name of -ConfigurationData) -> azrm's keywords
_DSC_EXTENSION_ALIASES = {
    "configuration_data_path": "configuration_data",
    "configuration_archive_blob": "archive_blob_name",
    "storage_account_name": "archive_storage_account_name",
    "handler_version": "version",
    "container_name": "archive_container_name",
}

#: blob metadata key holding the archive's SHA-256, so an unchanged re-publish uploads nothing
SHA_METADATA = "azrmsha256"
_CONTAINER = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")


def _check_container(name: str) -> None:
    check(
        bool(_CONTAINER.match(name)),
        "container_name",
        name,
        "a container name has 3-63 lower-case letters, digits and single hyphens, and starts and ends with a "
        "letter or digit",
    )


class DscOperations(StorageOperations):
    """DSC operations."""

    # -- publishing ------------------------------------------------------------------------------------
    @accepts_aliases(configuration_archive_path="output_archive_path")
    def publish_vm_dsc_configuration(
        self,
        resource_group_name: str | None,
        configuration_path: str | os.PathLike[str],
        *,
        storage_account_name: str | None = None,
        container_name: str = DEFAULT_CONTAINER,
        force: bool = False,
        additional_path: Sequence[str | os.PathLike[str]] | None = None,
        module_path: Sequence[str | os.PathLike[str]] | None = None,
        skip_dependency_detection: bool = False,
        output_archive_path: str | os.PathLike[str] | None = None,
        configuration_data_path: str | os.PathLike[str] | None = None,
    ) -> str:
        """Package a DSC configuration and upload it to blob storage (``Publish-AzVMDscConfiguration``).

        The archive ``<script>.ps1.zip`` holds the script, ``additional_path`` files, one folder per
        module the script imports (found under ``module_path`` and ``PSModulePath``) and
        ``dscmetadata.json``. It goes to a private container (created if needed) of the storage account.

        With ``output_archive_path`` (a file or a directory; also ``configuration_archive_path``, the
        cmdlet's alias) the archive is only written there (no group or storage account needed): an
        artifact for a template, for instance.

        There is no ``begin_`` twin: publishing is a blob upload, done when the call returns, not a
        long-running operation with a poller. The account's endpoint and keys are read once a session
        (see :meth:`blob_service`); :meth:`begin_new_vm` publishes a configuration's archive before it
        returns its poller.

        :returns: the blob URL (without a SAS), or the local path with ``output_archive_path``.
        :raises ValidationError: for a missing script or module, before anything is uploaded.
        :raises azure.core.exceptions.ResourceExistsError: when a different archive of that name
            is already published and ``force`` is not set. Identical content uploads nothing.

        >>> url = session.publish_vm_dsc_configuration("KNRGTest01", "webdsc.ps1", storage_account_name="knstor5050")
        """
        archive = build_archive(
            configuration_path,
            additional_path=list(additional_path or ()),
            module_path=list(module_path or ()),
            skip_dependency_detection=skip_dependency_detection,
            configuration_data_path=configuration_data_path,
        )
        if output_archive_path is not None:
            target = Path(output_archive_path)
            if target.is_dir():
                target = target / archive.name
            check(
                force or not target.exists(),
                "output_archive_path",
                str(target),
                "exists already; pass force=True to replace it",
            )
            target.write_bytes(archive.data)
            return str(target)
        if storage_account_name is None:
            raise ValidationError("storage_account_name", None, "give the storage account to publish to")
        if resource_group_name is None:
            raise ValidationError("resource_group_name", None, "give the storage account's group")
        return self.publish_archive(
            resource_group_name,
            archive,
            storage_account_name=storage_account_name,
            container_name=container_name,
            force=force,
        )

    def _dsc_archives(self, extensions: Sequence[DscExtension]) -> dict[str, DscArchive]:
        """Build the archives of local configurations now, checked before any write.

        A missing module, a script that does not parse or a configuration it does not define stops us.
        """
        archives = {
            ext.name: build_archive(
                ext.source,
                additional_path=ext.additional_path,
                module_path=ext.module_path,
                skip_dependency_detection=ext.skip_dependency_detection,
            )
            for ext in extensions
            if ext.is_local
        }
        self._check_configurations(extensions, archives)
        return archives

    def _check_configurations(self, extensions: Sequence[DscExtension], archives: Mapping[str, DscArchive]) -> None:
        """Check that each local extension's script defines the configuration it names."""
        for ext in extensions:
            archive = archives.get(ext.name)
            if (
                archive is not None
                and archive.script is not None
                and not archive.script.defines(ext.resolved_configuration_name)
            ):
                raise ValidationError(
                    "configuration_name",
                    ext.resolved_configuration_name,
                    f"the script {archive.script_name} defines {', '.join(archive.script.configurations)}",
                )

    def _publish_for(
        self, resource_group_name: str, ext: DscExtension, archives: Mapping[str, DscArchive], completed: list[str]
    ) -> str:
        """Publish an extension's archive when it was built here (a step, added to ``completed``).

        Returns the storage account's resource group.
        """
        storage_rg = ext.storage_resource_group_name or resource_group_name
        archive = archives.get(ext.name)
        if archive is not None:
            step = f"Publishing DSC configuration {archive.script_name} to {ext.storage_account_name}"
            self.publish_archive(
                storage_rg,
                archive,
                storage_account_name=ext.storage_account_name,
                container_name=ext.container_name,
                force=ext.force,
                step=step,
            )
            completed.append(step)
        return storage_rg

    def publish_archive(
        self,
        resource_group_name: str,
        archive: DscArchive,
        *,
        storage_account_name: str,
        container_name: str = DEFAULT_CONTAINER,
        force: bool = False,
        step: str | None = None,
    ) -> str:
        """Upload a built :class:`~azrm.dsc.DscArchive`; returns its blob URL.

        See :meth:`publish_vm_dsc_configuration`.
        """
        problem = storage_account_name_problem(storage_account_name)
        check(problem is None, "storage_account_name", storage_account_name, problem or "")
        _check_container(container_name)

        def upload() -> str:
            from azure.core.exceptions import HttpResponseError

            try:
                return upload_with(fresh=False)
            except HttpResponseError as err:
                if err.status_code != 403:
                    raise
                return upload_with(fresh=True)  # the key this session knew was regenerated elsewhere: read it

        def upload_with(*, fresh: bool) -> str:
            from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
            from azure.storage.blob import ContentSettings

            service = self.blob_service(resource_group_name, storage_account_name, fresh=fresh)
            container = service.get_container_client(container_name)
            with contextlib.suppress(ResourceExistsError):
                container.create_container()  # private: no public access
            blob = container.get_blob_client(archive.name)
            try:
                properties = blob.get_blob_properties()
            except ResourceNotFoundError:
                properties = None
            if properties is not None:
                published = properties.metadata.get(SHA_METADATA)
                if published is None:  # published by something else: compare the bytes
                    published = hashlib.sha256(blob.download_blob().readall()).hexdigest()
                if published == archive.sha256:
                    self._remember_archive(resource_group_name, storage_account_name, container_name, archive)
                    return str(blob.url)
                if not force:
                    raise ResourceExistsError(
                        f"The blob {blob.url} already exists with different content. Publish with force=True to "
                        "replace it (Publish-AzVMDscConfiguration -Force)."
                    )
            blob.upload_blob(
                archive.data,
                overwrite=True,
                metadata={SHA_METADATA: archive.sha256},
                content_settings=ContentSettings(content_type="application/zip"),
            )
            self._remember_archive(resource_group_name, storage_account_name, container_name, archive)
            return str(blob.url)

        return self._run(step or f"Publishing DSC configuration {archive.name} to {storage_account_name}", upload)

    def _remember_archive(self, resource_group_name: str, account: str, container: str, archive: DscArchive) -> None:
        """Remember what this session published (its configurations), so attaching it needs no read."""
        configurations = archive.script.configurations if archive.script is not None else None
        where = f"{account}/{container}/{archive.name}".lower()
        self._remember("dsc-archive", resource_group_name, where, configurations)

    def _check_published(
        self, resource_group_name: str, account: str, container: str, blob_name: str, configuration_name: str
    ) -> None:
        """Check that the archive is published and defines the configuration, before the extension is attached.

        What this session published is known; any other archive is read (one blob download) and its
        script parsed. Without this, Azure accepts the extension and it ends ``Failed`` on the VM.
        """
        from azure.core.exceptions import ResourceNotFoundError

        configurations = self._recall("dsc-archive", resource_group_name, f"{account}/{container}/{blob_name}".lower())
        if configurations is None:
            blob = self.blob_service(resource_group_name, account).get_blob_client(container, blob_name)
            try:
                data = blob.download_blob().readall()
            except ResourceNotFoundError:
                raise ValidationError(
                    "archive_blob_name",
                    blob_name,
                    f"no such archive in {account}/{container}: publish it first (publish_vm_dsc_configuration)",
                ) from None
            script_name = blob_name[: -len(".zip")]
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as zf:
                    entry = next((n for n in zf.namelist() if n.lower() == script_name.lower()), None)
                    text = zf.read(entry).decode("utf-8-sig", "replace") if entry else None
            except zipfile.BadZipFile:
                raise ValidationError("archive_blob_name", blob_name, "the blob is not a zip archive") from None
            if text is None:
                raise ValidationError(
                    "archive_blob_name", blob_name, f"the archive has no script {script_name} at its top level"
                )
            configurations = parse_script(text).configurations
        if configurations and configuration_name.lower() not in (c.lower() for c in configurations):
            raise ValidationError(
                "configuration_name",
                configuration_name,
                f"the archive {blob_name} defines {', '.join(configurations)}",
            )

    # -- the extension ---------------------------------------------------------------------------------
    def _sas(self, account_key: str, account: str, container: str, blob: str, lifetime: datetime.timedelta) -> str:
        from azure.storage.blob import BlobSasPermissions, generate_blob_sas

        now = datetime.datetime.now(datetime.timezone.utc)
        token = generate_blob_sas(
            account,
            container,
            blob,
            account_key=account_key,
            permission=BlobSasPermissions(read=True),
            start=now - datetime.timedelta(minutes=5),
            expiry=now + lifetime,
        )
        _secrets.register(token)
        return f"?{token}"

    def dsc_extension_properties(
        self,
        resource_group_name: str,
        *,
        archive_blob_name: str,
        archive_storage_account_name: str,
        configuration_name: str,
        version: str,
        archive_container_name: str = DEFAULT_CONTAINER,
        configuration_argument: Mapping[str, Any] | None = None,
        configuration_data_path: str | os.PathLike[str] | None = None,
        wmf_version: str = "latest",
        auto_update: bool = False,
        data_collection: str | None = None,
        sas_lifetime: datetime.timedelta = datetime.timedelta(hours=1),
    ) -> dict[str, Any]:
        """Build a DSC extension's ``properties`` (VM extension or scale set model entry).

        The archive's URL goes in the public settings; a read-only SAS for it, valid for
        ``sas_lifetime``, in the **protected** settings (never returned by Azure), as do
        :class:`azrm.Credential` configuration arguments (as ``{userName, password}``).
        ``resource_group_name`` is the storage account's group. A configuration data file is
        uploaded next to the archive.
        """
        check_dsc_settings(
            version=version,
            wmf_version=wmf_version,
            storage_account_name=archive_storage_account_name,
            configuration_name=configuration_name,
        )
        check(
            archive_blob_name.lower().endswith(".zip") and "/" not in archive_blob_name,
            "archive_blob_name",
            archive_blob_name,
            "the name of the published archive blob, such as webdsc.ps1.zip",
        )
        _check_container(archive_container_name)
        if data_collection is not None:
            check(
                data_collection.lower() in ("enable", "disable"),
                "data_collection",
                data_collection,
                "enable or disable",
            )
        data_file = Path(configuration_data_path) if configuration_data_path else None
        if data_file is not None:
            check(
                data_file.is_file() and data_file.suffix.lower() == ".psd1",
                "configuration_data_path",
                str(data_file),
                "must be an existing .psd1 file",
            )
        public_args: dict[str, Any] = {}
        protected_args: dict[str, Any] = {}
        for key, value in (configuration_argument or {}).items():
            if isinstance(value, Credential):
                protected_args[key] = {"userName": value.user_name, "password": value.password.get_secret_value()}
            else:
                public_args[key] = value

        endpoint = self._blob_endpoint(resource_group_name, archive_storage_account_name)
        key = self._account_key(resource_group_name, archive_storage_account_name)
        self._check_published(
            resource_group_name,
            archive_storage_account_name,
            archive_container_name,
            archive_blob_name,
            configuration_name,
        )
        url = f"{endpoint}{archive_container_name}/{archive_blob_name}"
        settings: dict[str, Any] = {
            "wmfVersion": wmf_version,
            "configuration": {"url": url, "script": archive_blob_name[: -len(".zip")], "function": configuration_name},
        }
        protected: dict[str, Any] = {
            "configurationUrlSasToken": self._sas(
                key, archive_storage_account_name, archive_container_name, archive_blob_name, sas_lifetime
            )
        }
        if public_args:
            settings["configurationArguments"] = public_args
        if protected_args:
            protected["configurationArguments"] = protected_args
        if data_file is not None:
            data_blob = f"{configuration_name}-{uuid.uuid4()}.psd1"
            container = self.blob_service(resource_group_name, archive_storage_account_name).get_container_client(
                archive_container_name
            )
            container.upload_blob(data_blob, data_file.read_bytes())
            settings["configurationData"] = {"url": f"{endpoint}{archive_container_name}/{data_blob}"}
            protected["configurationDataUrlSasToken"] = self._sas(
                key, archive_storage_account_name, archive_container_name, data_blob, sas_lifetime
            )
        if data_collection is not None:
            settings["privacy"] = {"dataCollection": data_collection.lower()}
        return {
            "publisher": "Microsoft.Powershell",
            "type": "DSC",
            "typeHandlerVersion": version,
            "autoUpgradeMinorVersion": auto_update,
            "settings": settings,
            "protectedSettings": protected,
        }

    @accepts_aliases(**_DSC_EXTENSION_ALIASES)
    def begin_set_vm_dsc_extension(
        self,
        resource_group_name: str,
        vm_name: str,
        *,
        archive_blob_name: str,
        archive_storage_account_name: str,
        configuration_name: str,
        version: str,
        archive_container_name: str = DEFAULT_CONTAINER,
        archive_resource_group_name: str | None = None,
        configuration_argument: Mapping[str, Any] | None = None,
        configuration_data: str | os.PathLike[str] | None = None,
        wmf_version: str = "latest",
        name: str = DEFAULT_EXTENSION_NAME,
        auto_update: bool = False,
        location: str | None = None,
        data_collection: str | None = None,
        sas_lifetime: datetime.timedelta = datetime.timedelta(hours=1),
    ) -> Any:
        """Start attaching the DSC extension; returns the SDK poller (``Set-AzVMDscExtension -AsJob``).

        Same parameters as :meth:`set_vm_dsc_extension`, which also retries once after an
        ``InternalExecutionError`` as the cmdlet does; this poller does not.
        """
        body = self._dsc_extension_body(
            resource_group_name,
            vm_name,
            archive_blob_name=archive_blob_name,
            archive_storage_account_name=archive_storage_account_name,
            configuration_name=configuration_name,
            version=version,
            archive_container_name=archive_container_name,
            archive_resource_group_name=archive_resource_group_name,
            configuration_argument=configuration_argument,
            configuration_data_path=configuration_data,
            wmf_version=wmf_version,
            auto_update=auto_update,
            location=location,
            data_collection=data_collection,
            sas_lifetime=sas_lifetime,
        )
        return self.compute_client.virtual_machine_extensions.begin_create_or_update(
            resource_group_name, vm_name, name, body
        )

    def _vm_region(self, resource_group_name: str, vm_name: str, location: str | None) -> str:
        """Return the region for a VM's extension: given, else the VM's (known from its create, else read)."""
        if location:
            return self._location(location)
        known = self._recall("vm-region", resource_group_name, vm_name)
        if known is None:
            vm = self.compute_client.virtual_machines.get(resource_group_name, vm_name)
            known = self._remember("vm-region", resource_group_name, vm_name, vm.location)
        return str(known)

    def _dsc_extension_body(
        self,
        resource_group_name: str,
        vm_name: str,
        *,
        archive_resource_group_name: str | None,
        location: str | None,
        **properties: Any,
    ) -> dict[str, Any]:
        built = self.dsc_extension_properties(archive_resource_group_name or resource_group_name, **properties)
        return {"location": self._vm_region(resource_group_name, vm_name, location), "properties": built}

    @accepts_aliases(**_DSC_EXTENSION_ALIASES)
    def set_vm_dsc_extension(
        self,
        resource_group_name: str,
        vm_name: str,
        *,
        archive_blob_name: str,
        archive_storage_account_name: str,
        configuration_name: str,
        version: str,
        archive_container_name: str = DEFAULT_CONTAINER,
        archive_resource_group_name: str | None = None,
        configuration_argument: Mapping[str, Any] | None = None,
        configuration_data: str | os.PathLike[str] | None = None,
        wmf_version: str = "latest",
        name: str = DEFAULT_EXTENSION_NAME,
        auto_update: bool = False,
        location: str | None = None,
        data_collection: str | None = None,
        sas_lifetime: datetime.timedelta = datetime.timedelta(hours=1),
    ) -> Any:
        """Attach the DSC extension that applies a published configuration (``Set-AzVMDscExtension``).

        The archive's URL goes in the public settings; a read-only SAS for it, valid for
        ``sas_lifetime``, goes in the **protected** settings (never returned by Azure), as do
        :class:`azrm.Credential` configuration arguments (as ``{userName, password}``).

        The cmdlet's parameter names, aliases included: ``configuration_data`` (the ``.psd1`` file; also
        ``configuration_data_path``), ``archive_blob_name`` (also ``configuration_archive_blob``),
        ``archive_storage_account_name`` (also ``storage_account_name``), ``version`` (also
        ``handler_version``), ``archive_container_name`` (also ``container_name``).

        Requests: the extension's PUT and its polling. The storage account's endpoint and key are read
        once a session (see :meth:`blob_service`); the VM's region is ``location``, or known from the
        VM's create in this session, or read. :meth:`begin_set_vm_dsc_extension` returns the poller.

        :returns: the SDK's ``VirtualMachineExtension``.
        :raises azure.core.exceptions.HttpResponseError: ``VMExtensionProvisioningError`` when the
            extension fails in the VM, e.g. because the archive was not published first.
        """
        body = self._dsc_extension_body(
            resource_group_name,
            vm_name,
            archive_blob_name=archive_blob_name,
            archive_storage_account_name=archive_storage_account_name,
            configuration_name=configuration_name,
            version=version,
            archive_container_name=archive_container_name,
            archive_resource_group_name=archive_resource_group_name,
            configuration_argument=configuration_argument,
            configuration_data_path=configuration_data,
            wmf_version=wmf_version,
            auto_update=auto_update,
            location=location,
            data_collection=data_collection,
            sas_lifetime=sas_lifetime,
        )
        label = f"Setting DSC extension {name} ({configuration_name}) on {vm_name}"
        return self._attach_dsc(resource_group_name, vm_name, name, body, label)

    def _attach_dsc(
        self, resource_group_name: str, vm_name: str, name: str, body: dict[str, Any], label: str, report: bool = True
    ) -> Any:
        """PUT a DSC extension and wait, retrying once after ``InternalExecutionError`` as the cmdlet does.

        ``report=False`` waits without the reporter (in a poller's thread: ``-AsJob`` prints nothing).
        """
        from azure.core.exceptions import HttpResponseError

        def wait(step: str, poller: Any) -> Any:
            return self._wait(step, poller) if report else poller.result()

        extensions = self.compute_client.virtual_machine_extensions
        try:
            return wait(label, extensions.begin_create_or_update(resource_group_name, vm_name, name, body))
        except HttpResponseError as err:
            if getattr(err.error, "code", None) != "InternalExecutionError":
                raise
            # Set-AzVMDscExtension retries once after an internal execution error; so do we.
            return wait(f"{label} (retry)", extensions.begin_create_or_update(resource_group_name, vm_name, name, body))

    def get_vm_dsc_extension(
        self, resource_group_name: str, vm_name: str, *, name: str = DEFAULT_EXTENSION_NAME
    ) -> Any:
        """Get the DSC extension with its instance view (``Get-AzVMDscExtension``)."""
        return self.compute_client.virtual_machine_extensions.get(
            resource_group_name, vm_name, name, expand="instanceView"
        )

    def get_vm_dsc_extension_status(
        self, resource_group_name: str, vm_name: str, *, name: str = DEFAULT_EXTENSION_NAME
    ) -> Any:
        """Return the DSC extension's status (``Get-AzVMDscExtensionStatus``).

        That is its ``VirtualMachineExtensionInstanceView``, with the ``DscConfigurationLog`` and
        ``DscExtensionLog`` substatuses.
        """
        return self.get_vm_dsc_extension(resource_group_name, vm_name, name=name).instance_view

    def remove_vm_dsc_extension(
        self, resource_group_name: str, vm_name: str, *, name: str = DEFAULT_EXTENSION_NAME
    ) -> None:
        """Remove the DSC extension (``Remove-AzVMDscExtension``); fine when already gone."""
        poller = self.compute_client.virtual_machine_extensions.begin_delete(resource_group_name, vm_name, name)
        self._wait(f"Removing DSC extension {name} from {vm_name}", poller)
