"""Azure's naming and credential rules, in one place.

The library checks input with these before sending anything (raising :class:`azrm.ValidationError`);
the local Azure applies the same ones on the server side (answering with ARM's errors), so the two
cannot drift apart. Each ``*_problem`` function returns ``None`` for a good value, or the rule the
value breaks, in words.
"""

from __future__ import annotations

import ipaddress
import re

__all__ = [
    "DISALLOWED_PASSWORDS",
    "DISALLOWED_USERNAMES",
    "NETWORK_NAME_LENGTHS",
    "OS_TYPES",
    "cidr_problem",
    "computer_name_problem",
    "key_vault_name_problem",
    "key_vault_secret_name_problem",
    "network_name_problem",
    "password_problem",
    "private_ip_problem",
    "resource_group_name_problem",
    "storage_account_name_problem",
    "tags_problem",
    "username_problem",
    "vm_name_problem",
]

OS_TYPES = ("Windows", "Linux")

#: managed disk SKUs (``storageAccountType``), lower-case -> Azure's spelling
DISK_STORAGE_TYPES = {
    t.lower(): t
    for t in (
        "Standard_LRS",
        "Premium_LRS",
        "StandardSSD_LRS",
        "UltraSSD_LRS",
        "Premium_ZRS",
        "StandardSSD_ZRS",
        "PremiumV2_LRS",
    )
}

DISALLOWED_USERNAMES = frozenset(
    [
        "administrator",
        "admin",
        "user",
        "user1",
        "test",
        "user2",
        "test1",
        "user3",
        "admin1",
        "1",
        "123",
        "a",
        "actuser",
        "adm",
        "admin2",
        "aspnet",
        "backup",
        "console",
        "david",
        "guest",
        "john",
        "owner",
        "root",
        "server",
        "sql",
        "support",
        "support_388945a0",
        "sys",
        "test2",
        "test3",
        "user4",
        "user5",
    ]
)
DISALLOWED_PASSWORDS = frozenset(
    [
        "abc@123",
        "P@$$w0rd",
        "P@ssw0rd",
        "P@ssword123",
        "Pa$$word",
        "pass@word1",
        "Password!",
        "Password1",
        "Password22",
        "iloveyou!",
    ]
)
_VM_NAME_FORBIDDEN = set('\\/"[]:|<>+=;,?*@&')
_WINDOWS_COMPUTER_FORBIDDEN = set("`~!@#$%^&*()=+_[]{}\\|;:.'\",<>/?")
_LINUX_HOST_FORBIDDEN = set("`~!@#$%^&*()=+_[]{}\\|;:'\",<>/?")
_STORAGE_NAME = re.compile(r"^[a-z0-9]{3,24}$")
_RESOURCE_GROUP_NAME = re.compile(r"^[-\w.()]{1,90}$")
_KEY_VAULT_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$")


def storage_account_name_problem(name: str) -> str | None:
    """Check a storage account name: 3-24 characters, lower-case letters and digits only."""
    if not _STORAGE_NAME.match(name):
        return "a storage account name has 3 to 24 characters, lower-case letters and digits only"
    return None


def key_vault_name_problem(name: str) -> str | None:
    """Check a key vault name: 3-24 letters, digits and hyphens, a letter first, no hyphen last, no ``--``."""
    if not _KEY_VAULT_NAME.match(name) or "--" in name:
        return (
            "a key vault name has 3 to 24 letters, digits and hyphens, begins with a letter, ends with a letter "
            "or digit and has no consecutive hyphens"
        )
    return None


_KEY_VAULT_SECRET_NAME = re.compile(r"^[a-zA-Z0-9-]{1,127}$")


def key_vault_secret_name_problem(name: str) -> str | None:
    """Check a Key Vault secret name: 1-127 letters, digits and hyphens (Key Vault's rule for object names)."""
    if not _KEY_VAULT_SECRET_NAME.match(name):
        return "a secret name has 1 to 127 letters, digits and hyphens"
    return None


