# AzureRM-era script: a Windows scale set with an autoscale setting that adds an instance above
# 75% CPU and removes one below 25%, between 2 and 6 instances.
Login-AzureRmAccount
Select-AzureRmSubscription -SubscriptionId $env:AZURE_SUBSCRIPTION_ID

$rgName = "rg-autoscale-legacy"
$location = "westeurope"
$vmssName = "vmssauto"
$cred = Get-Credential -Message "Admin user name and password for the scale set instances"

New-AzureRmResourceGroup -Name $rgName -Location $location

$subnet = New-AzureRmVirtualNetworkSubnetConfig -Name "default" -AddressPrefix "10.100.0.0/24"
$vnet = New-AzureRmVirtualNetwork -ResourceGroupName $rgName -Name "$vmssName-vnet" -Location $location `
    -AddressPrefix "10.100.0.0/16" -Subnet $subnet
$ipConfig = New-AzureRmVmssIpConfig -Name "$vmssName-ip" -SubnetId $vnet.Subnets[0].Id

$vmssConfig = New-AzureRmVmssConfig -Location $location -SkuCapacity 2 -SkuName "Standard_A1" -UpgradePolicyMode Automatic |
    Set-AzureRmVmssOsProfile -ComputerNamePrefix "auto" -AdminUsername $cred.UserName `
        -AdminPassword $cred.GetNetworkCredential().Password |
    Set-AzureRmVmssStorageProfile -ImageReferencePublisher "MicrosoftWindowsServer" -ImageReferenceOffer "WindowsServer" `
        -ImageReferenceSku "2012-R2-Datacenter" -ImageReferenceVersion "latest" -OsDiskCreateOption FromImage |
    Add-AzureRmVmssNetworkInterfaceConfiguration -Name "$vmssName-nic" -Primary $true -IPConfiguration $ipConfig

$vmss = New-AzureRmVmss -ResourceGroupName $rgName -VMScaleSetName $vmssName -VirtualMachineScaleSet $vmssConfig

# The rules: one instance at a time, a 10-minute cooldown
$ruleOut = New-AzureRmAutoscaleRule -MetricName "Percentage CPU" -MetricResourceId $vmss.Id `
    -Operator GreaterThan -MetricStatistic Average -Threshold 75 -TimeGrain 00:01:00 -TimeWindow 00:10:00 `
    -ScaleActionCooldown 00:10:00 -ScaleActionDirection Increase -ScaleActionScaleType ChangeCount -ScaleActionValue 1
$ruleIn = New-AzureRmAutoscaleRule -MetricName "Percentage CPU" -MetricResourceId $vmss.Id `
    -Operator LessThan -MetricStatistic Average -Threshold 25 -TimeGrain 00:01:00 -TimeWindow 00:10:00 `
    -ScaleActionCooldown 00:10:00 -ScaleActionDirection Decrease -ScaleActionScaleType ChangeCount -ScaleActionValue 1

$autoscaleProfile = New-AzureRmAutoscaleProfile -Name "cpu-profile" -DefaultCapacity 2 -MinimumCapacity 2 `
    -MaximumCapacity 6 -Rule $ruleOut, $ruleIn

Add-AzureRmAutoscaleSetting -Location $location -Name "$vmssName-autoscale" -ResourceGroup $rgName `
    -TargetResourceId $vmss.Id -AutoscaleProfile $autoscaleProfile

$setting = Get-AzureRmAutoscaleSetting -ResourceGroup $rgName -Name "$vmssName-autoscale"
Write-Output "Autoscale $($setting.Name) on $($vmss.Name): $($setting.Profiles[0].Capacity.Minimum)-$($setting.Profiles[0].Capacity.Maximum) instances"
