"""Template mode: run an imperative azrm script and get the ARM template that does the same.

::

    with azrm.template_session(location="westeurope") as t:
        provision(t)                      # the same script that runs against Azure
        t.save("out/")                    # out/azuredeploy.json, plus DSC archives as artifacts

A :class:`TemplateSession` has every method of :class:`azrm.Session`; its operations reach no Azure.
They run against a private, in-process local Azure (so the objects a script reads back, such as
``vnet.subnets[0].id`` or ``storage.primary_endpoints.blob``, are there) while the session records
the resources the script writes. :attr:`TemplateSession.template` turns the record into a template:

- ids the script passed become ``resourceId()`` expressions, and make ``dependsOn``;
- a storage account's endpoint becomes ``reference(...).primaryEndpoints.blob``;
- secrets (passwords...) become ``secureString`` parameters: the template holds none;
- DSC archives a script publishes are *artifacts*: written next to the template, reached through
  the ``_artifactsLocation`` / ``_artifactsLocationSasToken`` parameters. Deploying the saved
  template with ``new_resource_group_deployment(template_file=...)`` stages them by itself.

What a script only reads (a resource it did not create) is not in the template; nor are changes
made outside the script.
"""

from __future__ import annotations

import datetime
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import _secrets
from .errors import ValidationError
from .progress import Reporter, SilentReporter
from .session import Session
from .templates.local import ARTIFACTS_LOCATION, ARTIFACTS_SAS_TOKEN

__all__ = ["TemplateSession", "template_session"]

_PATH = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/(?P<ns>[^/]+)/(?P<rest>.+)$",
    re.IGNORECASE,
)
_NOT_RECORDED = ("microsoft.resources/deployments",)
_SECRET_KEYS = re.compile(r"password|secret|sastoken|accountkey", re.IGNORECASE)


@dataclass
class RecordedResource:
    """A resource the script wrote: its id, type, the api-version and the body it sent."""

    id: str
    type: str
    api_version: str
    body: dict[str, Any]

    @property
    def resource_group(self) -> str:
        """The resource's group."""
        return self.id.split("/")[4]


