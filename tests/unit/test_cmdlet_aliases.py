"""The cmdlets' parameter names: the alias mechanism, and the keywords that mirror the Az cmdlets' parameters."""

from __future__ import annotations

import asyncio
import inspect
import time
from types import SimpleNamespace
from typing import Any

import pytest

import azrm
import azrm.aio
from azrm._aliases import accepts_aliases, aliases_of
from azrm.builders.lb import load_balancer_body

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers"
SUBNET = f"{SUB}/Microsoft.Network/virtualNetworks/vnet/subnets/web"
PIP = f"{SUB}/Microsoft.Network/publicIPAddresses/lbip"
NSG = f"{SUB}/Microsoft.Network/networkSecurityGroups/web-nsg"
NIC_ID = f"{SUB}/Microsoft.Network/networkInterfaces/nic1"
LB = f"{SUB}/Microsoft.Network/loadBalancers/weblb"
PASSWORD = "S3cure!Passw0rd"
CRED = azrm.Credential("knadmin", PASSWORD)


# -- the decorator ---------------------------------------------------------------------------------------
@accepts_aliases(tag="tags", min_tls_version="minimum_tls_version")
def made(name: str, *, minimum_tls_version: str = "TLS1_2", tags: dict[str, str] | None = None) -> tuple[Any, ...]:
    """Return what it was given."""
    return name, minimum_tls_version, tags


def test_an_alias_reaches_its_canonical_parameter() -> None:
    assert made("a", min_tls_version="TLS1_3", tag={"k": "v"}) == ("a", "TLS1_3", {"k": "v"})
    assert made("a", minimum_tls_version="TLS1_3") == ("a", "TLS1_3", None)
    assert made(name="a") == ("a", "TLS1_2", None)


def test_an_alias_with_its_canonical_name_is_refused_naming_both() -> None:
    with pytest.raises(TypeError, match=r"min_tls_version=.*minimum_tls_version=") as caught:
        made("a", min_tls_version="TLS1_3", minimum_tls_version="TLS1_2")
    assert "made()" in str(caught.value)


def test_two_aliases_of_one_parameter_are_refused_naming_both() -> None:
    twice = accepts_aliases(tls="minimum_tls_version")(made)
    with pytest.raises(TypeError, match=r"tls= and min_tls_version="):
        twice("a", min_tls_version="TLS1_3", tls="TLS1_2")


def test_the_signature_and_the_mapping_are_the_canonical_ones() -> None:
    assert list(inspect.signature(made).parameters) == ["name", "minimum_tls_version", "tags"]
    assert aliases_of(made) == {"tag": "tags", "min_tls_version": "minimum_tls_version"}
    assert made.__doc__ == "Return what it was given." and made.__name__ == "made"


def test_stacking_adds_to_the_mapping_with_one_renaming_layer() -> None:
    twice = accepts_aliases(label="name")(made)
    assert aliases_of(twice) == {"tag": "tags", "min_tls_version": "minimum_tls_version", "label": "name"}
    assert twice.__wrapped__ is made.__wrapped__  # type: ignore[attr-defined]
    assert twice(label="b", tag={}) == ("b", "TLS1_2", {})


def test_a_coroutine_stays_a_coroutine() -> None:
    @accepts_aliases(vmss="virtual_machine_scale_set")
    async def go(*, virtual_machine_scale_set: str) -> str:
        return virtual_machine_scale_set

    assert inspect.iscoroutinefunction(go)
    assert asyncio.run(go(vmss="farm")) == "farm"


@pytest.mark.parametrize(("aliases", "words"), [({"x": "nothing"}, "names no parameter"), ({"tags": "name"}, "itself")])
def test_a_wrong_mapping_is_refused_when_decorating(aliases: dict[str, str], words: str) -> None:
    def f(name: str, *, tags: Any = None) -> None: ...

    with pytest.raises(ValueError, match=words):
        accepts_aliases(**aliases)(f)


def test_it_is_cheap() -> None:
    def plain(name: str, *, tags: Any = None) -> Any:
        return name

    aliased = accepts_aliases(tag="tags")(plain)
    calls = 20000
    start = time.perf_counter()
    for _ in range(calls):
        aliased("a", tag=None)
    per_call = (time.perf_counter() - start) / calls
    assert per_call < 20e-6, f"{per_call * 1e6:.1f} µs a call"