def resource_group_name_problem(name: str) -> str | None:
    """Check a resource group name: 1-90 letters, digits, '-', '.', '(', ')' or '_', not ending in '.'."""
    if not _RESOURCE_GROUP_NAME.match(name) or name.endswith("."):
        return "a resource group name has 1 to 90 letters, digits, '-', '_', '.', '(' or ')' and does not end in '.'"
    return None


def vm_name_problem(name: str, os_type: str) -> str | None:
    r"""Check a VM name: Windows 1-15 characters, Linux 1-64, none of ``\/"[]:|<>+=;,?*@&``.

    It may not start with '_' nor end with '.' or '-'.
    """
    limit = 15 if os_type == "Windows" else 64
    if not 1 <= len(name) <= limit:
        return f"a {os_type} VM name has 1 to {limit} characters"
    bad = sorted(set(name) & _VM_NAME_FORBIDDEN)
    if bad:
        return f'a VM name cannot contain {"".join(bad)!r} (none of \\/"[]:|<>+=;,?*@&)'
    if name.startswith("_") or name.endswith((".", "-")):
        return "a VM name cannot start with '_' or end with '.' or '-'"
    return None


def computer_name_problem(name: str, os_type: str) -> str | None:
    """Check a computer name: Windows at most 15 characters and not all digits, Linux at most 64."""
    if os_type == "Windows":
        if not name or len(name) > 15 or name.isdigit() or set(name) & _WINDOWS_COMPUTER_FORBIDDEN:
            return (
                "a Windows computer name has 1 to 15 characters, is not entirely numeric, and has none of "
                "` ~ ! @ # $ % ^ & * ( ) = + _ [ ] { } \\ | ; : . ' \" , < > / ?"
            )
    elif not name or len(name) > 64 or set(name) & _LINUX_HOST_FORBIDDEN:
        return (
            "a Linux host name has 1 to 64 characters and none of "
            "` ~ ! @ # $ % ^ & * ( ) = + _ [ ] { } \\ | ; : ' \" , < > / ?"
        )
    return None


def username_problem(user: str, os_type: str) -> str | None:
    """Check an admin user name: Windows at most 20 characters, Linux 64; not ending in '.'; not a reserved name."""
    limit = 20 if os_type == "Windows" else 64
    if not user or len(user) > limit:
        return f"a {os_type} admin user name has 1 to {limit} characters"
    if user.endswith("."):
        return "an admin user name cannot end with '.'"
    if user.lower() in DISALLOWED_USERNAMES:
        return f"{user!r} is a reserved user name Azure refuses (such as admin, administrator, root, guest)"
    if os_type == "Linux" and not re.match(r"^[a-z_][a-z0-9_.-]*$", user, re.IGNORECASE):
        return "a Linux user name starts with a letter or '_' and has letters, digits, '_', '.' or '-'"
    return None


