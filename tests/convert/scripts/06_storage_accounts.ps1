# Create a few storage accounts with tags, then read their keys.
# Assumes a signed-in session.

$resourceGroup = "rg-storage-demo"
$location = "westeurope"
$accountNames = @("stdemologs01", "stdemodata01", "stdemobackup01")
$commonTags = @{ Environment = "dev"; Owner = "ops"; CostCenter = "1234" }

New-AzResourceGroup -Name $resourceGroup -Location $location -Tag $commonTags -Force

# The parameters every account shares, splatted; the name is given beside them
$storageParams = @{
    ResourceGroupName = $resourceGroup
    Location          = $location
    SkuName           = "Standard_LRS"
    Kind              = "StorageV2"
    Tag               = $commonTags
}

$accountNames | ForEach-Object {
    Write-Host "Creating storage account $_"
    New-AzStorageAccount @storageParams -Name $_ -AccessTier Hot -MinimumTlsVersion TLS1_2 | Out-Null
}

# A geo-redundant account for backups, with its own tags
New-AzStorageAccount -ResourceGroupName $resourceGroup -Name "stdemogrs01" -Location $location `
    -SkuName Standard_GRS -Kind StorageV2 -Tag @{ Environment = "dev"; Tier = "backup" } | Out-Null

# Read the keys of each account (only the first key is shown, masked)
1..3 | ForEach-Object {
    $name = $accountNames[$_ - 1]
    $keys = Get-AzStorageAccountKey -ResourceGroupName $resourceGroup -Name $name
    $key = $keys[0].Value
    Write-Output "$name key1 ends with ...$($key.Substring($key.Length - 4))"
}

$account = Get-AzStorageAccount -ResourceGroupName $resourceGroup -Name "stdemodata01"
Write-Output "Blob endpoint: $($account.PrimaryEndpoints.Blob)"
