# AzureRM-era script: a simple Linux scale set of two instances in one subnet (no load balancer).
# The configuration is changed in place, cmdlet by cmdlet, as the 2017 samples did.
# Assumes a signed-in session (Login-AzureRmAccount).

$resourceGroupName = "rg-vmss-simple"
$location = "westeurope"
$scaleSetName = "vmss-app"

New-AzureRmResourceGroup -ResourceGroupName $resourceGroupName -Location $location

# Network
$subnet = New-AzureRmVirtualNetworkSubnetConfig -Name "app-subnet" -AddressPrefix 10.50.1.0/24
$vnet = New-AzureRmVirtualNetwork -ResourceGroupName $resourceGroupName -Name "vmss-vnet" -Location $location `
  -AddressPrefix 10.50.0.0/16 -Subnet $subnet

# IP configuration of the instances
$ipConfig = New-AzureRmVmssIpConfig -Name "app-ipconfig" -SubnetId $vnet.Subnets[0].Id

# Scale set configuration
$vmssConfig = New-AzureRmVmssConfig -Location $location -SkuCapacity 2 -SkuName "Standard_B1s" -UpgradePolicyMode Automatic

Set-AzureRmVmssStorageProfile $vmssConfig `
  -ImageReferencePublisher "Canonical" `
  -ImageReferenceOffer "0001-com-ubuntu-server-jammy" `
  -ImageReferenceSku "22_04-lts" `
  -ImageReferenceVersion "latest" `
  -OsDiskCreateOption FromImage

Set-AzureRmVmssOsProfile $vmssConfig `
  -AdminUsername "azureuser" `
  -AdminPassword "Vmss-Simple-2017!" `
  -ComputerNamePrefix "app" `
  -LinuxConfigurationDisablePasswordAuthentication $false

Add-AzureRmVmssNetworkInterfaceConfiguration `
  -VirtualMachineScaleSet $vmssConfig `
  -Name "app-nic-config" `
  -Primary $true `
  -IPConfiguration $ipConfig

# Create the scale set
New-AzureRmVmss -ResourceGroupName $resourceGroupName -Name $scaleSetName -VirtualMachineScaleSet $vmssConfig

$vmss = Get-AzureRmVmss -ResourceGroupName $resourceGroupName -VMScaleSetName $scaleSetName
Write-Output "Scale set $($vmss.Name): $($vmss.Sku.Capacity) x $($vmss.Sku.Name)"