def password_problem(password: str, os_type: str) -> str | None:
    """Check an admin password: Windows 8-123 characters, Linux 6-72.

    It needs three of lower case, upper case, digit and special character, no control characters, and
    must not be one of the common passwords Azure refuses.
    """
    low, high = (8, 123) if os_type == "Windows" else (6, 72)
    classes = sum(
        (
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if not low <= len(password) <= high:
        return f"a {os_type} password has {low} to {high} characters"
    if any(ord(c) < 32 for c in password):
        return "a password cannot contain control characters"
    if classes < 3:
        return (
            "a password has at least three of: a lower-case letter, an upper-case letter, a digit, a special character"
        )
    if password in DISALLOWED_PASSWORDS:
        return "the password is one Azure refuses as too common"
    return None


def cidr_problem(prefix: str) -> str | None:
    """Check an address prefix: CIDR notation, no host bits set (``10.0.0.0/24``, not ``10.0.0.1/24``)."""
    try:
        ipaddress.ip_network(prefix, strict=True)
    except ValueError:
        try:
            loose = ipaddress.ip_network(prefix, strict=False)
        except ValueError:
            return "an address prefix is written in CIDR notation, such as 10.0.0.0/24"
        return f"the address bits after the prefix length must be zero (did you mean {loose}?)"
    return None


#: Microsoft.Network names (learn.microsoft.com, "Naming rules and restrictions for Azure resources"):
#: alphanumerics, '_', '.' and '-', starting with an alphanumeric, ending with an alphanumeric or '_'
NETWORK_NAME_LENGTHS = {
    "virtual network": (2, 64),
    "subnet": (1, 80),
    "network interface": (1, 80),
    "IP configuration": (1, 80),
    "network security group": (1, 80),
    "security rule": (1, 80),
    "public IP address": (1, 80),
    "load balancer": (1, 80),
    "load balancer part": (1, 80),
}
_NETWORK_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$")


def network_name_problem(name: str, kind: str) -> str | None:
    """Check a Microsoft.Network name: its length for ``kind`` (see ``NETWORK_NAME_LENGTHS``) and characters."""
    low, high = NETWORK_NAME_LENGTHS[kind]
    if not low <= len(name) <= high or not _NETWORK_NAME.match(name):
        return (
            f"a {kind} name has {low} to {high} letters, digits, '_', '.' or '-', starts with a letter or digit "
            "and ends with a letter, digit or '_'"
        )
    return None


#: Azure's tag limits (learn.microsoft.com, "Use tags to organize your Azure resources")
MAX_TAGS = 50
MAX_TAG_NAME = 512
MAX_STORAGE_TAG_NAME = 128
MAX_TAG_VALUE = 256
_TAG_NAME_FORBIDDEN = set("<>%&\\?/")


def tags_problem(tags: dict[str, str], *, storage: bool = False) -> str | None:
    r"""Check tags: at most 50; names 1-512 characters (128 on storage accounts) without < > % & \ ? /; values ≤ 256."""
    if len(tags) > MAX_TAGS:
        return f"a resource has at most {MAX_TAGS} tags ({len(tags)} given)"
    limit = MAX_STORAGE_TAG_NAME if storage else MAX_TAG_NAME
    for name, value in tags.items():
        if not 1 <= len(name) <= limit:
            return f"a tag name has 1 to {limit} characters ({name[:20]!r}... has {len(name)})"
        bad = sorted(set(name) & _TAG_NAME_FORBIDDEN)
        if bad:
            return f"a tag name cannot contain {''.join(bad)!r} (none of < > % & \\ ? /): {name!r}"
        if len(value) > MAX_TAG_VALUE:
            return f"a tag value has at most {MAX_TAG_VALUE} characters (tag {name!r} has {len(value)})"
    return None


def private_ip_problem(address: str, subnet_prefixes: list[str]) -> str | None:
    """Check a static private IP: an address inside one of the subnet's prefixes, not one Azure reserves.

    Azure keeps five addresses of every subnet: the network address, the next three (gateway and DNS)
    and the last (broadcast).
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "a private IP address such as 10.0.1.4"
    for prefix in subnet_prefixes:
        try:
            net = ipaddress.ip_network(prefix, strict=False)
        except ValueError:
            continue
        if ip.version == net.version and ip in net:
            offset = int(ip) - int(net.network_address)
            if offset < 4 or ip == net.broadcast_address:
                first, last = net.network_address + 4, net.broadcast_address - 1
                return f"Azure reserves the first four and the last address of {net}: use {first} to {last}"
            return None
    return f"the address lies in its subnet's range ({', '.join(subnet_prefixes)})"


_ISO_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def iso_duration_seconds(text: str) -> float:
    """Seconds in an ISO 8601 duration such as ``PT5M``, ``PT1H30M``, ``P1D`` or ``P1W``.

    Raises ``ValueError`` for anything else (years and months have no fixed length and are refused).
    """
    m = _ISO_DURATION.match(str(text))
    if not m or not any(m.groups()):
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as PT5M")
    weeks, days, hours, minutes = (int(g or 0) for g in m.groups()[:4])
    seconds = float(m.group(5) or 0)
    return weeks * 604800 + days * 86400 + hours * 3600 + minutes * 60 + seconds
