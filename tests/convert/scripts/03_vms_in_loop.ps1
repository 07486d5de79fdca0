# Create three identical Windows VMs in a loop, each with its own NIC, as background jobs (-AsJob),
# then wait for the jobs and list what they made.

Connect-AzAccount
$subId = $env:AZURE_SUBSCRIPTION_ID
Select-AzSubscription -SubscriptionId $subId

$resourceGroup = "rg-webfarm-loop"
$location = "westeurope"
$cred = Get-Credential -Message "Enter a username and password for the virtual machines."

New-AzResourceGroup -Name $resourceGroup -Location $location

$subnet = New-AzVirtualNetworkSubnetConfig -Name "web" -AddressPrefix "10.1.0.0/24"
$vnet = New-AzVirtualNetwork -ResourceGroupName $resourceGroup -Location $location -Name "web-vnet" `
    -AddressPrefix "10.1.0.0/16" -Subnet $subnet

$jobs = @()
foreach ($i in 1..3) {
    $vmName = "web0$i"
    $nic = New-AzNetworkInterface -ResourceGroupName $resourceGroup -Location $location -Name "$vmName-nic" `
        -SubnetId $vnet.Subnets[0].Id
    $vmConfig = New-AzVMConfig -VMName $vmName -VMSize "Standard_B2s" |
        Set-AzVMOperatingSystem -Windows -ComputerName $vmName -Credential $cred -ProvisionVMAgent |
        Set-AzVMSourceImage -PublisherName "MicrosoftWindowsServer" -Offer "WindowsServer" -Skus "2019-Datacenter" -Version "latest" |
        Add-AzVMNetworkInterface -Id $nic.Id
    $vmConfig = Set-AzVMOSDisk -VM $vmConfig -Name "$($vmConfig.Name)-osdisk" -CreateOption FromImage -Windows
    Write-Host "Starting the deployment of $vmName"
    $jobs += New-AzVM -ResourceGroupName $resourceGroup -Location $location -VM $vmConfig -AsJob
}

# Wait for all three, then show the results
$jobs | Wait-Job | Out-Null
$jobs | Receive-Job

foreach ($vm in Get-AzVM -ResourceGroupName $resourceGroup) {
    Write-Output "$($vm.Name): $($vm.ProvisioningState)"
}
