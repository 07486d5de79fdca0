"""Microsoft.Resources through the real SDK: subscriptions, groups, generic listing, errors."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.core.pipeline.policies import HeadersPolicy
from azure.mgmt.resource.subscriptions import SubscriptionClient

from tests.conftest import LOCATION, Azure, make_group, make_nic, make_vnet


def test_subscription_and_locations(azure: Azure) -> None:
    client = azure.client(SubscriptionClient)
    subs = list(client.subscriptions.list())
    assert [s.subscription_id for s in subs] == [azure.sub]
    sub = client.subscriptions.get(azure.sub)
    assert sub.state == "Enabled"
    assert sub.tenant_id == azure.emu.tenant_id
    locations = {loc.name: loc.display_name for loc in client.subscriptions.list_locations(azure.sub)}
    assert locations["westeurope"] == "West Europe"
    assert "eastus" in locations


def test_unknown_subscription_is_404(azure: Azure) -> None:
    from azure.mgmt.resource.resources import ResourceManagementClient

    other = ResourceManagementClient(
        azure.credential(), "00000000-0000-0000-0000-000000000001", **azure.client_kwargs()
    )
    with pytest.raises(ResourceNotFoundError) as err:
        other.resource_groups.get("rg")
    assert err.value.error.code == "SubscriptionNotFound"


def test_resource_group_create_update_get(azure: Azure) -> None:
    created = azure.resources.resource_groups.create_or_update(
        "KNRGTest01", {"location": "West Europe", "tags": {"env": "dev"}}
    )
    assert created.id == f"/subscriptions/{azure.sub}/resourceGroups/KNRGTest01"
    assert created.location == "westeurope"
    assert created.type == "Microsoft.Resources/resourceGroups"
    assert created.properties.provisioning_state == "Succeeded"
    assert created.tags == {"env": "dev"}
    updated = azure.resources.resource_groups.create_or_update(
        "KNRGTest01", {"location": "westeurope", "tags": {"env": "prod"}}
    )
    assert updated.tags == {"env": "prod"}
    # ARM names are case-insensitive.
    assert azure.resources.resource_groups.get("knrgtest01").name == "KNRGTest01"
    assert azure.resources.resource_groups.check_existence("KNRGTEST01") is True
    assert azure.resources.resource_groups.check_existence("nope") is False


def test_resource_group_status_codes(azure: Azure) -> None:
    seen: list[int] = []

    def record(response: object) -> None:
        seen.append(response.http_response.status_code)  # type: ignore[attr-defined]

    azure.resources.resource_groups.create_or_update("rg", {"location": LOCATION}, raw_response_hook=record)
    azure.resources.resource_groups.create_or_update("rg", {"location": LOCATION}, raw_response_hook=record)
    assert seen == [201, 200]


def test_resource_group_patch_tags(azure: Azure) -> None:
    make_group(azure)
    patched = azure.resources.resource_groups.update("rg1", {"tags": {"owner": "ops"}})
    assert patched.tags == {"owner": "ops"}


def test_resource_group_errors(azure: Azure) -> None:
    with pytest.raises(ResourceNotFoundError) as err:
        azure.resources.resource_groups.get("missing")
    assert err.value.error.code == "ResourceGroupNotFound"
    assert err.value.response.headers["x-ms-failure-cause"] == "gateway"

    with pytest.raises(HttpResponseError) as err:
        azure.resources.resource_groups.create_or_update("bad name!", {"location": LOCATION})
    assert err.value.error.code == "InvalidResourceGroup"
    assert "'!'" in err.value.error.message or "' !'" in err.value.error.message

    with pytest.raises(HttpResponseError) as err:
        azure.resources.resource_groups.create_or_update("rg", {"location": "atlantis"})
    assert err.value.error.code == "LocationNotAvailableForResourceGroup"

    make_group(azure, "rg")
    with pytest.raises(HttpResponseError) as err:
        azure.resources.resource_groups.create_or_update("rg", {"location": "eastus"})
    assert err.value.status_code == 409
    assert err.value.error.code == "InvalidResourceGroupLocation"


def test_resource_in_missing_group(azure: Azure) -> None:
    with pytest.raises(ResourceNotFoundError) as err:
        azure.network.public_ip_addresses.begin_create_or_update("ghost", "pip", {"location": LOCATION})
    assert err.value.error.code == "ResourceGroupNotFound"


def test_delete_group_cascades(azure: Azure) -> None:
    make_group(azure)
    make_group(azure, "keep")
    vnet = make_vnet(azure)
    make_nic(azure, vnet.subnets[0].id)
    azure.network.public_ip_addresses.begin_create_or_update("keep", "pip", {"location": LOCATION}).result()
    azure.resources.resource_groups.begin_delete("rg1").result()
    assert azure.resources.resource_groups.check_existence("rg1") is False
    remaining = [r.id for r in azure.resources.resources.list()]
    assert remaining == [azure.rid("keep", "Microsoft.Network/publicIPAddresses", "pip")]


def test_delete_missing_group_is_404(azure: Azure) -> None:
    with pytest.raises(ResourceNotFoundError) as err:
        azure.resources.resource_groups.begin_delete("never-was").result()
    assert err.value.error.code == "ResourceGroupNotFound"


def test_list_resources_and_filters(azure: Azure) -> None:
    make_group(azure)
    make_vnet(azure)
    azure.network.public_ip_addresses.begin_create_or_update(
        "rg1", "pip1", {"location": LOCATION, "tags": {"tier": "web"}}
    ).result()
    names = sorted(r.name for r in azure.resources.resources.list_by_resource_group("rg1"))
    assert names == ["pip1", "vnet1"]
    only_pips = list(
        azure.resources.resources.list_by_resource_group(
            "rg1", filter="resourceType eq 'Microsoft.Network/publicIPAddresses'"
        )
    )
    assert [r.name for r in only_pips] == ["pip1"]
    tagged = list(azure.resources.resources.list(filter="tagName eq 'tier' and tagValue eq 'web'"))
    assert [r.name for r in tagged] == ["pip1"]
    groups = list(azure.resources.resource_groups.list())
    assert [g.name for g in groups] == ["rg1"]


def test_providers_are_registered(azure: Azure) -> None:
    network = azure.resources.providers.get("Microsoft.Network")
    assert network.registration_state == "Registered"
    types = {t.resource_type for t in network.resource_types}
    assert {"virtualNetworks", "networkInterfaces", "publicIPAddresses"} <= types
    namespaces = {p.namespace for p in azure.resources.providers.list()}
    assert {"Microsoft.Compute", "Microsoft.Network", "Microsoft.Storage", "Microsoft.Resources"} <= namespaces
    assert azure.resources.providers.register("Microsoft.Compute").registration_state == "Registered"


def test_unemulated_type_and_namespace(azure: Azure) -> None:
    make_group(azure)
    base = f"/subscriptions/{azure.sub}/resourceGroups/rg1/providers"
    response = azure.raw("GET", f"{base}/Microsoft.Network/applicationGateways/ag?api-version=2024-05-01")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidResourceType"
    response = azure.raw("GET", f"{base}/Microsoft.Nope/things/x?api-version=2024-05-01")
    assert response.json()["error"]["code"] == "InvalidResourceNamespace"


def test_api_version_is_required(azure: Azure) -> None:
    response = azure.raw("GET", f"/subscriptions/{azure.sub}/resourcegroups")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MissingApiVersionParameter"
    response = azure.raw("GET", f"/subscriptions/{azure.sub}/resourcegroups?api-version=yesterday")
    assert response.json()["error"]["code"] == "InvalidApiVersionParameter"


def test_requests_need_a_bearer_token(azure: Azure) -> None:
    from azure.core.pipeline import Pipeline
    from azure.core.rest import HttpRequest

    # A pipeline without the authentication policy, as a hand-written client would send.
    kwargs = azure.client_kwargs()
    transport = kwargs.get("transport")
    if transport is None:
        from azure.core.pipeline.transport import RequestsTransport

        transport = RequestsTransport(connection_verify=kwargs["connection_verify"])
    pipeline = Pipeline(transport, policies=[HeadersPolicy()])
    url = f"{kwargs['base_url']}/subscriptions/{azure.sub}/resourcegroups?api-version=2022-09-01"
    response = pipeline.run(HttpRequest("GET", url)).http_response
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AuthenticationFailed"
    assert "WWW-Authenticate" in response.headers


def test_sdk_raises_client_authentication_error_without_token(azure: Azure) -> None:
    from azure.mgmt.resource.resources import ResourceManagementClient

    class EmptyToken:
        def get_token(self, *scopes: str, **kwargs: object) -> object:
            from azure.core.credentials import AccessToken

            return AccessToken("", 2**31)

    client = ResourceManagementClient(EmptyToken(), azure.sub, **azure.client_kwargs())  # type: ignore[arg-type]
    with pytest.raises(ClientAuthenticationError):
        client.resource_groups.get("rg")


def test_standard_headers(azure: Azure) -> None:
    seen: dict[str, str] = {}

    def record(response: object) -> None:
        seen.update(response.http_response.headers)  # type: ignore[attr-defined]

    azure.resources.resource_groups.create_or_update("rg", {"location": LOCATION}, raw_response_hook=record)
    lowered = {k.lower(): v for k, v in seen.items()}
    assert lowered["x-ms-request-id"]
    assert lowered["x-ms-correlation-request-id"]
    assert int(lowered["x-ms-ratelimit-remaining-subscription-writes"]) == 199


def test_generic_resource_calls_by_id(azure: Azure) -> None:
    make_group(azure)
    vnet = make_vnet(azure)
    generic = azure.resources.resources
    assert generic.check_existence_by_id(vnet.id, api_version="2024-05-01") is True
    missing = vnet.id.replace("vnet1", "nope")
    assert generic.check_existence_by_id(missing, api_version="2024-05-01") is False
    got = generic.get_by_id(vnet.id, api_version="2024-05-01")
    assert got.name == "vnet1" and got.type == "Microsoft.Network/virtualNetworks"
    generic.begin_delete_by_id(vnet.id, api_version="2024-05-01").result()
    assert generic.check_existence_by_id(vnet.id, api_version="2024-05-01") is False