def test_an_alias_is_checked_as_its_canonical_parameter() -> None:
    with pytest.raises(azrm.ValidationError) as caught:
        azrm.new_vm_config(name="KNVM01", vm_size="Standard_A2", tag={"env": 3})  # type: ignore[call-arg, dict-item]
    assert caught.value.field == "tags"
    with pytest.raises(azrm.ValidationError) as caught:  # before the body: no session needed
        azrm.Session.new_storage_account(None, "rg", "knstor", min_tls_version=3)  # type: ignore[arg-type, call-arg]
    assert caught.value.field == "minimum_tls_version"


# -- sessions -------------------------------------------------------------------------------------------------
SESSION_NAMES = [
    ("new_vmss", ["resource_group_name", "vm_scale_set_name", "virtual_machine_scale_set"],
     {"name": "vm_scale_set_name", "vmss": "virtual_machine_scale_set"}),
    ("update_vmss", ["resource_group_name", "vm_scale_set_name", "sku_capacity", "upgrade_policy_mode",
                     "virtual_machine_scale_set"], {"name": "vm_scale_set_name", "vmss": "virtual_machine_scale_set"}),
    ("get_vmss", ["resource_group_name", "vm_scale_set_name", "status"], {"name": "vm_scale_set_name"}),
    ("get_vmss_vm", ["resource_group_name", "vm_scale_set_name", "instance_id", "status"], {"name": "vm_scale_set_name"}),
    ("stop_vmss", ["resource_group_name", "vm_scale_set_name", "instance_id", "stay_provisioned"],
     {"name": "vm_scale_set_name"}),
    ("new_storage_account", None, {"min_tls_version": "minimum_tls_version", "type": "sku_name",
                                   "storage_account_type": "sku_name", "account_type": "sku_name",
                                   "storage_account_name": "name", "account_name": "name", "tag": "tags"}),
    ("new_network_interface", None, {"nic": "name", "resource_name": "name", "tag": "tags"}),
    ("set_vm_dsc_extension", None, {"configuration_data_path": "configuration_data",
                                    "configuration_archive_blob": "archive_blob_name",
                                    "storage_account_name": "archive_storage_account_name",
                                    "handler_version": "version", "container_name": "archive_container_name"}),
    ("publish_vm_dsc_configuration", None, {"configuration_archive_path": "output_archive_path"}),
    ("new_autoscale_setting", None, {"disabled": "disable_setting", "resource_group": "resource_group_name",
                                     "tag": "tags"}),
    ("new_resource_group", None, {"resource_group_name": "name", "tag": "tags"}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "parameters", "aliases"), SESSION_NAMES, ids=[n[0] for n in SESSION_NAMES])
def test_session_operations_take_the_cmdlet_names(
    name: str, parameters: list[str] | None, aliases: dict[str, str]
) -> None:
    for owner in (azrm.Session, azrm.aio.Session):
        method = getattr(owner, name)
        listed = [p for p in inspect.signature(method).parameters if p != "self"]
        if parameters is not None:
            assert listed == parameters, (owner, name)
        assert set(aliases.values()) <= set(listed)
        assert aliases_of(method) == aliases, (owner, name)
        if name.startswith(("new_", "update_", "stop_")) and hasattr(owner, f"begin_{name}"):
            assert aliases_of(getattr(owner, f"begin_{name}")) == aliases


def test_every_tags_parameter_also_takes_tag() -> None:
    for owner in (azrm.Session, azrm.aio.Session):
        for name in dir(owner):
            method = getattr(owner, name)
            if not name.startswith("_") and callable(method):
                try:
                    parameters = inspect.signature(method).parameters
                except (TypeError, ValueError):
                    continue
                if "tags" in parameters:
                    assert aliases_of(method).get("tag") == "tags", (owner, name)
    for function in (azrm.new_vm_config, azrm.new_vmss_config):
        assert aliases_of(function)["tag"] == "tags"


