"""``DscExtension``: a DSC configuration to publish and attach to a VM."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..rules import storage_account_name_problem
from ._base import Builder, check

__all__ = ["DEFAULT_CONTAINER", "DEFAULT_EXTENSION_NAME", "WMF_VERSIONS", "DscExtension"]

DEFAULT_CONTAINER = "windows-powershell-dsc"
DEFAULT_EXTENSION_NAME = "Microsoft.Powershell.DSC"
WMF_VERSIONS = ("4.0", "5.0", "5.1", "latest")
_VERSION = re.compile(r"^\d+\.\d+$")


def check_dsc_settings(
    *, version: str, wmf_version: str, storage_account_name: str, configuration_name: str | None
) -> None:
    """Check the settings ``Set-AzVMDscExtension`` checks (raises :class:`ValidationError`)."""
    check(
        bool(_VERSION.match(version)),
        "version",
        version,
        "a DSC extension version is major.minor, such as 2.77 or 2.83",
    )
    check(wmf_version in WMF_VERSIONS, "wmf_version", wmf_version, f"must be one of {', '.join(WMF_VERSIONS)}")
    problem = storage_account_name_problem(storage_account_name)
    check(problem is None, "storage_account_name", storage_account_name, problem or "")
    if configuration_name is not None:
        check(
            bool(re.match(r"^[A-Za-z_][\w-]*$", configuration_name)),
            "configuration_name",
            configuration_name,
            "a configuration name is a PowerShell identifier, such as webdsc",
        )


class DscExtension(Builder):
    """A DSC configuration for :meth:`azrm.VMConfig.add_dsc_extension`.

    ``source`` is a local ``.ps1``/``.psm1`` script (published first, like
    ``Publish-AzVMDscConfiguration``) or a ``.zip`` file, or the name of an archive blob already
    published (``"webdsc.ps1.zip"``).
    """

    source: str
    storage_account_name: str
    version: str
    configuration_name: str | None = None
    storage_resource_group_name: str | None = None
    container_name: str = DEFAULT_CONTAINER
    configuration_argument: tuple[tuple[str, Any], ...] = ()
    configuration_data_path: str | None = None
    wmf_version: str = "latest"
    name: str = DEFAULT_EXTENSION_NAME
    auto_update: bool = False
    force: bool = False
    additional_path: tuple[str, ...] = ()
    module_path: tuple[str, ...] = ()
    skip_dependency_detection: bool = False

    def __init__(
        self,
        configuration_path_or_archive_blob: str | Path,
        *,
        storage_account_name: str,
        version: str,
        configuration_name: str | None = None,
        storage_resource_group_name: str | None = None,
        container_name: str = DEFAULT_CONTAINER,
        configuration_argument: Mapping[str, Any] | None = None,
        configuration_data_path: str | Path | None = None,
        wmf_version: str = "latest",
        name: str = DEFAULT_EXTENSION_NAME,
        auto_update: bool = False,
        force: bool = False,
        additional_path: Sequence[str | Path] = (),
        module_path: Sequence[str | Path] = (),
        skip_dependency_detection: bool = False,
        **_: Any,
    ) -> None:
        super().__init__(
            source=str(configuration_path_or_archive_blob),
            storage_account_name=storage_account_name,
            version=version,
            configuration_name=configuration_name,
            storage_resource_group_name=storage_resource_group_name,
            container_name=container_name,
            configuration_argument=tuple((configuration_argument or {}).items()),
            configuration_data_path=str(configuration_data_path) if configuration_data_path else None,
            wmf_version=wmf_version,
            name=name,
            auto_update=auto_update,
            force=force,
            additional_path=tuple(str(p) for p in additional_path),
            module_path=tuple(str(p) for p in module_path),
            skip_dependency_detection=skip_dependency_detection,
        )

    def _rules(self) -> None:
        check_dsc_settings(
            version=self.version,
            wmf_version=self.wmf_version,
            storage_account_name=self.storage_account_name,
            configuration_name=self.configuration_name,
        )
        if self.is_local:
            check(
                Path(self.source).suffix.lower() in (".ps1", ".psm1", ".zip"),
                "source",
                self.source,
                "a local configuration is a .ps1 or .psm1 script or a .zip archive",
            )
        else:
            check(
                self.source.lower().endswith(".zip") and "/" not in self.source,
                "source",
                self.source,
                "give a local script (that exists) or the name of a published archive blob, such as webdsc.ps1.zip",
            )

    @property
    def is_local(self) -> bool:
        """Whether ``source`` is a file here (to publish) rather than a published blob's name."""
        return Path(self.source).is_file()

    @property
    def archive_blob_name(self) -> str:
        """The blob the extension reads: ``webdsc.ps1`` publishes as ``webdsc.ps1.zip``."""
        name = Path(self.source).name
        return name if name.lower().endswith(".zip") else f"{name}.zip"

    @property
    def resolved_configuration_name(self) -> str:
        """The configuration to apply: as given, or the script's name (``webdsc.ps1.zip`` -> ``webdsc``)."""
        if self.configuration_name:
            return self.configuration_name
        stem = self.archive_blob_name[: -len(".zip")]
        return stem.rsplit(".", 1)[0] if stem.lower().endswith((".ps1", ".psm1")) else stem

    @property
    def arguments(self) -> dict[str, Any]:
        """The configuration arguments as a dict."""
        return dict(self.configuration_argument)
