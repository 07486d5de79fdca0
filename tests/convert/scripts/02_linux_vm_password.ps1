# Create an Ubuntu 22.04 VM with password authentication, the VM configuration built in one pipeline.
# Assumes a signed-in session (Connect-AzAccount already run).

$resourceGroup = "rg-linuxvm-demo"
$location = "eastus"
$vmName = "ubuntu01"

# Credentials: a password (Add-AzVMSshPublicKey would add an SSH key instead)
$securePassword = ConvertTo-SecureString "Ubuntu-Demo-22.04" -AsPlainText -Force
$cred = [pscredential]::new("azureuser", $securePassword)

New-AzResourceGroup -Name $resourceGroup -Location $location -Force

# Network: one subnet, a public IP and an NSG that allows SSH
$subnet = New-AzVirtualNetworkSubnetConfig -Name "$vmName-subnet" -AddressPrefix "10.10.1.0/24"
$vnet = New-AzVirtualNetwork -ResourceGroupName $resourceGroup -Location $location -Name "$vmName-vnet" `
    -AddressPrefix "10.10.0.0/16" -Subnet $subnet
$pip = New-AzPublicIpAddress -ResourceGroupName $resourceGroup -Location $location -Name "$vmName-pip" `
    -AllocationMethod Static -Sku Standard -DomainNameLabel "ubuntu01-demo-eastus"
$sshRule = New-AzNetworkSecurityRuleConfig -Name "allow-ssh" -Protocol Tcp -Direction Inbound -Priority 1000 `
    -SourceAddressPrefix * -SourcePortRange * -DestinationAddressPrefix * -DestinationPortRange 22 -Access Allow
$nsg = New-AzNetworkSecurityGroup -ResourceGroupName $resourceGroup -Location $location -Name "$vmName-nsg" `
    -SecurityRules $sshRule
$nic = New-AzNetworkInterface -ResourceGroupName $resourceGroup -Location $location -Name "$vmName-nic" `
    -SubnetId $vnet.Subnets[0].Id -PublicIpAddressId $pip.Id -NetworkSecurityGroupId $nsg.Id

# The VM configuration in one pipeline
$vmConfig = New-AzVMConfig -VMName $vmName -VMSize "Standard_B1s" |
    Set-AzVMOperatingSystem -Linux -ComputerName $vmName -Credential $cred |
    Set-AzVMSourceImage -PublisherName "Canonical" -Offer "0001-com-ubuntu-server-jammy" -Skus "22_04-lts" -Version "latest" |
    Add-AzVMNetworkInterface -Id $nic.Id |
    Set-AzVMOSDisk -Name "$vmName-osdisk" -CreateOption FromImage -StorageAccountType Standard_LRS -Linux

New-AzVM -ResourceGroupName $resourceGroup -Location $location -VM $vmConfig -ErrorAction Stop

$vm = Get-AzVM -ResourceGroupName $resourceGroup -Name $vmName
Write-Output "Created $($vm.Name) ($($vm.HardwareProfile.VmSize)); ssh azureuser@$($pip.DnsSettings.Fqdn)"
