"""Azure Container Instances' rules for names, images, resources and ports, in one place.

Like :mod:`azrm.rules`, each ``*_problem`` function returns ``None`` for a good value, or the rule the
value breaks, in words; the builders in :mod:`azrm.builders.containers` raise
:class:`azrm.ValidationError` with it, and the local Azure may apply the same ones.

Where each rule comes from:

- container group names: 1-63 lowercase letters, digits and '-', not starting or ending with '-', no
  '--' (the ARM docs for ``containerGroupName``; the Cloud Adoption Framework's naming table).
- container names: ACI's own message, "no more than 63 characters and must match the regex
  '[a-z0-9]([-a-z0-9]*[a-z0-9])?'" (a DNS-1123 label: unlike group names, '--' is allowed).
- DNS name labels: ACI's message, "only lowercase letters, numbers and hyphens. The first character
  must be a letter. The last character must be a letter or number. ... between 5 and 63 characters".
- images: the Docker reference grammar (``distribution/reference``): ``[domain[:port]/]path[:tag][@digest]``.
- memory: ACI refuses memory that is not a multiple of 0.1 GB; a limit below its request
  (``ResourceLimitsLessThanRequests``).
- CPU and memory ceilings: 4 cores and 16 GB per container group is the standard limit in most
  regions; ``Get-AzContainerInstanceCapability`` lists what a region allows (some allow more).
"""

from __future__ import annotations

import base64
import binascii
import math
import re

__all__ = [
    "CONTAINER_OS_TYPES",
    "CONTAINER_PROTOCOLS",
    "CONTAINER_SKUS",
    "IP_ADDRESS_TYPES",
    "MAX_CPU",
    "MAX_MEMORY_IN_GB",
    "RESTART_POLICIES",
    "base64_problem",
    "container_group_name_problem",
    "container_name_problem",
    "cpu_problem",
    "dns_name_label_problem",
    "environment_variable_name_problem",
    "image_problem",
    "memory_in_gb_problem",
    "port_problem",
    "registry_server_problem",
]

#: the spellings Azure uses, looked up case-insensitively (lower case -> Azure's)
CONTAINER_PROTOCOLS = {"tcp": "TCP", "udp": "UDP"}
CONTAINER_OS_TYPES = {"linux": "Linux", "windows": "Windows"}
RESTART_POLICIES = {"always": "Always", "onfailure": "OnFailure", "never": "Never"}
IP_ADDRESS_TYPES = {"public": "Public", "private": "Private"}
CONTAINER_SKUS = {"standard": "Standard", "dedicated": "Dedicated", "confidential": "Confidential"}

#: the standard per-group ceiling in most regions (Get-AzContainerInstanceCapability lists a region's)
MAX_CPU = 4.0
MAX_MEMORY_IN_GB = 16.0

_GROUP_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_CONTAINER_NAME = re.compile(r"^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$")
_DNS_LABEL = re.compile(r"^[a-z][a-z0-9-]{3,61}[a-z0-9]$")

# The Docker reference grammar (github.com/distribution/reference, regexp.go).
_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_PATH = re.compile(rf"^{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*$")
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(rf"^(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$")
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")
_NAME_MAX = 255


def container_group_name_problem(name: str) -> str | None:
    """Check a container group name: 1-63 lowercase letters, digits and '-', no '-' at either end, no '--'."""
    if not isinstance(name, str) or not _GROUP_NAME.match(name) or "--" in name:
        return (
            "a container group name has 1 to 63 lowercase letters, digits and '-', "
            "does not start or end with '-', and has no '--'"
        )
    return None


def container_name_problem(name: str) -> str | None:
    """Check a container name: at most 63 characters matching ``[a-z0-9]([-a-z0-9]*[a-z0-9])?``."""
    if not isinstance(name, str) or len(name) > 63 or not _CONTAINER_NAME.match(name):
        return (
            "a container name has 1 to 63 lowercase letters, digits and '-' "
            "and starts and ends with a letter or digit (such as 'my-app')"
        )
    return None


def dns_name_label_problem(label: str) -> str | None:
    """Check a DNS name label: 5-63 lowercase letters, digits and '-', starting with a letter."""
    if not isinstance(label, str) or not _DNS_LABEL.match(label):
        return (
            "a DNS name label has 5 to 63 lowercase letters, digits and '-', "
            "starts with a letter and ends with a letter or digit"
        )
    return None


