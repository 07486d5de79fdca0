"""The PowerShell converter, construct by construct, on a small cmdlet table of its own.

Whole scripts converted with the project's table and run against the local Azure are in
tests/integration/test_converted_scripts.py.
"""

from __future__ import annotations

import ast
import re
import textwrap

import pytest

from azrm.powershell import translate
from azrm.powershell.normalize import normalize
from azrm.powershell.table import CmdletTable

TABLE = CmdletTable.from_toml(
    """
["New-AzResourceGroup"]
azurerm = "New-AzureRmResourceGroup"
call = "az.new_resource_group"
positional = ["Name", "Location"]
["New-AzResourceGroup".parameters]
Name = { kw = "name", aliases = ["ResourceGroupName"] }
Location = "location"
Tag = { kw = "tags", aliases = ["Tags"] }
Force = { drop = "azrm never prompts" }
ApiVersion = { todo = "azrm chooses the api-version" }

["Get-AzResourceGroup"]
azurerm = "Get-AzureRmResourceGroup"
call = "az.get_resource_group"
positional = ["Name"]
["Get-AzResourceGroup".parameters]
Name = { kw = "name", aliases = ["ResourceGroupName"] }

["New-AzPublicIpAddress"]
azurerm = "New-AzureRmPublicIpAddress"
call = "az.new_public_ip_address"
begin = true
["New-AzPublicIpAddress".parameters]
Name = "name"
ResourceGroupName = "resource_group_name"
Location = "location"
AllocationMethod = "allocation_method"
AsJob = { as_job = true }

["New-AzVirtualNetworkSubnetConfig"]
call = "azrm.new_virtual_network_subnet_config"
["New-AzVirtualNetworkSubnetConfig".parameters]
Name = "name"
AddressPrefix = { kw = "address_prefix" }

["New-AzVirtualNetwork"]
call = "az.new_virtual_network"
["New-AzVirtualNetwork".parameters]
Name = "name"
ResourceGroupName = "resource_group_name"
Location = "location"
AddressPrefix = "address_prefix"
Subnet = { kw = "subnet", list = true }

["New-AzVMConfig"]
azurerm = "New-AzureRmVMConfig"
call = "azrm.new_vm_config"
positional = ["VMName", "VMSize"]
["New-AzVMConfig".parameters]
VMName = { kw = "vm_name", aliases = ["Name"] }
VMSize = "vm_size"

["Set-AzVMOperatingSystem"]
azurerm = "Set-AzureRmVMOperatingSystem"
call = "VMConfig.set_operating_system"
target = "VM"
["Set-AzVMOperatingSystem".parameters]
VM = { kw = "vm", target = true, aliases = ["VMProfile"] }
Windows = { kw = "windows", switch = true }
ComputerName = "computer_name"
Credential = "credential"
ProvisionVMAgent = { kw = "provision_vm_agent", switch = true }

["New-AzVM"]
azurerm = "New-AzureRmVM"
call = "az.new_vm"
begin = true
positional = ["ResourceGroupName", "Location", "VM"]
["New-AzVM".parameters]
ResourceGroupName = "resource_group_name"
Location = "location"
VM = { kw = "vm", aliases = ["VMProfile"] }
AsJob = { as_job = true }

["Publish-AzVMDscConfiguration"]
azurerm = "Publish-AzureRmVMDscConfiguration"
call = "az.publish_vm_dsc_configuration"
["Publish-AzVMDscConfiguration".parameters]
ResourceGroupName = "resource_group_name"
ConfigurationPath = "configuration_path"
StorageAccountName = "storage_account_name"

["Set-AzVMDscExtension"]
azurerm = "Set-AzureRmVMDscExtension"
call = "az.set_vm_dsc_extension"
["Set-AzVMDscExtension".parameters]
ResourceGroupName = "resource_group_name"
VMName = "vm_name"
ArchiveBlobName = "archive_blob_name"
ArchiveStorageAccountName = "archive_storage_account_name"
Version = "version"
"""
)


def convert(script: str) -> tuple[str, object]:
    """Convert ``script`` with the test's table; check the output is valid Python."""
    conversion = translate(textwrap.dedent(script).strip() + "\n", table=TABLE)
    ast.parse(conversion.python)
    return conversion.python, conversion.report


