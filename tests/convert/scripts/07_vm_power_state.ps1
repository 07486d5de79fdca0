# Create a small VM, then stop, start and restart it, checking its power state with Get-AzVM -Status.

$rg = "rg-vmpower-demo"
$location = "eastus"
$vmName = "opsvm01"

$securePassword = ConvertTo-SecureString "OpsVm-Power-2024!" -AsPlainText -Force
$cred = New-Object System.Management.Automation.PSCredential ("opsadmin", $securePassword)

New-AzResourceGroup -Name $rg -Location $location -Force

$subnet = New-AzVirtualNetworkSubnetConfig -Name "default" -AddressPrefix "10.30.0.0/24"
$vnet = New-AzVirtualNetwork -ResourceGroupName $rg -Location $location -Name "$vmName-vnet" -AddressPrefix "10.30.0.0/16" -Subnet $subnet
$nic = New-AzNetworkInterface -ResourceGroupName $rg -Location $location -Name "$vmName-nic" -SubnetId $vnet.Subnets[0].Id

$vm = New-AzVMConfig -VMName $vmName -VMSize "Standard_B1ms"
$vm = Set-AzVMOperatingSystem -VM $vm -Windows -ComputerName $vmName -Credential $cred
$vm = Set-AzVMSourceImage -VM $vm -PublisherName "MicrosoftWindowsServer" -Offer "WindowsServer" -Skus "2019-Datacenter" -Version "latest"
$vm = Add-AzVMNetworkInterface -VM $vm -Id $nic.Id
$vm = Set-AzVMOSDisk -VM $vm -Name "$($vm.Name)-osdisk" -CreateOption FromImage -Windows

$vmParams = @{
    ResourceGroupName = $rg
    Location          = $location
    VM                = $vm
}
New-AzVM @vmParams

# Stop (deallocate), then start, then restart twice
Stop-AzVM -ResourceGroupName $rg -Name $vmName -Force
Start-AzVM -ResourceGroupName $rg -Name $vmName
1..2 | % {
    Write-Host "Restart $_ of 2"
    Restart-AzVM -ResourceGroupName $rg -Name $vmName
    Start-Sleep -Seconds 2
}

$status = Get-AzVM -ResourceGroupName $rg -Name $vmName -Status
$powerState = ($status.Statuses | Where-Object { $_.Code -like "PowerState/*" }).DisplayStatus
if ($powerState -eq "VM running") {
    Write-Host "$vmName is running"
}
elseif ($powerState -eq "VM deallocated") {
    Write-Host "$vmName is deallocated: starting it"
    Start-AzVM -ResourceGroupName $rg -Name $vmName
}
else {
    Write-Warning "$vmName is in state '$powerState'"
}
