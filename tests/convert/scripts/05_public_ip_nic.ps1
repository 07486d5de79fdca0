# AzureRM-era script: a public IP and a NIC in an existing virtual network (made here if missing).
Login-AzureRmAccount

$ResourceGroupName = "rg-nic-legacy"
$Location = "westeurope"
$VNetName = "vnet-legacy"

# Create the resource group only when it is not there yet
if (-not (Get-AzureRmResourceGroup -Name $ResourceGroupName -ErrorAction SilentlyContinue)) {
    New-AzureRmResourceGroup -Name $ResourceGroupName -Location $Location
}

$existing = Get-AzureRmVirtualNetwork -Name $VNetName -ResourceGroupName $ResourceGroupName -ErrorAction SilentlyContinue
if ($existing -eq $null) {
    $Subnet = New-AzureRmVirtualNetworkSubnetConfig -Name "apps" -AddressPrefix "172.16.1.0/24"
    New-AzureRmVirtualNetwork -Name $VNetName -ResourceGroupName $ResourceGroupName -Location $Location `
        -AddressPrefix "172.16.0.0/16" -Subnet $Subnet | Out-Null
}

$PublicIP = New-AzureRmPublicIpAddress -Name "app01-pip" -ResourceGroupName $ResourceGroupName `
    -Location $Location -AllocationMethod Static -DomainNameLabel "app01-legacy-weu"

$SubnetId = (Get-AzureRmVirtualNetwork -Name $VNetName -ResourceGroupName $ResourceGroupName).Subnets[0].Id
$NIC = New-AzureRmNetworkInterface -Name "app01-nic" -ResourceGroupName $ResourceGroupName -Location $Location `
    -SubnetId $SubnetId -PublicIpAddressId $PublicIP.Id -PrivateIpAddress "172.16.1.10"

$PublicIP = Get-AzureRmPublicIpAddress -Name "app01-pip" -ResourceGroupName $ResourceGroupName
Write-Host "NIC $($NIC.Name) has $($NIC.IpConfigurations[0].PrivateIpAddress), public $($PublicIP.IpAddress)"