def body(python: str) -> str:
    """Return the code after the session line (or after the imports), spaces squeezed."""
    marker = "else azrm.local()\n"
    code = python.split(marker, 1)[1] if marker in python else python.split("import azrm\n", 1)[1]
    code = " ".join(code.split())
    code = re.sub(r",\s*([)\]])", r"\1", code)  # what ruff format adds when it wraps a call
    code = re.sub(r"([(\[])\s+", r"\1", code)
    return re.sub(r"\s+([)\]])", r"\1", code)


def test_variables_are_snake_case_and_case_insensitive() -> None:
    python, _ = convert(
        """
        $RGname = "KNRGTest01"
        $VMName = "vm1"
        $OSDiskName = $vmname + "osDisk"
        New-AzResourceGroup -Name $rgName -Location westeurope
        """
    )
    code = body(python)
    assert 'rgname = "KNRGTest01"' in code and 'vm_name = "vm1"' in code
    assert 'os_disk_name = vm_name + "osDisk"' in code
    assert 'az.new_resource_group(name=rgname, location="westeurope")' in code


def test_string_interpolation_and_subexpressions() -> None:
    python, _ = convert(
        """
        $name = "web"
        $vm = New-AzVMConfig -VMName "$name-vm" -VMSize Standard_B1s
        $a = "$name-nic $($vm.Name) {literal} `t"
        $b = 'single $name'
        $c = "{0}-pip" -f $name
        """
    )
    code = body(python)
    assert 'vm_name=f"{name}-vm"' in code
    assert 'a = f"{name}-nic {vm.name} {{literal}} \\t"' in code
    assert 'b = "single $name"' in code
    assert 'c = "{0}-pip".format(name)' in code


def test_arrays_hashtables_and_splatting() -> None:
    python, report = convert(
        """
        $names = @("a", "b")
        $more = "c", "d"
        $empty = @()
        $tags = @{ Environment = "dev"; Owner = "ops" }
        $params = @{
            Name = "rg1"
            Location = "westeurope"
            Tag = $tags
            Force = $true
        }
        New-AzResourceGroup @params
        """
    )
    code = body(python)
    assert 'names = ["a", "b"]' in code and 'more = ["c", "d"]' in code and "empty = []" in code
    assert 'tags = {"Environment": "dev", "Owner": "ops"}' in code
    assert 'params = {"name": "rg1", "location": "westeurope", "tags": tags}' in code  # -Force dropped
    assert "az.new_resource_group(**params)" in code
    assert any("Force of New-AzResourceGroup dropped" in message for _, message in report.notes)  # type: ignore[attr-defined]


def test_splatting_mixed_with_named_parameters() -> None:
    python, _ = convert(
        """
        $common = @{ ResourceGroupName = "rg1"; Location = "westeurope" }
        New-AzPublicIpAddress @common -Name pip1 -AllocationMethod Static
        New-AzPublicIpAddress @common -Name pip2 -AllocationMethod Dynamic
        """
    )
    code = body(python)
    assert 'common = {"resource_group_name": "rg1", "location": "westeurope"}' in code
    assert 'az.new_public_ip_address(name="pip1", allocation_method="Static", **common)' in code


def test_the_pipeline_becomes_the_builder_chain() -> None:
    python, _ = convert(
        """
        $cred = Get-Credential
        $vm = New-AzVMConfig -VMName vm1 -VMSize Standard_B1s | `
            Set-AzVMOperatingSystem -Windows -ComputerName vm1 -Credential $cred -ProvisionVMAgent
        $vm = Set-AzVMOperatingSystem -VM $vm -Windows -ComputerName vm1 -Credential $cred
        New-AzVM -ResourceGroupName rg1 -Location westeurope -VM $vm
        $vm | New-AzVM -ResourceGroupName rg1 -Location westeurope
        """
    )
    code = body(python)
    assert (
        'vm = azrm.new_vm_config(vm_name="vm1", vm_size="Standard_B1s").set_operating_system('
        'windows=True, computer_name="vm1", credential=cred, provision_vm_agent=True)'
    ) in code.replace("vm = (azrm", "vm = azrm")
    assert 'vm = vm.set_operating_system(windows=True, computer_name="vm1", credential=cred)' in code
    assert 'az.new_vm(resource_group_name="rg1", location="westeurope", vm=vm)' in code
    assert code.count("az.new_vm(") == 2  # the piped VM binds to -VM


