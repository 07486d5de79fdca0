# User-assigned managed identities for an application, with role assignments: Reader on the
# resource group for each, Storage Account Contributor on one storage account for the first,
# and a VM that runs as the first identity.

$rg = "rg-identity-demo"
$location = "westeurope"

New-AzResourceGroup -Name $rg -Location $location -Force
$storage = New-AzStorageAccount -ResourceGroupName $rg -Name "stidentitydemo01" -Location $location -SkuName Standard_LRS

# Two identities, app-identity-1 and app-identity-2
1..2 | ForEach-Object {
    New-AzUserAssignedIdentity -ResourceGroupName $rg -Name "app-identity-$_" -Location $location | Out-Null
}

$identity = Get-AzUserAssignedIdentity -ResourceGroupName $rg -Name "app-identity-1"
Write-Host "Identity $($identity.Name): principal $($identity.PrincipalId), client $($identity.ClientId)"

# Reader on the group for both
foreach ($i in 1..2) {
    $id = Get-AzUserAssignedIdentity -ResourceGroupName $rg -Name "app-identity-$i"
    New-AzRoleAssignment -ObjectId $id.PrincipalId -RoleDefinitionName "Reader" -ResourceGroupName $rg
}

# Storage Account Contributor on the storage account only, for the first
New-AzRoleAssignment -ObjectId $identity.PrincipalId -RoleDefinitionName "Storage Account Contributor" `
    -Scope $storage.Id

# A Linux VM that runs as the first identity
$securePassword = ConvertTo-SecureString "Identity-Vm-2024!" -AsPlainText -Force
$cred = [pscredential]::new("appadmin", $securePassword)
$subnet = New-AzVirtualNetworkSubnetConfig -Name "app" -AddressPrefix "10.90.0.0/24"
$vnet = New-AzVirtualNetwork -ResourceGroupName $rg -Location $location -Name "vnet-identity" `
    -AddressPrefix "10.90.0.0/16" -Subnet $subnet
$nic = New-AzNetworkInterface -ResourceGroupName $rg -Location $location -Name "appvm01-nic" -SubnetId $vnet.Subnets[0].Id

$vmConfig = New-AzVMConfig -VMName "appvm01" -VMSize "Standard_B1s" -IdentityType UserAssigned -IdentityId $identity.Id |
    Set-AzVMOperatingSystem -Linux -ComputerName "appvm01" -Credential $cred |
    Set-AzVMSourceImage -PublisherName "Canonical" -Offer "0001-com-ubuntu-server-jammy" -Skus "22_04-lts" -Version "latest" |
    Add-AzVMNetworkInterface -Id $nic.Id
New-AzVM -ResourceGroupName $rg -Location $location -VM $vmConfig

Get-AzRoleAssignment -ObjectId $identity.PrincipalId | ForEach-Object {
    Write-Output "$($_.RoleDefinitionName) at $($_.Scope)"
}