# -- the cmdlet functions ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("function", "first", "alias"),
    [
        (azrm.set_vm_operating_system, "vm", "vm_profile"),
        (azrm.set_vm_source_image, "vm", "vm_profile"),
        (azrm.add_vm_network_interface, "vm", "vm_profile"),
        (azrm.set_vm_os_disk, "vm", "vm_profile"),
        (azrm.add_vm_data_disk, "vm", "vm_profile"),
        (azrm.set_vm_boot_diagnostic, "vm", "vm_profile"),
        (azrm.set_vmss_os_profile, "virtual_machine_scale_set", "vmss"),
        (azrm.set_vmss_storage_profile, "virtual_machine_scale_set", "vmss"),
        (azrm.add_vmss_network_interface_configuration, "virtual_machine_scale_set", "vmss"),
        (azrm.add_vmss_extension, "virtual_machine_scale_set", "vmss"),
    ],
)
def test_cmdlet_functions_have_a_real_signature(function: Any, first: str, alias: str) -> None:
    parameters = list(inspect.signature(function).parameters)
    method = function.__wrapped__
    assert parameters == [first, *list(inspect.signature(method).parameters)[1:]]
    assert aliases_of(function) == {**aliases_of(method), alias: first}


def farm() -> azrm.VmssConfig:
    return azrm.new_vmss_config(location="westeurope", sku_capacity=2, sku_name="Standard_A2")


# -- Set-AzVmssOsProfile ---------------------------------------------------------------------------------------
def test_admin_username_and_password_build_what_the_credential_builds() -> None:
    with_pair = farm().set_os_profile(
        windows=True, computer_name_prefix="web", admin_username="knadmin", admin_password=PASSWORD
    )
    with_credential = farm().set_os_profile(windows=True, computer_name_prefix="web", credential=CRED)
    assert with_pair.os_profile is not None and with_credential.os_profile is not None
    assert with_pair.os_profile.to_body() == with_credential.os_profile.to_body()
    assert with_pair.os_profile.to_body()["adminUsername"] == "knadmin"
    secret = azrm.set_vmss_os_profile(
        farm(), windows=True, computer_name_prefix="web", admin_username="knadmin",
        admin_password=CRED.password,  # a SecretStr works too
    )  # fmt: skip
    assert secret == with_pair


def test_the_cmdlets_configuration_names_and_azrms_earlier_ones() -> None:
    new = farm().set_os_profile(
        windows=True,
        computer_name_prefix="web",
        credential=CRED,
        windows_configuration_provision_vm_agent=False,
        windows_configuration_enable_automatic_update=False,
    )
    old = farm().set_os_profile(
        windows=True, computer_name_prefix="web", credential=CRED, provision_vm_agent=False, enable_auto_update=False
    )
    assert new == old
    assert new.os_profile is not None
    assert new.os_profile.to_body()["windowsConfiguration"] == {
        "provisionVMAgent": False,
        "enableAutomaticUpdates": False,
    }
    linux = farm().set_os_profile(
        linux=True, computer_name_prefix="web", admin_username="azureuser",
        linux_configuration_disable_password_authentication=True, ssh_public_keys=[("/home/azureuser/.ssh/k", "ssh-rsa A")],
    )  # fmt: skip
    assert linux.os_profile is not None and "adminPassword" not in linux.os_profile.to_body()
    assert linux.os_profile.to_body()["linuxConfiguration"]["disablePasswordAuthentication"] is True


@pytest.mark.parametrize(
    ("keywords", "field"),
    [
        ({"admin_username": "knadmin"}, "admin_password"),
        ({"admin_password": PASSWORD}, "admin_username"),
        ({}, "admin_username"),
        ({"admin_username": "knadmin", "admin_password": PASSWORD, "credential": CRED}, "admin_username"),
        ({"admin_password": PASSWORD, "credential": CRED}, "admin_password"),
        ({"admin_username": "admin", "admin_password": PASSWORD}, "credential.user_name"),
        ({"admin_username": "knadmin", "admin_password": "weak"}, "credential.password"),
    ],
)
def test_the_admin_pair_is_refused_naming_the_field(keywords: dict[str, Any], field: str) -> None:
    with pytest.raises(azrm.ValidationError) as caught:
        farm().set_os_profile(windows=True, computer_name_prefix="web", **keywords)
    assert caught.value.field == field
    assert PASSWORD not in str(caught.value) and PASSWORD not in repr(caught.value.value)