def test_positional_arguments_follow_the_cmdlets_positions() -> None:
    python, _ = convert("New-AzResourceGroup rg1 westeurope\nNew-AzVMConfig vm1 Standard_B1s\n")
    code = body(python)
    assert 'az.new_resource_group(name="rg1", location="westeurope")' in code
    assert 'azrm.new_vm_config(vm_name="vm1", vm_size="Standard_B1s")' in code


def test_parameter_aliases_prefixes_and_case_are_resolved() -> None:
    python, _ = convert("new-azurermresourcegroup -resourcegroupname rg1 -loc westeurope\n")
    assert 'az.new_resource_group(name="rg1", location="westeurope")' in body(python)


def test_property_access_and_methods() -> None:
    python, _ = convert(
        """
        $vnet = New-AzVirtualNetwork -Name v -ResourceGroupName rg -Location westeurope -AddressPrefix 10.0.0.0/16
        $id = $vnet.Subnets[0].Id
        $ip = (Get-AzResourceGroup -Name rg).Location.ToUpper()
        $count = $vnet.Subnets.Count
        $uri = $vnet.Id.ToString() + "/x"
        """
    )
    code = body(python)
    assert "id_ = vnet.subnets[0].id" in code
    assert 'ip = az.get_resource_group(name="rg").location.upper()' in code
    assert "count = len(vnet.subnets)" in code
    assert 'uri = str(vnet.id) + "/x"' in code


def test_a_single_object_is_wrapped_where_the_parameter_takes_a_list() -> None:
    python, _ = convert(
        """
        $subnet = New-AzVirtualNetworkSubnetConfig -Name s1 -AddressPrefix 10.0.0.0/24
        $s2 = New-AzVirtualNetworkSubnetConfig -Name s2 -AddressPrefix 10.0.1.0/24
        New-AzVirtualNetwork -Name v -ResourceGroupName rg -Location westeurope -AddressPrefix 10.0.0.0/16 -Subnet $subnet
        New-AzVirtualNetwork -Name v -ResourceGroupName rg -Location westeurope -AddressPrefix 10.0.0.0/16 -Subnet $subnet, $s2
        """
    )
    code = body(python)
    assert "subnet=[subnet])" in code and "subnet=[subnet, s2])" in code


def test_passwords_are_never_literals_in_the_output() -> None:
    python, report = convert(
        """
        $password = ConvertTo-SecureString "P@ssw0rd-literal-1" -AsPlainText -Force
        $plain = "Other-literal-2"
        $secure = ConvertTo-SecureString $plain -AsPlainText -Force
        $cred = New-Object System.Management.Automation.PSCredential ("azureuser", $password)
        $cred2 = [pscredential]::new("azureuser", $secure)
        $cred3 = Get-Credential -Message "VM admin"
        """
    )
    assert "P@ssw0rd-literal-1" not in python and "Other-literal-2" not in python
    code = body(python)
    assert 'password = azrm.read_input("PASSWORD", secret=True)' in code
    assert 'plain = azrm.read_input("PLAIN", secret=True)' in code and "secure = plain" in code
    assert 'cred = azrm.Credential("azureuser", password)' in code
    assert 'cred2 = azrm.Credential("azureuser", secure)' in code
    assert 'cred3 = azrm.get_credential("VM admin", env="CRED3")' in code
    inputs = dict(report.inputs)  # type: ignore[attr-defined]
    assert "PASSWORD" in inputs and "PLAIN" in inputs and "CRED3_USER, CRED3_PASSWORD" in inputs