def _split_domain(name: str) -> tuple[str | None, str]:
    """Split ``[domain/]path`` the way Docker does: the first part is a domain if it looks like one."""
    first, slash, rest = name.partition("/")
    if slash and (any(c in first for c in ".:") or first == "localhost" or first.lower() != first):
        return first, rest
    return None, name


def image_problem(image: str) -> str | None:
    """Check an image reference: ``[registry[:port]/]path[:tag][@digest]`` (the Docker grammar).

    Path components are lowercase letters and digits joined by '.', '_', '__' or dashes; a tag has
    at most 128 of ``[A-Za-z0-9_.-]`` and does not start with '.' or '-'; a digest is
    ``algorithm:hex`` with at least 32 hex digits.
    """
    if not isinstance(image, str) or not image or image != image.strip():
        return "give an image such as nginx, nginx:1.27 or myregistry.azurecr.io/team/app:v1"
    rest, at, digest = image.partition("@")
    if at and not _DIGEST.match(digest):
        return f"the digest {digest!r} is not algorithm:hex with at least 32 hex digits (such as sha256:<64 hex>)"
    domain, remainder = _split_domain(rest)
    path, tag = remainder, None
    if ":" in remainder:
        path, _, tag = remainder.rpartition(":")
    if domain is not None and not _DOMAIN.match(domain):
        return f"the registry {domain!r} is not a host name with an optional port (such as myregistry.azurecr.io)"
    if tag is not None and not _TAG.match(tag):
        return f"the tag {tag!r} has 1 to 128 letters, digits, '_', '.' or '-' and does not start with '.' or '-'"
    if not path:
        return "the image needs a repository path (such as library/nginx)"
    if path.lower() != path and _PATH.match(path.lower()):
        return "the repository path must be lowercase"
    if not _PATH.match(path):
        return (
            f"the repository path {path!r} is lowercase letters and digits in '/'-separated components, "
            "each joined only by '.', '_', '__' or '-'"
        )
    if len(rest) - (len(tag) + 1 if tag is not None else 0) > _NAME_MAX:
        return f"the image name (registry and path) has at most {_NAME_MAX} characters"
    return None


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def cpu_problem(cpu: float, *, maximum: float = MAX_CPU) -> str | None:
    """Check a CPU count: a number above 0 and at most ``maximum`` cores."""
    if not _is_number(cpu) or cpu <= 0:
        return "CPU is a number of cores above 0, such as 0.5, 1 or 2"
    if cpu > maximum:
        return (
            f"a container group has at most {maximum:g} CPU cores in most regions "
            "(Get-AzContainerInstanceCapability lists a region's limits)"
        )
    return None


def memory_in_gb_problem(memory_in_gb: float, *, maximum: float = MAX_MEMORY_IN_GB) -> str | None:
    """Check memory in GB: above 0, a multiple of 0.1 GB, at most ``maximum``."""
    if not _is_number(memory_in_gb) or memory_in_gb <= 0:
        return "memory is a number of GB above 0, such as 0.5, 1.5 or 4"
    if abs(memory_in_gb * 10 - round(memory_in_gb * 10)) > 1e-6:
        return "memory is given in steps of 0.1 GB (such as 1.5, not 1.25)"
    if memory_in_gb > maximum:
        return (
            f"a container group has at most {maximum:g} GB of memory in most regions "
            "(Get-AzContainerInstanceCapability lists a region's limits)"
        )
    return None


def port_problem(port: int) -> str | None:
    """Check a port number: an integer from 1 to 65535."""
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        return "a port is a whole number from 1 to 65535"
    return None


def environment_variable_name_problem(name: str) -> str | None:
    """Check an environment variable name: not empty, no '=' and no NUL character."""
    if not isinstance(name, str) or not name.strip() or "=" in name or "\0" in name:
        return "an environment variable name is not empty and has no '=' (such as APP_MODE)"
    return None


def registry_server_problem(server: str) -> str | None:
    """Check an image registry server: a host name with an optional port, no scheme or path."""
    if not isinstance(server, str) or not _DOMAIN.match(server):
        return "a registry server is a host name with an optional port, such as myregistry.azurecr.io (no https://)"
    return None


def base64_problem(value: str) -> str | None:
    """Check that a secret volume's value is base64 text, as Azure stores it."""
    try:
        base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return "a secret volume value is base64 text; pass bytes to have azrm encode it"
    return None
