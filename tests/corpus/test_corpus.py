"""The gate of real templates: each manifest entry deployed into the local Azure, two ways.

``rest``: the plain Deployments REST API over the HTTPS server (PUT, then GET until the deployment
ends), linked templates served by a loopback web server as a user would serve a folder.
``library``: ``new_resource_group_deployment`` in-process: a template file (staged by the library when
it links local files), or by URI for ``templateLink`` entries, or inline for ``default`` ones.
Each way checks what the manifest expects; the table is printed at the end of the run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from azrm.emulator import Emulator, EmulatorSettings
from azrm.emulator.azurite import Azurite, BlobPlane
from azrm.emulator.core.server import ArmServer
from azrm.emulator.core.tls import Certificates
from azrm.templates.base import DEPLOYMENT_TYPE
from tests.conftest import LOCATION, Azure, session_on
from tests.corpus.corpus import UNSUPPORTED_CODES, Entry, FolderServer, Row, entries, root_cause

API = "2021-04-01"
ENTRIES = entries()
#: entries that do not end as expected yet, with their root cause (mirrored in docs/local-azure.md)
KNOWN_GAPS: dict[str, str] = {
    "201-vm-custom-script-output": (
        "the template reads what its script printed (split(...instanceView...message, '#DATA#')[1]); the local Azure "
        "downloads extension files but runs no command inside the VM, so there is no output to read"
    ),
    "301-2fe-lb80-rdp-1be-nsg-rdp": (
        "its VMs do not depend on their NICs and succeed on Azure only because the storage account they wait for takes "
        "longer than the NICs; with instant latency the local Azure creates the VMs first and, as Azure would, refuses "
        "the missing NIC (it deploys with --latency realistic: test_timing_dependent_template_deploys_with_latency)"
    ),
}

pytestmark = pytest.mark.skipif(not ENTRIES, reason="the corpus (../shared/corpus) is not beside this checkout")


@pytest.fixture
def emulator(azurite: Azurite) -> Iterator[Emulator]:
    emu = Emulator(EmulatorSettings(), blob=BlobPlane(azurite))
    yield emu
    for record in emu.store.of_type("Microsoft.Storage/storageAccounts"):
        emu.blob.unregister(record.name)
    emu.close()


def _artifacts_location(entry: Entry, server: FolderServer) -> str:
    default = str(entry.template()["parameters"].get("_artifactsLocation", {}).get("defaultValue", ""))
    url = f"{server.url}/{entry.name}"
    return url + "/" if default.endswith("/") else url


def _declared_types(template: dict[str, Any]) -> set[str]:
    return {
        str(r["type"]).lower()
        for r in template.get("resources", [])
        if "condition" not in r and str(r["type"]).lower() != DEPLOYMENT_TYPE.lower()
    }


class Outcome:
    """What a way observed: the final deployment (``None`` when refused) or the refusal."""

    def __init__(
        self, deployment: dict[str, Any] | None, refusal: dict[str, Any] | None = None, request: Any = None
    ) -> None:
        self.deployment = deployment
        self.refusal = refusal
        self.request = request  #: the deployment's properties as sent (to run a what-if of the same)

    @property
    def state(self) -> str:
        if self.deployment is None:
            return f"refused {self.refusal.get('code') if self.refusal else ''}".strip()
        return str(self.deployment["properties"]["provisioningState"])


def _rest(azure: Azure, entry: Entry, server: FolderServer) -> Outcome:
    params = entry.parameters()
    if entry.artifacts == "artifactsLocation":
        params["_artifactsLocation"] = _artifacts_location(entry, server)
    props: dict[str, Any] = {"mode": "Incremental", "parameters": {k: {"value": v} for k, v in params.items()}}
    if entry.artifacts == "templateLink":
        props["templateLink"] = {"uri": f"{server.url}/{entry.name}/azuredeploy.json"}
    else:
        props["template"] = entry.template()
    path = f"/subscriptions/{azure.sub}/resourcegroups/corpus/providers/Microsoft.Resources/deployments/corpus"
    response = azure.raw("PUT", f"{path}?api-version={API}", {"properties": props})
    if response.status_code >= 400:
        return Outcome(None, response.json().get("error") or {})
    assert response.status_code == 201, response.text()
    deadline = time.monotonic() + 120
    while True:
        body = azure.raw("GET", f"{path}?api-version={API}").json()
        if body["properties"]["provisioningState"] in ("Succeeded", "Failed", "Canceled"):
            return Outcome(body, request=props)
        assert time.monotonic() < deadline, f"{entry.name}: still {body['properties']['provisioningState']}"
        time.sleep(0.02)


def _library(azure: Azure, entry: Entry, server: FolderServer) -> Outcome:
    from azrm.errors import DeploymentError

    session = session_on(azure)
    # the parameters file as a user passes it (-TemplateParameterFile), the manifest's values as keywords
    parameters = entry.overrides()
    kwargs: dict[str, Any] = {"name": "corpus"}
    if entry.parameters_file is not None:
        kwargs["template_parameter_file"] = entry.parameters_file
    if entry.artifacts == "templateLink":
        kwargs["template_uri"] = f"{server.url}/{entry.name}/azuredeploy.json"
    elif entry.artifacts == "default":
        kwargs["template_object"] = entry.template()  # inline, _artifactsLocation left at its default
    else:
        kwargs["template_file"] = entry.main  # staged by the library when it links local files
        if entry.artifacts == "artifactsLocation":
            parameters["_artifactsLocation"] = _artifacts_location(entry, server)
    try:
        session.new_resource_group_deployment("corpus", **kwargs, **parameters)
    except DeploymentError:
        pass
    except HttpResponseError as exc:
        error = exc.error
        return Outcome(None, {"code": error.code if error else None, "message": error.message if error else str(exc)})
    finally:
        session.close()
    body = azure.raw(
        "GET",
        f"/subscriptions/{azure.sub}/resourcegroups/corpus/providers/Microsoft.Resources/deployments/corpus?api-version={API}",
    ).json()
    return Outcome(body)


def _problems(azure: Azure, entry: Entry, outcome: Outcome, *, what_if: bool) -> list[str]:
    """Return how the outcome differs from what the manifest expects (empty: as expected)."""
    template = entry.template()
    group = f"/subscriptions/{azure.sub}/resourceGroups/corpus"
    listed = azure.raw("GET", f"{group}/resources?api-version={API}").json().get("value", [])
    if entry.expect == "unsupported":
        if outcome.deployment is not None:
            return [f"not refused: {outcome.state}"]
        refusal = outcome.refusal or {}
        problems = []
        if refusal.get("code") not in UNSUPPORTED_CODES:
            problems.append(f"refused with {refusal.get('code')}: {refusal.get('message')}")
        elif not any(t.lower() in str(refusal.get("message", "")).lower() for t in entry.types_not_modelled):
            problems.append(f"the refusal names none of {entry.types_not_modelled}: {refusal.get('message')}")
        if listed:
            problems.append(f"the group holds {len(listed)} resources after the refusal")
        return problems
    if outcome.deployment is None:
        return [root_cause(outcome.refusal)]
    props = outcome.deployment["properties"]
    if props["provisioningState"] != "Succeeded":
        return [root_cause(props.get("error"))]
    problems = []
    present = {str(r["type"]).lower() for r in listed}
    for output in props.get("outputResources") or []:
        parts = str(output["id"]).split("/providers/", 1)[1].split("/")
        present.add("/".join([parts[0], *parts[1::2]]).lower())
    for missing in sorted(_declared_types(template) - present):
        problems.append(f"no resource of type {missing}")
    outputs = {k.lower() for k in props.get("outputs") or {}}
    for name in template.get("outputs") or {}:
        if name.lower() not in outputs:
            problems.append(f"output {name} missing")
    for resource in props.get("outputResources") or []:
        got = azure.raw("GET", f"{resource['id']}?api-version={_api_for(resource['id'])}")
        if got.status_code != 200:
            problems.append(f"{resource['id']}: GET answers {got.status_code}")
    if what_if and not problems and outcome.request is not None:
        problems += _what_if_changes(azure, outcome.request)
    return problems


def _api_for(resource_id: str) -> str:
    from azrm.emulator.providers.deployments import DeploymentsBackend

    namespace = resource_id.split("/providers/", 1)[1].split("/")[0]
    return DeploymentsBackend.api_version_for(namespace)


def _leaves(delta: dict[str, Any], prefix: str = "") -> str:
    """Return a property change as ``path: before -> after`` (down to the leaves)."""
    path = f"{prefix}.{delta.get('path')}" if prefix else str(delta.get("path"))
    if delta.get("children"):
        return "; ".join(_leaves(c, path) for c in delta["children"])
    return f"{path}: {json.dumps(delta.get('before'))[:80]} -> {json.dumps(delta.get('after'))[:80]}"


def _what_if_changes(azure: Azure, request: dict[str, Any]) -> list[str]:
    """A what-if of the same deployment must change nothing: what the template set is stored as it set it."""
    path = f"/subscriptions/{azure.sub}/resourcegroups/corpus/providers/Microsoft.Resources/deployments/again/whatIf"
    response = azure.raw("POST", f"{path}?api-version={API}", {"properties": request})
    if response.status_code != 202:
        return [f"what-if answered {response.status_code}: {response.text()[:300]}"]
    location = response.headers["Location"]
    result: dict[str, Any] = {}
    for _ in range(100):
        polled = azure.raw("GET", location[location.index("/subscriptions/") :])
        if polled.status_code == 200:
            result = polled.json()
            break
        time.sleep(0.02)
    problems = []
    changes = (result.get("properties") or {}).get("changes") or []
    ids = [str(c.get("resourceId")).lower() for c in changes]
    opaque = any(c.get("changeType") == "Unsupported" for c in changes)
    for change in changes:
        if ids.count(str(change.get("resourceId")).lower()) > 1:
            continue  # declared twice (a nested deployment changes it again): the first is meant to change
        if opaque and change.get("changeType") == "Modify":
            continue  # a nested deployment what-if cannot expand (it needs deployment-time values) may change it
        if change.get("changeType") in ("Create", "Delete", "Modify"):
            paths = [_leaves(d) for d in change.get("delta") or []]
            problems.append(f"what-if after the deployment: {change['changeType']} {change['resourceId']} {paths}")
    return problems


@pytest.mark.parametrize("way", ["rest", "library"])
@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_corpus_entry(
    entry: Entry,
    way: str,
    emulator: Emulator,
    http_server: ArmServer,
    certs: Certificates,
    folder_server: FolderServer,
    request: pytest.FixtureRequest,
) -> None:
    if entry.name in KNOWN_GAPS:
        request.applymarker(pytest.mark.xfail(reason=KNOWN_GAPS[entry.name], strict=True))
    azure = Azure(emulator, "http" if way == "rest" else "inprocess", http_server, str(certs.ca))
    azure.resources.resource_groups.create_or_update("corpus", {"location": LOCATION})
    started = time.monotonic()
    crashed = ""
    try:
        outcome = _rest(azure, entry, folder_server) if way == "rest" else _library(azure, entry, folder_server)
        problems = _problems(azure, entry, outcome, what_if=way == "rest")
        state = outcome.state
    except Exception as exc:  # a crash is a row too, with its cause
        crashed = f"{type(exc).__name__}: {exc}"
        problems, state = [crashed], "crashed"
    row = Row(entry.name, way, entry.category, entry.expect, state, time.monotonic() - started, not problems,
              "; ".join(problems))  # fmt: skip
    request.node.user_properties.append(("corpus_row", row.to_json()))
    assert not problems, "; ".join(problems)


def test_timing_dependent_template_deploys_with_latency(
    azurite: Azurite, folder_server: FolderServer, certs: Certificates, http_server: ArmServer
) -> None:
    """The entry whose VMs race their NICs deploys when operations take Azure's time (on a manual clock)."""
    from azrm.emulator import Latency, ManualClock

    entry = next((e for e in ENTRIES if e.name == "301-2fe-lb80-rdp-1be-nsg-rdp"), None)
    if entry is None:
        pytest.skip("the entry is not in this corpus")
    emu = Emulator(EmulatorSettings(latency=Latency.realistic(), clock=ManualClock()), blob=BlobPlane(azurite))
    try:
        azure = Azure(emu, "inprocess", http_server, str(certs.ca))
        azure.resources.resource_groups.create_or_update("corpus", {"location": LOCATION})
        props = {"mode": "Incremental", "template": entry.template(),
                 "parameters": {k: {"value": v} for k, v in entry.parameters().items()}}  # fmt: skip
        path = f"/subscriptions/{azure.sub}/resourcegroups/corpus/providers/Microsoft.Resources/deployments/corpus"
        assert azure.raw("PUT", f"{path}?api-version={API}", {"properties": props}).status_code == 201
        state = "Running"
        for _ in range(200):  # 200 x 5 s of emulator time at most
            emu.advance(5)
            state = azure.raw("GET", f"{path}?api-version={API}").json()["properties"]["provisioningState"]
            if state in ("Succeeded", "Failed"):
                break
        assert state == "Succeeded"
    finally:
        for record in emu.store.of_type("Microsoft.Storage/storageAccounts"):
            emu.blob.unregister(record.name)
        emu.close()