def test_loops() -> None:
    python, _ = convert(
        """
        $names = @("a", "b")
        foreach ($i in 1..3) {
            New-AzResourceGroup -Name "rg$i" -Location westeurope
        }
        foreach ($name in $names) { Write-Host $name }
        1..2 | ForEach-Object { New-AzResourceGroup -Name "rg-$_" -Location westeurope }
        1..2 | % {
            $n = "x$_"
            Write-Host $n
        }
        $names | ForEach-Object { Write-Host $_ }
        $groups = 1..2 | % { New-AzResourceGroup -Name "g$_" -Location westeurope }
        $more = $names | ForEach-Object {
            $n = "$_-rg"
            New-AzResourceGroup -Name $n -Location westeurope
        }
        $big = $names | Where-Object { $_ -ne "a" }
        """
    )
    code = body(python)
    assert 'for i in range(1, 4): az.new_resource_group(name=f"rg{i}", location="westeurope")' in code
    assert "for name in names: print(name)" in code
    assert 'for item in range(1, 3): az.new_resource_group(name=f"rg-{item}", location="westeurope")' in code
    assert 'for item in range(1, 3): n = f"x{item}" print(n)' in code
    assert "for item in names: print(item)" in code
    # a pipeline's output is assigned as PowerShell assigns it: None, the one object, or the list
    assert (
        'groups = output([az.new_resource_group(name=f"g{item}", location="westeurope") for item in range(1, 3)])'
        in code
    )
    assert 'more = [] for item in names: n = f"{item}-rg" more.append(az.new_resource_group(name=n' in code
    assert "more = output(more)" in code
    assert 'big = output([item for item in names if str(item).casefold() != "a"])' in code
    assert "def output(values):" in python and "def items(value):" in python


def test_if_elseif_else_and_error_action() -> None:
    python, _ = convert(
        """
        $rg = "rg1"
        if (-not (Get-AzResourceGroup -Name $rg -ErrorAction SilentlyContinue)) {
            New-AzResourceGroup -Name $rg -Location westeurope
        } elseif ($rg -eq "RG2") {
            Write-Host "two"
        } else {
            Write-Output "other"
        }
        if ($null -eq $rg) { Write-Host "none" }
        """
    )
    code = body(python)
    assert "if not silently(az.get_resource_group, name=rg): az.new_resource_group(" in code
    assert 'elif str(rg).casefold() == "rg2": print("two") else: print("other")' in code
    assert 'if rg is None: print("none")' in code
    assert "def silently(call, *args, **kwargs):" in python


def test_comments_are_kept() -> None:
    python, _ = convert(
        """
        # Create the group
        <# a block
           comment #>
        New-AzResourceGroup -Name rg1 -Location westeurope  # trailing
        """
    )
    assert "# Create the group" in python and "# a block" in python and "# comment" in python
    assert "# trailing" in python


def test_sign_in_and_subscription_become_the_session() -> None:
    python, _ = convert(
        """
        Connect-AzAccount
        Login-AzureRmAccount
        $subId = "00000000-0000-0000-0000-000000000001"
        Select-AzSubscription -SubscriptionId $subId
        New-AzResourceGroup -Name rg1 -Location westeurope
        """
    )
    assert 'az = azrm.connect() if "--azure" in sys.argv[1:] else azrm.local()' in python
    code = body(python)
    assert (
        "if not isinstance(az, azrm.LocalSession): # the local Azure has one subscription az = azrm.connect(sub_id)"
        in code
    )


def test_as_job_uses_the_begin_twin_and_jobs_wait() -> None:
    python, _ = convert(
        """
        $job = New-AzPublicIpAddress -Name p -ResourceGroupName rg -Location westeurope -AllocationMethod Static -AsJob
        $job | Wait-Job
        $pip = Receive-Job -Job $job
        """
    )
    code = body(python)
    assert 'job = az.begin_new_public_ip_address(name="p"' in code
    assert "job.result()" in code and "pip = job.result()" in code


def test_common_parameters_are_dropped_or_refused_knowingly() -> None:
    python, report = convert(
        """
        New-AzResourceGroup -Name rg1 -Location westeurope -Verbose -ErrorAction Stop -Confirm:$false
        New-AzResourceGroup -Name rg2 -Location westeurope -WhatIf
        New-AzResourceGroup -Name rg3 -Location westeurope -ApiVersion 2020-01-01
        """
    )
    code = body(python)
    assert 'az.new_resource_group(name="rg1", location="westeurope")' in code
    reasons = [u.reason for u in report.untranslated]  # type: ignore[attr-defined]
    assert any("WhatIf" in r for r in reasons) and any("api-version" in r for r in reasons)
    assert "# TODO(azrm):" in python and "# New-AzResourceGroup -Name rg2 -Location westeurope -WhatIf" in python