class TemplateSession(Session):
    """A session that writes an ARM template instead of changing Azure (see :func:`template_session`)."""

    def __init__(self, *, location: str | None = None, reporter: Reporter | None = None) -> None:
        from .emulator import Emulator, EmulatorSettings, LocalCredential

        emulator = Emulator(EmulatorSettings(), blob=None)
        for provider in emulator.providers:
            handlers = getattr(provider, "handlers", None)
            if isinstance(handlers, dict):
                handlers.clear()  # nothing runs inside VMs here: DSC archives are artifacts, not blobs
        emulator.recorder = self._record
        self._emulator = emulator
        self._resources: dict[str, RecordedResource] = {}
        self._artifacts: dict[str, bytes] = {}
        self._artifact_prefixes: set[str] = set()
        self._artifact_token = "?azrm-artifacts-sas-" + secrets.token_hex(8)
        super().__init__(
            credential=LocalCredential.for_emulator(emulator, "https://azrm.template"),
            subscription_id=emulator.subscription_id,
            arm_endpoint="https://azrm.template",
            credential_scopes=["https://management.azure.com/.default"],
            client_options={"transport": emulator.transport()},
            location=location,
            reporter=reporter if reporter is not None else SilentReporter(),
            cloud_name="template",
        )

    def __repr__(self) -> str:
        groups = sorted({r.resource_group for r in self._resources.values()})
        return f"TemplateSession(resources={len(self._resources)}, resource_groups={groups})"

    # -- recording ----------------------------------------------------------------------------------------
    def _record(self, request: Any, response: Any) -> None:
        if response.status >= 300 or request.method not in ("PUT", "PATCH", "DELETE"):
            return
        match = _PATH.match(request.path)
        if match is None:
            if request.method == "DELETE" and "/resourcegroups/" in request.path.lower():
                group = request.path.lower().rstrip("/")
                for rid in [k for k in self._resources if k.startswith(group + "/")]:
                    del self._resources[rid]
            return
        parts = match["rest"].split("/")
        if len(parts) % 2:
            return  # an action, not a resource
        rtype = f"{match['ns']}/" + "/".join(parts[0::2])
        if rtype.lower() in _NOT_RECORDED:
            return
        answered = response.body.get("type") if isinstance(response.body, dict) else None
        if isinstance(answered, str) and answered.lower() == rtype.lower():
            rtype = answered  # the provider's spelling (the SDK's URL may be lower case)
        types = rtype.split("/")
        tail = "/".join(f"{t}/{n}" for t, n in zip(types[1:], parts[1::2], strict=True))
        rid = f"/subscriptions/{match['sub']}/resourceGroups/{match['rg']}/providers/{types[0]}/{tail}"
        key = rid.lower()
        if request.method == "DELETE":
            for other in [k for k in self._resources if k == key or k.startswith(key + "/")]:
                del self._resources[other]
            return
        body = json.loads(request.body) if request.body else {}
        api = request.query.get("api-version", "")
        if request.method == "PATCH" and key in self._resources:
            _merge_patch(self._resources[key].body, body)
            return
        self._resources.pop(key, None)  # a re-PUT replaces, and moves to the end (after what it now uses)
        self._resources[key] = RecordedResource(rid, rtype, api, body)

    @property
    def recorded(self) -> list[RecordedResource]:
        """The resources recorded so far, in the order the script wrote them."""
        return list(self._resources.values())

    @property
    def emulator(self) -> Any:
        """The private local Azure the operations run against."""
        return self._emulator

    # -- DSC: archives become artifacts ------------------------------------------------------------------
    def publish_archive(
        self,
        resource_group_name: str,
        archive: Any,
        *,
        storage_account_name: str,
        container_name: str = "windows-powershell-dsc",
        force: bool = False,
        step: str | None = None,
    ) -> str:
        """Keep a DSC archive as an artifact of the template (nothing is uploaded); returns its URL."""
        account = self.get_storage_account(resource_group_name, storage_account_name)
        prefix = f"{account.primary_endpoints.blob}{container_name}"
        known = self._artifacts.get(archive.name)
        if known is not None and known != archive.data and not force:
            raise ValidationError(
                "configuration_path", archive.name, "another archive of that name is already an artifact; "
                "give force=True to replace it"
            )  # fmt: skip
        self._artifacts[archive.name] = archive.data
        self._artifact_prefixes.add(prefix)
        self._remember_archive(resource_group_name, storage_account_name, container_name, archive)
        return f"{prefix}/{archive.name}"

    def _check_published(
        self, resource_group_name: str, account: str, container: str, blob_name: str, configuration_name: str
    ) -> None:
        """Check an archive this template carries; one it does not is published elsewhere and not read here."""
        where = f"{account}/{container}/{blob_name}".lower()
        if self._recall("dsc-archive", resource_group_name, where) is not None:
            super()._check_published(resource_group_name, account, container, blob_name, configuration_name)

    def _sas(self, account_key: str, account: str, container: str, blob: str, lifetime: datetime.timedelta) -> str:
        """Stand in for the artifacts' SAS: it is a parameter of the template."""
        return self._artifact_token

    # -- the template ---------------------------------------------------------------------------------
    @property
    def template(self) -> dict[str, Any]:
        """The template of what the script created (in its one resource group)."""
        return self.template_for()

    def template_for(self, resource_group_name: str | None = None) -> dict[str, Any]:
        """Return the template of the resources the script created in ``resource_group_name``.

        Without a name, the script must have created resources in exactly one group.
        """
        from .templates.writer import Prefix, WrittenResource, literal, strip_read_only, write_template

        group = self._group(resource_group_name)
        chosen = [r for r in self._resources.values() if r.resource_group.lower() == group.lower()]
        location = None
        try:
            location = self.resource_client.resource_groups.get(group).location
        except Exception:  # the group was only read, never made here: regions stay as written
            location = None
        written = [WrittenResource(r.id, r.type, r.api_version, strip_read_only(r.type, r.body)) for r in chosen]
        prefixes = [Prefix(p, f"parameters({literal(ARTIFACTS_LOCATION)})") for p in self._artifact_prefixes]
        for resource in chosen:
            if resource.type.lower() == "microsoft.storage/storageaccounts":
                name = resource.id.rsplit("/", 1)[-1]
                endpoint = self.storage_client.storage_accounts.get_properties(group, name).primary_endpoints.blob
                expression = (
                    f"reference(resourceId('Microsoft.Storage/storageAccounts', {literal(name)})).primaryEndpoints.blob"
                )
                prefixes.append(Prefix(endpoint, expression, resource.id))
        if any(r.type.lower() == "microsoft.keyvault/vaults" for r in chosen):
            # a vault names its tenant (and its policies'): the deploying subscription's, not the local one
            prefixes.append(Prefix(self._tenant_id(), "subscription().tenantId"))
        secret_names = self._secret_parameters(chosen)
        extra: dict[str, dict[str, Any]] = {}
        if self._artifacts:
            extra[ARTIFACTS_LOCATION] = {
                "type": "string",
                "metadata": {"description": "Where the artifacts (DSC archives) are: staged by azrm's "
                             "new_resource_group_deployment, or give a URL without a trailing slash."},
            }  # fmt: skip
        return write_template(written, secrets=secret_names, prefixes=prefixes, location=location,
                              extra_parameters=extra)  # fmt: skip

    def _group(self, resource_group_name: str | None) -> str:
        groups = sorted({r.resource_group for r in self._resources.values()}, key=str.lower)
        if resource_group_name is not None:
            return resource_group_name
        if len(groups) != 1:
            raise ValidationError(
                "resource_group_name",
                None,
                f"the script created resources in {len(groups)} groups ({', '.join(groups) or 'none'}); "
                "name the one to write (template_for(name))",
            )
        return groups[0]

    def _secret_parameters(self, resources: list[RecordedResource]) -> dict[str, str]:
        """Secret value -> parameter name, for every secret in the recorded bodies."""
        found: dict[str, str] = {self._artifact_token: ARTIFACTS_SAS_TOKEN}
        used: dict[str, str] = {}
        for resource in resources:
            owner = resource.id.rsplit("/", 1)[-1]
            for key, value in _leaves(resource.body):
                if value in found or not (_secrets.is_registered(value) or _SECRET_KEYS.search(key)):
                    continue
                name = key
                if used.get(name, value) != value:
                    name = re.sub(r"[^A-Za-z0-9_]", "_", f"{owner}_{key}")
                used[name] = value
                found[value] = name
        return found

    def save(self, path: str | Path) -> Path:
        """Write the template (and its artifacts next to it); returns the template file's path.

        ``path`` is a directory (the template is ``azuredeploy.json`` in it) or a ``.json`` file.
        """
        target = Path(path)
        if target.suffix.lower() != ".json":
            target = target / "azuredeploy.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.template, indent=2) + "\n", encoding="utf-8")
        for name, data in self._artifacts.items():
            (target.parent / name).write_bytes(data)
        return target

    def close(self) -> None:
        """Close the clients and the private local Azure."""
        super().close()
        self._emulator.close()


def template_session(location: str | None = "westeurope", *, reporter: Reporter | None = None) -> TemplateSession:
    """Return a :class:`TemplateSession`: the script's operations write a template instead of changing Azure.

    >>> with azrm.template_session() as t:
    ...     t.new_resource_group("rg1", "westeurope")
    ...     t.new_public_ip_address("rg1", "ip1")
    ...     template = t.template
    """
    return TemplateSession(location=location, reporter=reporter)


def _merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge_patch(target[key], value)
        else:
            target[key] = value


def _leaves(node: Any, key: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):  # a Key Vault access policy's "permissions" are names ("secrets": ["get"]), not secrets
        return [leaf for k, v in node.items() if k != "permissions" for leaf in _leaves(v, k)]
    if isinstance(node, list):
        return [leaf for v in node for leaf in _leaves(v, key)]
    return [(key, node)] if isinstance(node, str) else []
