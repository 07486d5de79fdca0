# AzureRM-era script: a Windows VM configured as a web server by the DSC extension.
# Publish .\webdsc.ps1 to a storage account, then attach it with Set-AzureRmVMDscExtension.
Login-AzureRmAccount

$rgName = "rg-dsc-web"
$location = "westeurope"
$storageName = "stdscweb2012"
$vmName = "dscweb01"

$password = ConvertTo-SecureString "DscWeb-2012R2-Demo!" -AsPlainText -Force
$credential = New-Object System.Management.Automation.PSCredential ("dscadmin", $password)

New-AzureRmResourceGroup –Name $rgName –Location $location
$storage = New-AzureRmStorageAccount –ResourceGroupName $rgName –Name $storageName –SkuName Standard_LRS –Location $location

$subnet = New-AzureRmVirtualNetworkSubnetConfig -Name "web" -AddressPrefix "10.70.0.0/24"
$vnet = New-AzureRmVirtualNetwork -Name "dsc-vnet" -ResourceGroupName $rgName -Location $location `
    -AddressPrefix "10.70.0.0/16" -Subnet $subnet
$pip = New-AzureRmPublicIpAddress -Name "$vmName-pip" -ResourceGroupName $rgName -Location $location -AllocationMethod Dynamic
$nic = New-AzureRmNetworkInterface -Name "$vmName-nic" -ResourceGroupName $rgName -Location $location `
    -SubnetId $vnet.Subnets[0].Id -PublicIpAddressId $pip.Id

$vm = New-AzureRmVMConfig -VMName $vmName -VMSize "Standard_A2"
$vm = Set-AzureRmVMOperatingSystem -VM $vm -Windows -ComputerName $vmName -Credential $credential -ProvisionVMAgent -EnableAutoUpdate
$vm = Set-AzureRmVMSourceImage -VM $vm -PublisherName MicrosoftWindowsServer -Offer WindowsServer -Skus 2012-R2-Datacenter -Version "latest"
$vm = Add-AzureRmVMNetworkInterface -VM $vm -Id $nic.Id
$osDiskUri = $storage.PrimaryEndpoints.Blob.ToString() + "vhds/" + $vmName + "-osdisk.vhd"
$vm = Set-AzureRmVMOSDisk -VM $vm -Name "$vmName-osdisk" -VhdUri $osDiskUri -CreateOption FromImage

New-AzureRmVM -ResourceGroupName $rgName -Location $location -VM $vm

# Publish the configuration, then apply it with the DSC extension
Publish-AzureRmVMDscConfiguration -ResourceGroupName $rgName -ConfigurationPath .\webdsc.ps1 `
    -StorageAccountName $storageName -Force
Set-AzureRmVMDscExtension -ResourceGroupName $rgName –VMName $vmName ` 
    -ArchiveBlobName "webdsc.ps1.zip" -ArchiveStorageAccountName $storageName ` 
    -ConfigurationName "webdsc" -Version "2.7" -Location $location

$dsc = Get-AzureRmVMDscExtensionStatus -ResourceGroupName $rgName -VMName $vmName
Write-Host "DSC on $($vmName): $($dsc.StatusMessage)"
