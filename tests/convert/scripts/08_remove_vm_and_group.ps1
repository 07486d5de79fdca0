# Clean up: remove a test VM (and its NIC) from a group that stays, then remove a whole scratch group.
# The script first makes what it removes, so that it can run on its own.

$keepGroup = "rg-cleanup-keep"
$scratchGroup = "rg-cleanup-scratch"
$location = "westeurope"
$vmName = "tempvm01"

$securePassword = ConvertTo-SecureString "TempVm-Remove-2024!" -AsPlainText -Force
$cred = [pscredential]::new("tempadmin", $securePassword)

New-AzResourceGroup -Name $keepGroup -Location $location -Force
New-AzResourceGroup -Name $scratchGroup -Location $location -Force
New-AzStorageAccount -ResourceGroupName $scratchGroup -Name "stscratch0815" -Location $location -SkuName Standard_LRS

$subnet = New-AzVirtualNetworkSubnetConfig -Name "default" -AddressPrefix "10.40.0.0/24"
New-AzVirtualNetwork -ResourceGroupName $keepGroup -Location $location -Name "vnet-keep" `
    -AddressPrefix "10.40.0.0/16" -Subnet $subnet | Out-Null
$nic = New-AzNetworkInterface -ResourceGroupName $keepGroup -Location $location -Name "$vmName-nic" `
    -SubnetId (Get-AzVirtualNetwork -Name "vnet-keep" -ResourceGroupName $keepGroup).Subnets[0].Id

$vmConfig = New-AzVMConfig -VMName $vmName -VMSize "Standard_B1s" |
    Set-AzVMOperatingSystem -Linux -ComputerName $vmName -Credential $cred |
    Set-AzVMSourceImage -PublisherName "Canonical" -Offer "0001-com-ubuntu-server-jammy" -Skus "22_04-lts" -Version "latest" |
    Add-AzVMNetworkInterface -Id $nic.Id
New-AzVM -ResourceGroupName $keepGroup -Location $location -VM $vmConfig

# Remove the VM, then its NIC (Remove-AzVM leaves the NIC and the disk behind)
$vm = Get-AzVM -ResourceGroupName $keepGroup -Name $vmName -ErrorAction SilentlyContinue
if ($vm -ne $null) {
    Remove-AzVM -ResourceGroupName $keepGroup -Name $vmName -Force
    Remove-AzNetworkInterface -ResourceGroupName $keepGroup -Name "$vmName-nic" -Force
}

# Remove the scratch group in the background and wait for it
$job = Remove-AzResourceGroup -Name $scratchGroup -Force -AsJob
$job | Wait-Job
Receive-Job -Job $job

if (-not (Get-AzResourceGroup -Name $scratchGroup -ErrorAction SilentlyContinue)) {
    Write-Output "$scratchGroup is gone"
}
