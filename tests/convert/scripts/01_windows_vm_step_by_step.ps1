<#
.SYNOPSIS
    Create a Windows Server 2019 VM step by step: resource group, network, public IP, NIC, then the
    VM configuration one cmdlet at a time (the style of the "Create a Windows VM" sample).
#>

# Sign in to Azure
Connect-AzAccount

# Variables for common values
$resourceGroup = "rg-winvm-demo"
$location = "westeurope"
$vmName = "winvm01"
$tags = @{ Environment = "dev"; Owner = "ops" }
$managementPorts = "3389", "5986"

# Create user object
$user = "azureuser"
$securePassword = ConvertTo-SecureString "Winvm-Demo-2019!x" -AsPlainText -Force
$cred = New-Object System.Management.Automation.PSCredential ($user, $securePassword)

# Create a resource group
New-AzResourceGroup -Name $resourceGroup -Location $location -Tag $tags

# Create a subnet configuration and a virtual network
$subnetConfig = New-AzVirtualNetworkSubnetConfig -Name "default" -AddressPrefix 192.168.1.0/24
$vnet = New-AzVirtualNetwork -ResourceGroupName $resourceGroup -Location $location `
  -Name "$vmName-vnet" -AddressPrefix 192.168.0.0/16 -Subnet $subnetConfig -Tag $tags

# Create a public IP address
$pip = New-AzPublicIpAddress -ResourceGroupName $resourceGroup -Location $location ` 
  -Name "$vmName-pip" -AllocationMethod Static -Sku Standard -IdleTimeoutInMinutes 4

# Create a network security group with a rule for RDP and WinRM over HTTPS
$nsgRuleRDP = New-AzNetworkSecurityRuleConfig -Name "allow-management" -Protocol Tcp `
  -Direction Inbound -Priority 1000 -SourceAddressPrefix * -SourcePortRange * `
  -DestinationAddressPrefix * -DestinationPortRange $managementPorts -Access Allow
$nsg = New-AzNetworkSecurityGroup -ResourceGroupName $resourceGroup -Location $location `
  -Name "$vmName-nsg" -SecurityRules $nsgRuleRDP

# Create a virtual network card and associate it with the public IP address and NSG
$nic = New-AzNetworkInterface -Name "$vmName-nic" -ResourceGroupName $resourceGroup -Location $location `
  -SubnetId $vnet.Subnets[0].Id -PublicIpAddressId $pip.Id -NetworkSecurityGroupId $nsg.Id

# Create the virtual machine configuration, one step at a time
$vm = New-AzVMConfig -VMName $vmName -VMSize Standard_B2s
$vm = Set-AzVMOperatingSystem -VM $vm -Windows -ComputerName $vmName -Credential $cred -ProvisionVMAgent -EnableAutoUpdate
$vm = Set-AzVMSourceImage -VM $vm -PublisherName MicrosoftWindowsServer -Offer WindowsServer ` 
  -Skus 2019-Datacenter -Version latest
$vm = Add-AzVMNetworkInterface -VM $vm -Id $nic.Id
$vm = Set-AzVMOSDisk -VM $vm -Name "$($vm.Name)-osdisk" -CreateOption FromImage -StorageAccountType Standard_LRS -Windows
$vm = Set-AzVMBootDiagnostic -VM $vm -Disable

# Create the virtual machine
New-AzVM -ResourceGroupName $resourceGroup -Location $location -VM $vm -Verbose

$pip = Get-AzPublicIpAddress -ResourceGroupName $resourceGroup -Name "$vmName-pip"
Write-Host "Connect with: mstsc /v:$($pip.IpAddress)"
