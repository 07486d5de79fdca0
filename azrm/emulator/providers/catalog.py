"""Reference data the local Azure serves: regions, VM sizes, marketplace images, extension handlers.

The sizes, images and extension handlers are data files in ``azrm/emulator/data/`` (``vm-sizes.json``,
``images.json``, ``extensions.json``), each with an ``_about`` saying where its values come from
(recorded Azure answers, the providers' documentation) and which are estimates. The lookups here
apply Azure's rules to them: sizes offered per region, ``latest`` image versions, and extension
``typeHandlerVersion`` resolution (major.minor, the newest minor with ``autoUpgradeMinorVersion``).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ..core.errors import ArmError

__all__ = [
    "LOCATIONS",
    "ExtensionHandler",
    "Image",
    "VmSize",
    "extension_handlers",
    "find_extension",
    "find_image",
    "find_size",
    "images",
    "resolve_extension",
    "sizes_in",
]

#: Region name -> (display name, geography group).
LOCATIONS: dict[str, tuple[str, str]] = {
    "eastus": ("East US", "US"),
    "eastus2": ("East US 2", "US"),
    "westus": ("West US", "US"),
    "westus2": ("West US 2", "US"),
    "westus3": ("West US 3", "US"),
    "centralus": ("Central US", "US"),
    "northcentralus": ("North Central US", "US"),
    "southcentralus": ("South Central US", "US"),
    "westcentralus": ("West Central US", "US"),
    "canadacentral": ("Canada Central", "Canada"),
    "canadaeast": ("Canada East", "Canada"),
    "brazilsouth": ("Brazil South", "South America"),
    "northeurope": ("North Europe", "Europe"),
    "westeurope": ("West Europe", "Europe"),
    "uksouth": ("UK South", "UK"),
    "ukwest": ("UK West", "UK"),
    "francecentral": ("France Central", "France"),
    "germanywestcentral": ("Germany West Central", "Germany"),
    "norwayeast": ("Norway East", "Norway"),
    "swedencentral": ("Sweden Central", "Sweden"),
    "switzerlandnorth": ("Switzerland North", "Switzerland"),
    "eastasia": ("East Asia", "Asia Pacific"),
    "southeastasia": ("Southeast Asia", "Asia Pacific"),
    "japaneast": ("Japan East", "Japan"),
    "japanwest": ("Japan West", "Japan"),
    "koreacentral": ("Korea Central", "Korea"),
    "australiaeast": ("Australia East", "Australia"),
    "australiasoutheast": ("Australia Southeast", "Australia"),
    "centralindia": ("Central India", "India"),
    "southindia": ("South India", "India"),
    "uaenorth": ("UAE North", "UAE"),
    "southafricanorth": ("South Africa North", "Africa"),
}


def _data(name: str) -> dict[str, Any]:
    text = resources.files("azrm.emulator").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return dict(json.loads(text))


# -- VM sizes -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VmSize:
    """One VM size and the regions that offer it."""

    name: str
    cores: int
    memory_mb: int
    max_data_disks: int
    resource_disk_mb: int
    os_disk_mb: int = 1047552
    family: str = ""
    regions: frozenset[str] | None = None  # None: every region

    def offered_in(self, region: str) -> bool:
        """Return whether ``region`` offers this size."""
        return self.regions is None or region.lower() in self.regions

    def to_arm(self) -> dict[str, object]:
        """Return the ``vmSizes`` list entry."""
        return {
            "name": self.name,
            "numberOfCores": self.cores,
            "osDiskSizeInMB": self.os_disk_mb,
            "resourceDiskSizeInMB": self.resource_disk_mb,
            "memoryInMB": self.memory_mb,
            "maxDataDiskCount": self.max_data_disks,
        }


@functools.lru_cache(maxsize=1)
def _sizes() -> dict[str, VmSize]:
    out: dict[str, VmSize] = {}
    for s in _data("vm-sizes.json")["sizes"]:
        regions = s.get("regions", "*")
        out[s["name"].lower()] = VmSize(
            s["name"],
            int(s["numberOfCores"]),
            int(s["memoryInMB"]),
            int(s["maxDataDiskCount"]),
            int(s["resourceDiskSizeInMB"]),
            int(s.get("osDiskSizeInMB", 1047552)),
            str(s.get("family", "")),
            None if regions == "*" else frozenset(r.lower() for r in regions),
        )
    return out


def find_size(name: str, region: str | None = None) -> VmSize | None:
    """Return a size by name (case-insensitive), when ``region`` offers it."""
    size = _sizes().get(name.lower())
    if size is None or (region is not None and not size.offered_in(region)):
        return None
    return size


def sizes_in(region: str | None = None) -> list[VmSize]:
    """Return the sizes a region offers (every size when ``None``), in catalogue order."""
    return [s for s in _sizes().values() if region is None or s.offered_in(region)]


# -- marketplace images ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Image:
    """One marketplace image SKU and its versions (oldest first)."""

    publisher: str
    offer: str
    sku: str
    versions: tuple[str, ...]
    os_type: str
    os_name: str
    os_version: str
    hyper_v_generation: str = "V1"
    os_disk_size_gb: int | None = None
    plan: dict[str, str] | None = None

    @property
    def disk_size_gb(self) -> int:
        """OS disk size Azure gives this image by default."""
        if self.os_disk_size_gb:
            return self.os_disk_size_gb
        return 127 if self.os_type == "Windows" else 30

    @property
    def latest(self) -> str:
        """The version ``latest`` resolves to."""
        return self.versions[-1]


@functools.lru_cache(maxsize=1)
def images() -> tuple[Image, ...]:
    """Return every image of the catalogue."""
    return tuple(
        Image(
            i["publisher"],
            i["offer"],
            i["sku"],
            tuple(i["versions"]),
            i["osType"],
            i.get("osName", ""),
            i.get("osVersion", ""),
            i.get("hyperVGeneration", "V1"),
            i.get("osDiskSizeGB"),
            i.get("plan"),
        )
        for i in _data("images.json")["images"]
    )


@functools.lru_cache(maxsize=1)
def _image_index() -> dict[tuple[str, str, str], Image]:
    return {(i.publisher.lower(), i.offer.lower(), i.sku.lower()): i for i in images()}


def find_image(publisher: str, offer: str, sku: str) -> Image | None:
    """Return the image for publisher/offer/sku (case-insensitive)."""
    return _image_index().get((publisher.lower(), offer.lower(), sku.lower()))


# -- extension handlers ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ExtensionHandler:
    """One extension handler (publisher and type, in Azure's casing) and its published versions."""

    publisher: str
    type: str
    os: str
    versions: tuple[str, ...]

    def minors(self) -> list[str]:
        """Return the distinct ``major.minor`` versions, oldest first."""
        return list(dict.fromkeys(".".join(v.split(".")[:2]) for v in self.versions))


@functools.lru_cache(maxsize=1)
def extension_handlers() -> tuple[ExtensionHandler, ...]:
    """Return every handler of the catalogue."""
    return tuple(
        ExtensionHandler(h["publisher"], h["type"], h.get("os", "Both"), tuple(h["versions"]))
        for h in _data("extensions.json")["handlers"]
    )


def find_extension(publisher: str, type_: str) -> ExtensionHandler | None:
    """Return the handler for a publisher and type (case-insensitive), or ``None``."""
    wanted = (publisher.lower(), type_.lower())
    return next((h for h in extension_handlers() if (h.publisher.lower(), h.type.lower()) == wanted), None)


_MAJOR_MINOR = re.compile(r"^(\d+)\.(\d+)$")


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def resolve_extension(publisher: str, type_: str, version: str, auto_upgrade: bool) -> tuple[ExtensionHandler, str]:
    """Resolve a ``typeHandlerVersion`` as Azure does; returns the handler and the version that runs.

    ``major.minor`` names the newest build of that minor; with ``autoUpgradeMinorVersion`` the newest
    minor of the major at or above it. An exact published version is taken as is. Anything else is
    Azure's error (``InvalidParameter`` for a malformed version, ``ArtifactNotFound`` for a handler or
    version that does not exist), naming what the catalogue has.
    """
    handler = find_extension(publisher, type_)
    if handler is None:
        raise ArmError(
            404,
            "ArtifactNotFound",
            f"The VM extension with publisher '{publisher}' and type '{type_}' could not be found.",
        )
    if version in handler.versions:
        return handler, version
    m = _MAJOR_MINOR.match(version)
    if m is None:
        message = "The value of parameter typeHandlerVersion is invalid."
        raise ArmError(400, "InvalidParameter", message, target="typeHandlerVersion")
    major, minor = int(m.group(1)), int(m.group(2))
    candidates = [
        v
        for v in handler.versions
        if _key(v)[:1] == (major,) and (_key(v)[1:2] == (minor,) or (auto_upgrade and _key(v)[1:2] > (minor,)))
    ]
    if not candidates:
        raise ArmError(
            404,
            "ArtifactNotFound",
            f"Extension with publisher '{handler.publisher}', type '{handler.type}', and type handler version "
            f"'{version}' could not be found in the extension repository. (Versions published: "
            f"{', '.join(handler.minors())}.)",
        )
    return handler, max(candidates, key=_key)
