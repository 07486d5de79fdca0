# Create a Windows scale set step by step, then scale it out with Update-AzVmss and list the instances.

$rgName = "rg-vmss-scale"
$location = "eastus"
$vmssName = "vmss-web"
$adminUser = "vmssadmin"
$adminPassword = "Vmss-Scale-2019!x"

New-AzResourceGroup -Name $rgName -Location $location -Force

$subnet = New-AzVirtualNetworkSubnetConfig -Name "web" -AddressPrefix "10.60.0.0/24"
$vnet = New-AzVirtualNetwork -ResourceGroupName $rgName -Location $location -Name "$vmssName-vnet" `
    -AddressPrefix "10.60.0.0/16" -Subnet $subnet

$ipConfig = New-AzVmssIpConfig -Name "$vmssName-ip" -SubnetId $vnet.Subnets[0].Id -Primary

# One cmdlet at a time, keeping each result
$vmss = New-AzVmssConfig -Location $location -SkuCapacity 2 -SkuName "Standard_B2s" -UpgradePolicyMode Manual
$vmss = Set-AzVmssOsProfile -VirtualMachineScaleSet $vmss -ComputerNamePrefix "web" `
    -AdminUsername $adminUser -AdminPassword $adminPassword
$vmss = Set-AzVmssStorageProfile -VirtualMachineScaleSet $vmss -ImageReferencePublisher "MicrosoftWindowsServer" `
    -ImageReferenceOffer "WindowsServer" -ImageReferenceSku "2019-Datacenter" -ImageReferenceVersion "latest" `
    -OsDiskCreateOption "FromImage" -ManagedDisk "Standard_LRS"
$vmss = Add-AzVmssNetworkInterfaceConfiguration -VirtualMachineScaleSet $vmss -Name "$vmssName-nic" `
    -Primary $true -IPConfiguration $ipConfig

New-AzVmss -ResourceGroupName $rgName -VMScaleSetName $vmssName -VirtualMachineScaleSet $vmss -Verbose

# Scale out from 2 to 4 instances
$current = (Get-AzVmss -ResourceGroupName $rgName -VMScaleSetName $vmssName).Sku.Capacity
if ($current -lt 4) {
    Write-Host "Scaling $vmssName from $current to 4 instances"
    Update-AzVmss -ResourceGroupName $rgName -VMScaleSetName $vmssName -SkuCapacity 4
}
elseif ($current -eq 4) {
    Write-Host "$vmssName already has 4 instances"
}
else {
    Write-Warning "$vmssName has $current instances, more than planned"
}

$instances = Get-AzVmssVM -ResourceGroupName $rgName -VMScaleSetName $vmssName
$instances | Where-Object { $_.ProvisioningState -ne "Failed" } | ForEach-Object {
    Write-Output "Instance $($_.InstanceId): $($_.ProvisioningState)"
}

# Keep a note of the new capacity for the change log
$capacity = (Get-AzVmss -ResourceGroupName $rgName -VMScaleSetName $vmssName).Sku.Capacity
[System.IO.File]::WriteAllText("$env:TEMP\vmss-capacity.txt", "$vmssName capacity: $capacity")