def test_an_alias_and_its_cmdlet_name_together_are_refused() -> None:
    with pytest.raises(TypeError, match=r"provision_vm_agent=.*windows_configuration_provision_vm_agent="):
        farm().set_os_profile(
            windows=True,
            computer_name_prefix="web",
            credential=CRED,
            provision_vm_agent=True,
            windows_configuration_provision_vm_agent=True,
        )


def test_the_scale_set_keyword_and_its_alias() -> None:
    by_name = azrm.set_vmss_os_profile(
        virtual_machine_scale_set=farm(), windows=True, computer_name_prefix="web", credential=CRED
    )
    by_alias = azrm.set_vmss_os_profile(vmss=farm(), windows=True, computer_name_prefix="web", credential=CRED)
    piped = farm() | azrm.set_vmss_os_profile(windows=True, computer_name_prefix="web", credential=CRED)
    assert by_name == by_alias == piped
    with pytest.raises(azrm.ValidationError) as caught:
        azrm.set_vmss_os_profile(
            virtual_machine_scale_set="farm", windows=True, computer_name_prefix="w", credential=CRED
        )
    assert caught.value.field == "virtual_machine_scale_set"


def test_ip_configuration_and_ip_config() -> None:
    ip = azrm.new_vmss_ip_config("ip", subnet_id=SUBNET)
    new = farm().add_network_interface_configuration("nic", ip_configuration=[ip])
    old = azrm.add_vmss_network_interface_configuration(farm(), "nic", ip_config=ip)
    assert new == old


# -- object and id forms ----------------------------------------------------------------------------------------
def test_nat_pool_frontend_as_id_or_object() -> None:
    frontend = azrm.new_load_balancer_frontend_ip_config("fe", public_ip_address_id=PIP)
    by_object = azrm.new_load_balancer_inbound_nat_pool_config(
        "rdp", frontend_ip_configuration=frontend, frontend_port_range_start=50000,
        frontend_port_range_end=50099, backend_port=3389,
    )  # fmt: skip
    by_id = azrm.new_load_balancer_inbound_nat_pool_config(
        "rdp", frontend_ip_configuration_id=f"{LB}/frontendIPConfigurations/fe", frontend_port_range_start=50000,
        frontend_port_range_end=50099, backend_port=3389,
    )  # fmt: skip
    assert by_id.to_body(LB) == by_object.to_body(LB)
    model = SimpleNamespace(id=f"{LB}/frontendIPConfigurations/fe")  # an SDK frontend works as well as its id
    assert by_id == azrm.new_load_balancer_inbound_nat_pool_config(
        "rdp", frontend_ip_configuration_id=model, frontend_port_range_start=50000, frontend_port_range_end=50099,
        backend_port=3389,
    )  # fmt: skip
    body = load_balancer_body(LB, "westeurope", frontend_ip_configuration=frontend, inbound_nat_pool=by_id)
    assert body == load_balancer_body(LB, "westeurope", frontend_ip_configuration=frontend, inbound_nat_pool=by_object)


@pytest.mark.parametrize(
    ("keywords", "field"),
    [
        ({"frontend_ip_configuration_id": f"{LB}/frontendIPConfigurations/fe",
          "frontend_ip_configuration": azrm.new_load_balancer_frontend_ip_config("fe", public_ip_address_id=PIP)},
         "frontend_ip_configuration/frontend_ip_configuration_id"),
        ({}, "frontend_ip_configuration"),
        ({"frontend_ip_configuration_id": PIP}, "frontend_ip_configuration_id"),
        ({"frontend_ip_configuration_id": "fe"}, "frontend_ip_configuration_id"),
    ],
)  # fmt: skip
def test_nat_pool_frontend_refusals(keywords: dict[str, Any], field: str) -> None:
    with pytest.raises(azrm.ValidationError) as caught:
        azrm.new_load_balancer_inbound_nat_pool_config(
            "rdp", frontend_port_range_start=50000, frontend_port_range_end=50099, backend_port=3389, **keywords
        )
    assert caught.value.field == field