def test_what_cannot_be_converted_stays_as_a_todo_with_the_original_lines() -> None:
    python, report = convert(
        """
        Get-AzAdvisorRecommendation -Category Cost
        $text = [System.IO.File]::ReadAllText("a.txt")
        function Deploy-Thing {
            param($x)
            Write-Host $x
        }
        New-AzResourceGroup -Name rg1 -Location westeurope
        """
    )
    assert "# TODO(azrm): Get-AzAdvisorRecommendation is not a cmdlet azrm mirrors" in python
    assert '# $text = [System.IO.File]::ReadAllText("a.txt")' in python
    assert "# function Deploy-Thing {" in python and "#     Write-Host $x" in python
    assert report.code_lines == 7 and report.todo_lines == 6  # type: ignore[attr-defined]
    assert report.converted_lines == 1  # type: ignore[attr-defined]
    assert "1 of 7 lines of code converted" in report.summary()  # type: ignore[attr-defined]


def test_a_parameter_without_its_value_is_reported_not_guessed() -> None:
    python, _ = convert("New-AzResourceGroup -Name -Location westeurope\n")
    assert "TODO(azrm): -Name has no value" in python


def test_the_seeds_missing_archive_blob_name_comes_from_the_publish_above() -> None:
    python, report = convert(
        """
        Publish-AzureRmVMDscConfiguration -ResourceGroupName rg -ConfigurationPath .\\webdsc.ps1 -StorageAccountName st
        Set-AzureRmVMDscExtension -ResourceGroupName rg -VMName vm -ArchiveBlobName -ArchiveStorageAccountName st -Version 2.7
        """
    )
    code = body(python)
    assert 'configuration_path="./webdsc.ps1"' in code
    assert 'archive_blob_name="webdsc.ps1.zip"' in code and 'version="2.7"' in code
    assert any("ArchiveBlobName" in message for _, message in report.notes)  # type: ignore[attr-defined]


def test_empty_values_left_for_the_reader_become_inputs() -> None:
    python, _ = convert(
        """
        $prefix = ""
        $suffix = ""
        $name = "a" + $suffix
        New-AzVirtualNetworkSubnetConfig -Name s -AddressPrefix $prefix
        """
    )
    code = body(python)
    assert 'prefix = azrm.read_input("PREFIX")' in code and 'suffix = ""' in code


def test_undefined_variables_are_reported() -> None:
    _, report = convert("New-AzResourceGroup -Name $nowhere -Location westeurope\n")
    assert any("$nowhere is never assigned" in message for _, message in report.notes)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("New-AzResourceGroup \u2013Name rg1 \u2013Location westeurope\n", "a typographic dash"),
        ("New-AzResourceGroup\u00a0-Name rg1 -Location westeurope\n", "non-breaking"),
        ("\ufeffNew-AzResourceGroup -Name rg1 -Location westeurope\n", "byte-order mark"),
        ("New-AzResourceGroup -Name rg1 ` \n  -Location westeurope\n", "backtick followed by spaces"),
        ("New-AzResourceGroup -Name rg1 -Location westeurope\r\n", ""),
    ],
)
def test_text_copied_from_web_pages_converts_as_powershell_reads_it(script: str, expected: str) -> None:
    conversion = translate(script, table=TABLE)
    assert 'az.new_resource_group(name="rg1", location="westeurope")' in body(conversion.python)
    messages = " ".join(f.message for f in conversion.report.fixups)
    assert expected in messages


def test_normalize_reports_each_kind_once_with_its_first_line() -> None:
    text, fixups = normalize("a\n\u2013b \u2013c\n\u201cq\u201d\n")
    assert text == 'a\n-b -c\n"q"\n'
    assert [(f.line, f.count) for f in fixups] == [(2, 2), (3, 2)]


def test_output_imports_only_what_it_uses() -> None:
    python, _ = convert('$x = "a"\nWrite-Host $x\n')
    assert "import sys" not in python and "azrm.local()" not in python and "import os" not in python
    python, _ = convert("Write-Host $env:HOME\nStart-Sleep -Seconds 1\n")
    assert "import os" in python and "import time" in python and 'os.environ.get("HOME")' in python


