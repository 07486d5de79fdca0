# A key vault with a few secrets: set them from secure strings, read one back, and build a VM
# credential from another (the VM itself is not created here).

$rg = "rg-keyvault-demo"
$location = "westeurope"
$vaultName = "kv-demo-secrets-0815"

New-AzResourceGroup -Name $rg -Location $location -Force
New-AzKeyVault -VaultName $vaultName -ResourceGroupName $rg -Location $location -Sku Standard `
    -EnabledForTemplateDeployment -Tag @{ Environment = "dev"; Owner = "security" }

# The secrets to store, by name
$secretNames = @("sql-admin-password", "vm-admin-password", "api-key")
$values = @{
    "sql-admin-password" = "Sql-Admin-Demo-2024!"
    "vm-admin-password"  = "Vm-Admin-Demo-2024!"
    "api-key"            = "0f8b2c6e9d4a47b1a3c5e7f9"
}

foreach ($name in $secretNames) {
    $secretValue = ConvertTo-SecureString $values[$name] -AsPlainText -Force
    $secret = Set-AzKeyVaultSecret -VaultName $vaultName -Name $name -SecretValue $secretValue -ContentType "text/plain"
    Write-Host "Stored $($secret.Name), version $($secret.Version)"
}

# Two numbered connection strings
1..2 | % {
    $connection = ConvertTo-SecureString "Server=sql0$_.contoso.local;Database=app" -AsPlainText -Force
    Set-AzKeyVaultSecret -VaultName $vaultName -Name "conn-string-$_" -SecretValue $connection | Out-Null
}

# Read them back: names only, never the values
$secretNames | ForEach-Object {
    $s = Get-AzKeyVaultSecret -VaultName $vaultName -Name $_
    if ($s -eq $null) { Write-Warning "Secret $_ is missing" }
    else { Write-Output "$($s.Name) is set (content type $($s.ContentType))" }
}

# A credential for a VM, its password taken from the vault
$vmSecret = Get-AzKeyVaultSecret -VaultName $vaultName -Name "vm-admin-password"
$vmCred = New-Object System.Management.Automation.PSCredential ("vmadmin", $vmSecret.SecretValue)
$apiKey = Get-AzKeyVaultSecret -VaultName $vaultName -Name "api-key" -AsPlainText
Write-Output "Credential for $($vmCred.UserName) ready; the API key has $($apiKey.Length) characters"
