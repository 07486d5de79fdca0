<#
    Deploy an ARM template (a storage account and a virtual network) with parameters given as a
    hashtable: validate it first, deploy it, then read the deployment's output.
#>
Connect-AzAccount
$subId = $env:AZURE_SUBSCRIPTION_ID
Select-AzSubscription -SubscriptionId $subId

$resourceGroupName = "rg-template-demo"
$location = "westeurope"
$deploymentName = "app-infra"

New-AzResourceGroup -Name $resourceGroupName -Location $location -Force

$templateParameters = @{
    storageAccountName = "sttemplatedemo01"
    vnetName           = "vnet-app"
    skuName            = "Standard_LRS"
    environment        = "dev"
}

# Validate before deploying: Test-AzResourceGroupDeployment returns the errors, if any
$errors = Test-AzResourceGroupDeployment -ResourceGroupName $resourceGroupName `
    -TemplateFile .\13_template_deployment.azuredeploy.json -TemplateParameterObject $templateParameters
if ($errors) {
    Write-Error "The template is not valid: $($errors[0].Message)" -ErrorAction Stop
}

$deployment = New-AzResourceGroupDeployment -ResourceGroupName $resourceGroupName -Name $deploymentName `
    -TemplateFile .\13_template_deployment.azuredeploy.json -TemplateParameterObject $templateParameters `
    -Mode Incremental -Verbose

if ($deployment.ProvisioningState -ne "Succeeded") {
    Write-Warning "Deployment $deploymentName ended $($deployment.ProvisioningState)"
}
Write-Output "Blob endpoint: $($deployment.Outputs.blobEndpoint.Value)"

# What does Azure Advisor say about the new group? (Az.Advisor)
Get-AzAdvisorRecommendation -ResourceGroupName $resourceGroupName | Select-Object Category, ShortDescription
