"""What ACI refuses in a container group's body, with its codes and messages (and where secrets go).

Sources: docs/research/container-instances.md (real answers quoted in issues and recordings). Codes
marked there as not confirmed are the local Azure's choice; the messages are Azure's.
"""

from __future__ import annotations

import copy
import json
import ssl
import urllib.error
import urllib.request
from base64 import b64encode
from typing import Any

from ....container_rules import container_name_problem, dns_name_label_problem
from ...core.errors import ArmError
from ...core.store import Record
from ..base import Provider
from .runtime import split_image

GROUP_TYPE = "Microsoft.ContainerInstance/containerGroups"
#: what ACI allows one group in most regions (Location_ListCapabilities has the per-region figures)
MAX_GROUP_CPU = 4.0
MAX_GROUP_MEMORY_GB = 16.0


class GroupRules(Provider):
    """The checks of a container group's PUT (a mixin of the backend)."""

    def _normalize(self, name: str, props_in: dict[str, Any], location: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Check a group's properties as ACI does; return them without secrets, and the secrets."""
        props = copy.deepcopy(props_in)
        secrets: dict[str, Any] = {"secureEnv": {}, "secretVolumes": {}, "registryPasswords": {}, "other": {}}
        containers = props.get("containers")
        if not isinstance(containers, list) or not containers:
            raise ArmError(
                400,
                "InvalidContainerGroupContainers",
                f"The container group '{name}' must have at least one container.",
            )
        os_type = next((v for v in ("Linux", "Windows") if str(props.get("osType", "")).lower() == v.lower()), None)
        if os_type is None:
            raise ArmError(
                400,
                "InvalidOsType",
                f"The 'osType' for container group '{props.get('osType') or '<null>'}' is invalid. "
                "The value must be one of 'Windows,Linux'.",
            )
        # enums are kept as sent (what-if compares what the template set) and read case-insensitively
        total_cpu = total_memory = 0.0
        for kind in ("containers", "initContainers"):
            for container in props.get(kind) or []:
                cname = str(container.get("name", ""))
                if container_name_problem(cname) is not None:
                    raise ArmError(
                        400,
                        "InvalidContainerName",
                        f"The container name '{cname}' in container group '{name}' is invalid. The container name "
                        "must contain no more than 63 characters and must match the regex "
                        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?' (e.g. 'my-name').",
                    )
                cprops = container.setdefault("properties", {})
                env_out = []
                for item in cprops.get("environmentVariables") or []:
                    if item.get("secureValue") is not None:
                        key = cname if kind == "containers" else f"init:{cname}"
                        secrets["secureEnv"].setdefault(key, {})[str(item["name"])] = str(item["secureValue"])
                        env_out.append({"name": item["name"]})
                    else:
                        env_out.append(item)
                cprops["environmentVariables"] = env_out
                if kind == "containers":
                    cpu, memory = self._resources(name, cname, cprops)
                    total_cpu += cpu
                    total_memory += memory
        self._limits_within_group(name, props, total_cpu, total_memory)
        if total_cpu > MAX_GROUP_CPU or total_memory > MAX_GROUP_MEMORY_GB:
            raise ArmError(
                409,
                "ServiceUnavailable",
                f"The requested resource is not available in the location '{location}' at this moment. Please retry "
                "with a different resource request or in another location. Resource requested: "
                f"'{total_cpu:g}' CPU '{total_memory:g}' GB memory '{props.get('osType', 'Linux')}' OS",
            )
        ip = props.get("ipAddress")
        if isinstance(ip, dict):
            if not ip.get("ports"):
                raise ArmError(
                    400,
                    "MissingIpAddressPorts",
                    f"The ports in the 'ipAddress' of container group '{name}' cannot be empty.",
                )
            for port in ip["ports"]:
                port.setdefault("protocol", "TCP")
            label = ip.get("dnsNameLabel")
            if label and dns_name_label_problem(str(label)) is not None:
                raise ArmError(
                    400,
                    "InvalidDnsNameLabel",
                    f"The DNS name label '{label}' in container group '{name}' is invalid. It can contain only "
                    "lowercase letters, numbers and hyphens. The first character must be a letter. The last "
                    "character must be a letter or number. The value must be between 5 and 63 characters long.",
                )
        for volume in props.get("volumes") or []:
            vname = str(volume.get("name"))
            if volume.get("secret") is not None:
                secrets["secretVolumes"][vname] = dict(volume["secret"])
                volume["secret"] = {}
            azure_file = volume.get("azureFile")
            if isinstance(azure_file, dict) and "storageAccountKey" in azure_file:
                secrets["other"][f"volume:{vname}"] = azure_file.pop("storageAccountKey")
        for cred in props.get("imageRegistryCredentials") or []:
            if "password" in cred:
                secrets["registryPasswords"][str(cred.get("server", "")).lower()] = cred.pop("password")
        for index, extension in enumerate(props.get("extensions") or []):
            eprops = extension.get("properties") if isinstance(extension, dict) else None
            if isinstance(eprops, dict) and "protectedSettings" in eprops:
                secrets["other"][f"extension:{index}"] = eprops.pop("protectedSettings")
        analytics = (props.get("diagnostics") or {}).get("logAnalytics")
        if isinstance(analytics, dict) and "workspaceKey" in analytics:
            secrets["other"]["workspaceKey"] = analytics.pop("workspaceKey")
        return props, secrets

    @staticmethod
    def _resources(group: str, cname: str, cprops: dict[str, Any]) -> tuple[float, float]:
        resources = cprops.get("resources") or {}
        requests = resources.get("requests") or {}
        limits = resources.get("limits") or {}
        missing = [label for key, label in (("memoryInGB", "MemoryInGB"), ("cpu", "Cpu")) if requests.get(key) is None]
        if len(missing) == 2:
            raise ArmError(
                400,
                "ResourceRequestsNotSpecified",
                f"The resource requests are not specified in container '{cname}' of contain group '{group}'. "
                "Both memory and CPU requests are required since API version '2017-07-01-preview'.",
            )
        if missing:
            raise ArmError(
                400,
                "ResourceSomeRequestsNotSpecified",
                f"The '{missing[0]}' request is not specified in container '{cname}' of contain group '{group}'. "
                "It is required since API version '2017-07-01-preview'.",
            )
        try:
            cpu = float(requests["cpu"])
            memory = float(requests["memoryInGB"])
        except (TypeError, ValueError):
            raise ArmError(
                400,
                "InvalidRequestContent",
                f"The resource requests of container '{cname}' in container group '{group}' are not numbers.",
            ) from None
        for key, value in (("cpu", cpu), ("memoryInGB", memory)):
            if key in requests:
                requests[key] = float(requests[key])
            if key in limits:
                limits[key] = float(limits[key])
                if limits[key] < value:
                    label = "Cpu" if key == "cpu" else "MemoryInGB"
                    raise ArmError(
                        400,
                        "ResourceLimitsLessThanRequests",
                        f"The resource requirement '{json.dumps(resources, separators=(',', ':'))}' in container "
                        f"'{cname}' of contain group '{group}' is invalid. The '{label}' limit value must be greater "
                        "than or equal to the request value.",
                    )
        return cpu, memory

    @staticmethod
    def _limits_within_group(name: str, props: dict[str, Any], cpu: float, memory: float) -> None:
        for container in props.get("containers") or []:
            limits = ((container.get("properties") or {}).get("resources") or {}).get("limits") or {}
            for key, total, label in (("cpu", cpu, "Cpu"), ("memoryInGB", memory, "MemoryInGB")):
                if key in limits and float(limits[key]) > total:
                    raise ArmError(
                        400,
                        "ContainerLimitGreaterThanContainerGroupTotalRequest",
                        f"The '{label}' limit '{float(limits[key]):g}' in container '{container.get('name')}' is "
                        f"greater than the total request '{total:g}' of container group '{name}'.",
                    )

    @staticmethod
    def _check_update(existing: Record, props: dict[str, Any], name: str) -> None:
        """Refuse what ACI cannot change in place (it asks to delete and create again)."""
        old = existing.properties

        def requests(p: dict[str, Any]) -> dict[str, tuple[float, float]]:
            out = {}
            for c in p.get("containers") or []:
                r = ((c.get("properties") or {}).get("resources") or {}).get("requests") or {}
                out[str(c.get("name"))] = (float(r.get("cpu") or 0), float(r.get("memoryInGB") or 0))
            return out

        old_requests, new_requests = requests(old), requests(props)
        changed = (
            str(old.get("osType")).lower() != str(props.get("osType")).lower()
            or str(old.get("restartPolicy") or "Always").lower() != str(props.get("restartPolicy") or "Always").lower()
            or any(new_requests[c] != old_requests[c] for c in new_requests.keys() & old_requests.keys())
        )
        if changed:
            raise ArmError(
                400,
                "InvalidContainerGroupUpdate",
                f"The updates on container group '{name}' are invalid. If you are going to update the os type, restart "
                "policy, network profile, CPU, memory or GPU resources for a container group, you must delete it first "
                "and then create a new one.",
            )

    def _dns_label_taken(self, record_id: str, location: str, label: str, group: str) -> None:
        for other in self.store.of_type(GROUP_TYPE):
            if other.key == record_id.lower() or other.location != location:
                continue
            if str((other.properties.get("ipAddress") or {}).get("dnsNameLabel", "")).lower() == label.lower():
                raise ArmError(
                    400,
                    "DnsNameLabelNotAvailable",
                    f"The DNS name label '{label}' in container group '{group}' not available. Try using a "
                    "different label.",
                )

    def _check_images(self, name: str, props: dict[str, Any], secrets: dict[str, Any]) -> None:
        """Refuse, as ACI does, an image of a reachable (local) registry that is missing or not allowed."""
        plane = self.emu.containers
        if plane is None:
            return
        creds = {str(c.get("server", "")).lower(): c for c in props.get("imageRegistryCredentials") or []}
        for kind in ("initContainers", "containers"):
            for container in props.get(kind) or []:
                image = str((container.get("properties") or {}).get("image", ""))
                host, rest = split_image(image)
                local = plane.registry_for_host(host) if host else None
                if local is None:
                    continue
                cred = creds.get(str(host).lower())
                if cred and cred.get("identity") and not cred.get("username"):
                    continue  # a managed identity: not something this machine can check; pulled as the service
                user = str(cred.get("username", "")) if cred else ""
                password = secrets["registryPasswords"].get(str(host).lower(), "")
                if not _manifest_exists(local[1].address, rest, user, password, plane.certs.ca):
                    raise ArmError(
                        400,
                        "InaccessibleImage",
                        f"The image '{image}' in container group '{name}' is not accessible. Please check the image "
                        "and registry credential.",
                    )


def _manifest_exists(address: str, reference: str, user: str, password: str, ca: str) -> bool:
    """Ask a local registry for an image's manifest with the given credentials (a real pull's first step)."""
    name, _, digest = reference.partition("@")
    repo, tag = name, "latest"
    if ":" in name.rsplit("/", 1)[-1]:
        repo, _, tag = name.rpartition(":")
    if digest:
        tag = digest  # repo[:tag]@digest: the digest decides
    url = f"https://{address}/v2/{repo}/manifests/{tag}"
    request = urllib.request.Request(url, method="HEAD")
    request.add_header(
        "Accept",
        "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, "
        "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json",
    )
    if user:
        request.add_header("Authorization", "Basic " + b64encode(f"{user}:{password}".encode()).decode())
    context = ssl.create_default_context(cafile=ca)
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False
