"""Reference data the local Azure serves: regions, VM sizes, marketplace images, extension handlers.

A realistic, deliberately small subset of Azure's catalogue: enough for the scenarios azrm documents
and for scripts ported from AzureRM, small enough to read in one sitting.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EXTENSIONS", "IMAGES", "LOCATIONS", "VM_SIZES", "Image", "VmSize", "find_extension", "find_image"]

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


@dataclass(frozen=True)
class VmSize:
    """One VM size."""

    name: str
    cores: int
    memory_mb: int
    max_data_disks: int
    resource_disk_mb: int

    def to_arm(self) -> dict[str, object]:
        """Return the ``vmSizes`` list entry."""
        return {
            "name": self.name,
            "numberOfCores": self.cores,
            "osDiskSizeInMB": 1047552,
            "resourceDiskSizeInMB": self.resource_disk_mb,
            "memoryInMB": self.memory_mb,
            "maxDataDiskCount": self.max_data_disks,
        }


VM_SIZES: dict[str, VmSize] = {
    s.name.lower(): s
    for s in (
        VmSize("Basic_A0", 1, 768, 1, 20480),
        VmSize("Basic_A1", 1, 1792, 2, 40960),
        VmSize("Basic_A2", 2, 3584, 4, 61440),
        VmSize("Standard_A0", 1, 768, 1, 20480),
        VmSize("Standard_A1", 1, 1792, 2, 71680),
        VmSize("Standard_A2", 2, 3584, 4, 138240),
        VmSize("Standard_A3", 4, 7168, 8, 291840),
        VmSize("Standard_A4", 8, 14336, 16, 619520),
        VmSize("Standard_A1_v2", 1, 2048, 2, 10240),
        VmSize("Standard_A2_v2", 2, 4096, 4, 20480),
        VmSize("Standard_A4_v2", 4, 8192, 8, 40960),
        VmSize("Standard_A8_v2", 8, 16384, 16, 81920),
        VmSize("Standard_B1s", 1, 1024, 2, 4096),
        VmSize("Standard_B1ms", 1, 2048, 2, 4096),
        VmSize("Standard_B2s", 2, 4096, 4, 8192),
        VmSize("Standard_B2ms", 2, 8192, 4, 16384),
        VmSize("Standard_B4ms", 4, 16384, 8, 32768),
        VmSize("Standard_D1_v2", 1, 3584, 4, 51200),
        VmSize("Standard_D2_v2", 2, 7168, 8, 102400),
        VmSize("Standard_D3_v2", 4, 14336, 16, 204800),
        VmSize("Standard_D4_v2", 8, 28672, 32, 409600),
        VmSize("Standard_DS1_v2", 1, 3584, 4, 7168),
        VmSize("Standard_DS2_v2", 2, 7168, 8, 14336),
        VmSize("Standard_DS3_v2", 4, 14336, 16, 28672),
        VmSize("Standard_DS4_v2", 8, 28672, 32, 57344),
        VmSize("Standard_D2s_v3", 2, 8192, 4, 16384),
        VmSize("Standard_D4s_v3", 4, 16384, 8, 32768),
        VmSize("Standard_D8s_v3", 8, 32768, 16, 65536),
        VmSize("Standard_D2s_v5", 2, 8192, 4, 0),
        VmSize("Standard_D4s_v5", 4, 16384, 8, 0),
        VmSize("Standard_D2as_v5", 2, 8192, 4, 0),
        VmSize("Standard_E2s_v3", 2, 16384, 4, 32768),
        VmSize("Standard_F2s_v2", 2, 4096, 4, 16384),
    )
}


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

    @property
    def disk_size_gb(self) -> int:
        """OS disk size Azure gives this image by default."""
        return 127 if self.os_type == "Windows" else 30


IMAGES: tuple[Image, ...] = (
    Image(
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2012-R2-Datacenter",
        ("9600.21620.231004", "9600.22080.240607"),
        "Windows",
        "Windows Server 2012 R2 Datacenter",
        "6.3.9600",
    ),
    Image(
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2016-Datacenter",
        ("14393.6351.231007", "14393.7070.240608"),
        "Windows",
        "Windows Server 2016 Datacenter",
        "10.0.14393",
    ),
    Image(
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2019-Datacenter",
        ("17763.5122.231109", "17763.5936.240607"),
        "Windows",
        "Windows Server 2019 Datacenter",
        "10.0.17763",
    ),
    Image(
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2022-datacenter",
        ("20348.2113.231109", "20348.2527.240606"),
        "Windows",
        "Windows Server 2022 Datacenter",
        "10.0.20348",
    ),
    Image(
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2022-datacenter-azure-edition",
        ("20348.2527.240606",),
        "Windows",
        "Windows Server 2022 Datacenter: Azure Edition",
        "10.0.20348",
        "V2",
    ),
    Image("Canonical", "UbuntuServer", "18.04-LTS", ("18.04.202305220", "18.04.202306070"), "Linux", "ubuntu", "18.04"),
    Image(
        "Canonical",
        "0001-com-ubuntu-server-jammy",
        "22_04-lts",
        ("22.04.202404080", "22.04.202404290"),
        "Linux",
        "ubuntu",
        "22.04",
    ),
    Image(
        "Canonical",
        "0001-com-ubuntu-server-jammy",
        "22_04-lts-gen2",
        ("22.04.202404290",),
        "Linux",
        "ubuntu",
        "22.04",
        "V2",
    ),
    Image("Canonical", "ubuntu-24_04-lts", "server", ("24.04.202409120",), "Linux", "ubuntu", "24.04", "V2"),
)


def find_image(publisher: str, offer: str, sku: str) -> Image | None:
    """Return the image for publisher/offer/sku (case-insensitive)."""
    wanted = (publisher.lower(), offer.lower(), sku.lower())
    for image in IMAGES:
        if (image.publisher.lower(), image.offer.lower(), image.sku.lower()) == wanted:
            return image
    return None


#: Extension handlers the local Azure knows: (publisher, type) -> type handler versions (major.minor).
EXTENSIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("Microsoft.Powershell", "DSC"): ("2.7", "2.19", "2.26", "2.76", "2.77", "2.80", "2.83"),
    ("Microsoft.Compute", "CustomScriptExtension"): ("1.9", "1.10"),
    ("Microsoft.Compute", "BGInfo"): ("2.1", "2.2"),
    ("Microsoft.Compute", "VMAccessAgent"): ("2.4",),
    ("Microsoft.Azure.Extensions", "CustomScript"): ("2.0", "2.1"),
    ("Microsoft.Azure.Security", "IaaSAntimalware"): ("1.5", "1.6"),
    ("Microsoft.OSTCExtensions", "VMAccessForLinux"): ("1.4", "1.5"),
    ("Microsoft.Azure.Monitor", "AzureMonitorWindowsAgent"): ("1.22", "1.29"),
    ("Microsoft.Azure.Monitor", "AzureMonitorLinuxAgent"): ("1.29", "1.33"),
}


def find_extension(publisher: str, type_: str) -> tuple[str, str, tuple[str, ...]] | None:
    """Return ``(publisher, type, versions)`` in Azure's casing for a handler (case-insensitive), or ``None``."""
    for (pub, ext_type), versions in EXTENSIONS.items():
        if pub.lower() == publisher.lower() and ext_type.lower() == type_.lower():
            return pub, ext_type, versions
    return None
