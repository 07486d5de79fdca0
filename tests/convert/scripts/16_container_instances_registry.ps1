# A container registry with its admin user, and a container group running the ACI hello-world
# image on a public IP with a DNS label.

Set-AzContext -SubscriptionId $env:AZURE_SUBSCRIPTION_ID

$resourceGroup = "rg-containers-demo"
$location = "eastus"
$registryName = "acrcontainersdemo01"

New-AzResourceGroup -Name $resourceGroup -Location $location -Force

# The registry, and its admin credentials
$registry = New-AzContainerRegistry -ResourceGroupName $resourceGroup -Name $registryName -Location $location `
    -Sku "Basic" -EnableAdminUser
$creds = Get-AzContainerRegistryCredential -ResourceGroupName $resourceGroup -Name $registryName
Write-Host "Registry $($registry.LoginServer): sign in as $($creds.Username)"

# The container group: one container, port 80, public
$port = New-AzContainerInstancePortObject -Port 80 -Protocol TCP
$envVars = @(
    New-AzContainerInstanceEnvironmentVariableObject -Name "TITLE" -Value "Hello from azrm"
)
$container = New-AzContainerInstanceObject -Name "hello" -Image "mcr.microsoft.com/azuredocs/aci-helloworld" `
    -RequestCpu 1 -RequestMemoryInGb 1.5 -Port @($port) -EnvironmentVariable $envVars

$containerGroup = New-AzContainerGroup -ResourceGroupName $resourceGroup -Name "aci-hello" -Location $location `
    -Container $container -OsType Linux -RestartPolicy Always -IpAddressType Public `
    -IPAddressDnsNameLabel "aci-hello-demo-eastus"

Write-Output "Container group $($containerGroup.Name): $($containerGroup.ProvisioningState), FQDN $($containerGroup.IPAddressFqdn)"
