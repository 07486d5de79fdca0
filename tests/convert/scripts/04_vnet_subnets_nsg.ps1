# A virtual network with a front-end, a back-end and a management subnet, and a network security
# group with rules, attached to the front-end subnet (as copied from a web page: note the dashes).

$rgName = "rg-network-demo"
$location = "westeurope"
$vnetName = "vnet-hub"
$subnetNames = @("frontend", "backend", "management")
$webPorts = "80", "443"

New-AzResourceGroup –Name $rgName –Location $location

# NSG rules: web traffic from the Internet, RDP only from the management subnet, deny the rest
$webRule = New-AzNetworkSecurityRuleConfig –Name "allow-web" –Description "Allow HTTP and HTTPS" `
    –Access Allow –Protocol Tcp –Direction Inbound –Priority 100 `
    –SourceAddressPrefix Internet –SourcePortRange * `
    –DestinationAddressPrefix * –DestinationPortRange $webPorts
$rdpRule = New-AzNetworkSecurityRuleConfig -Name "allow-rdp-mgmt" -Description "RDP from management" `
    -Access Allow -Protocol Tcp -Direction Inbound -Priority 110 `
    -SourceAddressPrefix "10.20.3.0/24" -SourcePortRange * `
    -DestinationAddressPrefix * -DestinationPortRange 3389
$denyRule = New-AzNetworkSecurityRuleConfig -Name "deny-all-inbound" -Access Deny -Protocol * `
    -Direction Inbound -Priority 4000 -SourceAddressPrefix * -SourcePortRange * `
    -DestinationAddressPrefix * -DestinationPortRange *

$nsg = New-AzNetworkSecurityGroup -ResourceGroupName $rgName -Location $location -Name "nsg-frontend" `
    -SecurityRules $webRule, $rdpRule, $denyRule

# One subnet configuration per name; the NSG goes on the front end
$subnets = @()
$index = 1
foreach ($name in $subnetNames) {
    $prefix = "10.20.$index.0/24"
    if ($name –eq "frontend") {
        $subnets += New-AzVirtualNetworkSubnetConfig -Name $name -AddressPrefix $prefix -NetworkSecurityGroupId $nsg.Id
    }
    else {
        $subnets += New-AzVirtualNetworkSubnetConfig -Name $name -AddressPrefix $prefix
    }
    $index++
}

$vnet = New-AzVirtualNetwork -ResourceGroupName $rgName -Location $location -Name $vnetName `
    -AddressPrefix "10.20.0.0/16" -Subnet $subnets -DnsServer "10.20.3.4", "10.20.3.5"

foreach ($subnet in $vnet.Subnets) {
    Write-Host "Subnet $($subnet.Name): $($subnet.AddressPrefix)"
}