def test_a_nat_pool_frontend_id_of_another_load_balancer_is_refused() -> None:
    frontend = azrm.new_load_balancer_frontend_ip_config("fe", public_ip_address_id=PIP)
    elsewhere = azrm.new_load_balancer_inbound_nat_pool_config(
        "rdp", frontend_ip_configuration_id=f"{LB}2/frontendIPConfigurations/fe", frontend_port_range_start=50000,
        frontend_port_range_end=50099, backend_port=3389,
    )  # fmt: skip
    with pytest.raises(azrm.ValidationError) as caught:
        load_balancer_body(LB, "westeurope", frontend_ip_configuration=frontend, inbound_nat_pool=elsewhere)
    assert caught.value.field == "inbound_nat_pool"


def test_object_forms_give_the_ids_of_the_id_forms() -> None:
    pip, nsg, subnet = SimpleNamespace(id=PIP), SimpleNamespace(id=NSG), SimpleNamespace(id=SUBNET)
    assert azrm.new_load_balancer_frontend_ip_config(
        "fe", public_ip_address=pip
    ) == azrm.new_load_balancer_frontend_ip_config("fe", public_ip_address_id=PIP)
    assert azrm.new_load_balancer_frontend_ip_config("fe", subnet=subnet) == azrm.new_load_balancer_frontend_ip_config(
        "fe", subnet_id=SUBNET
    )
    assert azrm.new_virtual_network_subnet_config(
        "web", address_prefix="10.0.0.0/24", network_security_group=nsg
    ) == azrm.new_virtual_network_subnet_config("web", address_prefix="10.0.0.0/24", network_security_group_id=NSG)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: azrm.new_load_balancer_frontend_ip_config("fe", public_ip_address=SimpleNamespace(id=PIP),
                                                           public_ip_address_id=PIP), "public_ip_address_id/public_ip_address"),
        (lambda: azrm.new_load_balancer_frontend_ip_config("fe", public_ip_address=PIP), "public_ip_address"),
        (lambda: azrm.new_virtual_network_subnet_config("web", address_prefix="10.0.0.0/24", network_security_group=NSG,
                                                        network_security_group_id=NSG),
         "network_security_group_id/network_security_group"),
        (lambda: azrm.new_virtual_network_subnet_config("web", address_prefix="10.0.0.0/24",
                                                        network_security_group=SimpleNamespace(id="nsg")),
         "network_security_group"),
    ],
)  # fmt: skip
def test_object_form_refusals(call: Any, field: str) -> None:
    with pytest.raises(azrm.ValidationError) as caught:
        call()
    assert caught.value.field == field


# -- the VM cmdlets ---------------------------------------------------------------------------------------------
def test_vm_config_and_its_cmdlets_take_the_cmdlet_aliases() -> None:
    canonical = azrm.new_vm_config("KNVM01", "Standard_A2", tags={"env": "test"})
    assert azrm.new_vm_config(name="KNVM01", vm_size="Standard_A2", tag={"env": "test"}) == canonical
    assert azrm.new_vm_config(resource_name="KNVM01", vm_size="Standard_A2", tags={"env": "test"}) == canonical
    disk = canonical.set_os_disk(name="os", vhd_uri="https://s.blob.core.windows.net/vhds/os.vhd")
    assert (
        canonical.set_os_disk(os_disk_name="os", os_disk_vhd_uri="https://s.blob.core.windows.net/vhds/os.vhd") == disk
    )
    assert azrm.set_vm_os_disk(vm_profile=canonical, disk_name="os",
                               disk_vhd_uri="https://s.blob.core.windows.net/vhds/os.vhd") == disk  # fmt: skip
    nic = canonical.add_network_interface(NIC_ID)
    assert canonical.add_network_interface(nic_id=NIC_ID) == nic
    assert azrm.add_vm_network_interface(canonical, network_interface_id=NIC_ID) == nic


def test_disable_vm_agent() -> None:
    vm = azrm.new_vm_config("KNVM01", "Standard_A2")
    off = vm.set_operating_system(windows=True, computer_name="KNVM01", credential=CRED, disable_vm_agent=True)
    assert off.os_profile is not None and off.os_profile.provision_vm_agent is False
    on = vm.set_operating_system(windows=True, computer_name="KNVM01", credential=CRED)
    assert on.os_profile is not None and on.os_profile.provision_vm_agent is True
    with pytest.raises(azrm.ValidationError) as caught:
        vm.set_operating_system(
            windows=True, computer_name="KNVM01", credential=CRED, disable_vm_agent=True, provision_vm_agent=True
        )
    assert caught.value.field == "disable_vm_agent"