def test_the_library_function_and_the_command_line(
    tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    import azrm
    from azrm.__main__ import main

    assert "az.new_resource_group(" in azrm.convert("New-AzResourceGroup -Name rg1 -Location westeurope\n")
    script = tmp_path / "s.ps1"  # type: ignore[operator]
    script.write_text("New-AzResourceGroup -Name rg1 -Location westeurope\nGet-AzNothing\n")
    out = tmp_path / "s.py"  # type: ignore[operator]
    assert main(["convert", str(script), "-o", str(out)]) == 0
    assert "az.new_resource_group(" in out.read_text()
    err = capsys.readouterr().err
    assert "1 of 2 lines of code converted" in err and "Get-AzNothing is not a cmdlet azrm mirrors" in err
    assert main(["convert", str(script), "--strict"]) == 1


def test_the_docs_before_and_after_is_the_converters_output() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    page = (root / "docs" / "converting-powershell.md").read_text(encoding="utf-8")
    seed = (root / "tests" / "convert" / "scripts" / "seed_azurerm.ps1").read_text(encoding="utf-8")
    assert "```powershell\n" + seed.rstrip() + "\n```" in page
    after = re.search(r"<!-- seed-after:[^\n]*-->\n```python\n(.*?)```", page, re.S)
    assert after is not None
    assert after.group(1) == translate(seed, name="seed_azurerm.ps1").python


_TOKENS = [
    "New-AzResourceGroup",
    "-Name",
    "-Location",
    "$rg",
    "$vm",
    "westeurope",
    '"$x-y"',
    "'lit'",
    "@{ A = 1 }",
    "@(1, 2)",
    "|",
    "%",
    "{",
    "}",
    "(",
    ")",
    "[0]",
    ".Id",
    "foreach",
    "if",
    "-eq",
    "1..3",
    "`\n",
    "\n",
    ";",
    "$_",
    "Get-AzVM",
    "New-AzVMConfig",
    "Set-AzVMOSDisk",
    "-VM",
    "=",
    "+",
    ",",
    "#c\n",
    "<# b #>",
    "\u2013",
    "\u00a0",
    "$(",
    "::",
    "[int]",
    "-AsJob",
    "@params",
    "Where-Object",
    "$null",
    "-not",
]


@pytest.mark.parametrize("seed", range(200))
def test_any_text_gives_valid_python_and_a_report(seed: int) -> None:
    import random

    rng = random.Random(seed)
    text = " ".join(rng.choice(_TOKENS) for _ in range(rng.randint(1, 40)))
    conversion = translate(text, table=TABLE)
    ast.parse(conversion.python)  # TODOs and all: never Python that does not parse
    report = conversion.report
    assert 0 <= report.converted_lines <= report.code_lines


def test_review_findings_stay_fixed() -> None:
    """Constructs a second look found converted wrongly (each line: PowerShell's meaning, kept)."""
    python, report = convert(
        """
        $uri = "https://x/y"
        $json = @"
        { "fileUris": ["$uri"] }
        "@
        $body = @"
        Install-WindowsFeature -Name Web-Server, Web-Mgmt-Tools
        "@
        $n = 010
        $t = $true; $f = $false
        $r = $t -or $t -and $f
        $item = "keep"
        $names = @("a", "b")
        $names | ForEach-Object { Write-Host $_ }
        Write-Host $item
        $found = $names | Where-Object { $_ -eq "c" }
        if ($found -eq $null) { Write-Host "none" }
        $zones = @("1", "2")
        Write-Host "Zones: $zones"
        $has = $names -contains "A"
        $i = [int](7 / 2)
        $h = @{ Owner = "ops" }
        $owner = $h.Owner
        $keys = $h.Keys
        $joined = $names -join ","
        $parts = "a,b" -split ","
        $fixed = "abc" -replace "b", "x"
        $user = "u"
        $x = "${user}_x"
        $size = 1.5GB
        foreach ($z in $zones) { if ($z -eq "2") { break } }
        $secure = "P@ss-literal-3" | ConvertTo-SecureString -AsPlainText -Force
        """
    )
    code = body(python)
    assert """json_ = f'{{ "fileUris": ["{uri}"] }}'""" in code
    assert "Web-Server, Web-Mgmt-Tools" in python  # a here-string's text is not rewritten
    assert "n = 10" in code
    assert "r = (t or t) and f" in code
    assert "for item2 in names: print(item2) print(item)" in code  # the script's $item is kept
    assert 'found = output([item2 for item2 in names if str(item2).casefold() == "c"])' in code
    assert "if found is None:" in code
    assert """print("Zones: " + str(" ".join(map(str, zones))))""" in code
    assert 'has = any(str(v).casefold() == "A".casefold() for v in names)' in code
    assert "i = round(7 / 2)" in code
    assert 'owner = h["Owner"]' in code and "keys = list(h.keys())" in code
    assert 'joined = ",".join(map(str, names))' in code
    assert 'parts = re.split(",", "a,b", flags=re.IGNORECASE)' in code
    assert 'fixed = re.sub("b", "x", str("abc"), flags=re.IGNORECASE)' in code
    assert 'x = f"{user}_x"' in code
    assert f"size = {int(1.5 * 1024**3)}" in code
    assert "for z in zones: if z == " in code.replace('str(z).casefold() == "2"', 'z == "2"') and "break" in code
    assert "P@ss-literal-3" not in python and 'secure = azrm.read_input("SECURE", secret=True)' in code
    assert not report.untranslated, report.summary()  # type: ignore[attr-defined]


def test_literal_passwords_given_to_parameters_or_inline_never_reach_the_output() -> None:
    table = CmdletTable.from_toml(
        """
["Set-AzVmssOsProfile"]
call = "azrm.set_vmss_os_profile"
["Set-AzVmssOsProfile".parameters]
AdminUsername = "admin_username"
AdminPassword = "admin_password"
ComputerNamePrefix = "computer_name_prefix"
VirtualMachineScaleSet = { kw = "virtual_machine_scale_set" }
"""
    )
    text = (
        '$pw = "Literal-Pw-1!"\n'
        "$v = Set-AzVmssOsProfile -VirtualMachineScaleSet $v -ComputerNamePrefix web -AdminUsername u "
        '-AdminPassword "Literal-Pw-2!"\n'
        "$v = Set-AzVmssOsProfile -VirtualMachineScaleSet $v -ComputerNamePrefix web -AdminUsername u -AdminPassword $pw\n"
        'Set-Nothing -X (ConvertTo-SecureString "Literal-Pw-3!" -AsPlainText -Force)\n'
    )
    conversion = translate(text, table=table)
    for literal in ("Literal-Pw-1!", "Literal-Pw-2!", "Literal-Pw-3!"):
        assert literal not in conversion.python  # not even in a TODO comment
    assert 'pw = azrm.read_input("PW", secret=True)' in conversion.python
    assert 'admin_password=azrm.read_input("ADMIN_PASSWORD_LINE_2", secret=True)' in body(conversion.python)


def test_try_catch_finally_for_and_do_loops() -> None:
    python, report = convert(
        """
        try {
            New-AzResourceGroup -Name rg1 -Location westeurope -ErrorAction Stop
        }
        catch {
            Write-Host "failed: $($_.Exception.Message)"
            throw
        }
        finally {
            Write-Host "done"
        }
        try { New-AzResourceGroup -Name rg2 -Location westeurope } catch [System.Net.WebException] { Write-Host "web" }
        for ($i = 0; $i -lt 3; $i++) { New-AzResourceGroup -Name "rg$i" -Location westeurope }
        $n = 0
        do { $n++ } while ($n -lt 3)
        do { $n-- } until ($n -le 0)
        """
    )
    code = body(python)
    assert (
        'try: az.new_resource_group(name="rg1", location="westeurope") except Exception as error: '
        'print(f"failed: {str(error)}") raise finally: print("done")'
    ) in code
    assert "TODO(azrm): a catch of a .NET exception type" in python
    assert 'i = 0 while i < 3: az.new_resource_group(name=f"rg{i}", location="westeurope") i += 1' in code
    assert "while True: n += 1 if not (n < 3): break" in code
    assert "while True: n -= 1 if n <= 0: break" in code
    assert [u.reason for u in report.untranslated] == [  # type: ignore[attr-defined]
        "a catch of a .NET exception type (azrm raises Python exceptions)"
    ]


def test_loops_with_continue_stay_todos_where_python_would_skip_the_step() -> None:
    python, _ = convert(
        """
        for ($i = 0; $i -lt 3; $i++) { if ($i -eq 1) { continue }; Write-Host $i }
        $n = 0
        do { $n++; if ($n -eq 1) { continue } } while ($n -lt 3)
        """
    )
    assert python.count("# TODO(azrm): ") == 2
