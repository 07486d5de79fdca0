<#
    A VM scale set web farm (the source document's first system), the Az PowerShell way:
    identical Windows web servers configured by the DSC extension (IIS from webdsc.ps1), behind a
    load balancer (HTTP on 80 with a probe, RDP to each instance through a NAT pool from 50000),
    an NSG that lets HTTP in from anywhere and RDP only from the admins' prefix, a management VM
    in its own subnet, and autoscale from 2 to 10 instances on CPU.
    The same names and sizes as examples/seed_vmss_web_farm.py.
#>

Connect-AzAccount

# Variables
$rgName      = "KNVmssWeb01"
$location    = "westeurope"
$storageName = "knwebdsc5050"      # the DSC archive's storage account (lowercase, globally unique)
$dnsLabel    = "knweb5050"
$rdpSource   = "203.0.113.0/24"
$vmssName    = "webfarm"

$adminUser = "knadmin"
$adminPassword = "Kn-WebFarm-2015!"
$securePassword = ConvertTo-SecureString $adminPassword -AsPlainText -Force
$cred = New-Object System.Management.Automation.PSCredential ($adminUser, $securePassword)

# Resource group and the storage account for the DSC archive
New-AzResourceGroup -Name $rgName -Location $location -Force
$storage = New-AzStorageAccount -ResourceGroupName $rgName -Name $storageName -Location $location `
    -SkuName Standard_LRS -Kind StorageV2

# Network security group: HTTP from anywhere, RDP only from the admins
$httpRule = New-AzNetworkSecurityRuleConfig -Name "allow-http" -Protocol Tcp -Direction Inbound -Priority 100 `
    -Access Allow -SourceAddressPrefix Internet -SourcePortRange * -DestinationAddressPrefix * -DestinationPortRange 80
$rdpRule = New-AzNetworkSecurityRuleConfig -Name "allow-rdp-admins" -Protocol Tcp -Direction Inbound -Priority 110 `
    -Access Allow -SourceAddressPrefix $rdpSource -SourcePortRange * -DestinationAddressPrefix * -DestinationPortRange 3389
$nsg = New-AzNetworkSecurityGroup -ResourceGroupName $rgName -Location $location -Name "web-nsg" `
    -SecurityRules $httpRule, $rdpRule

# Virtual network: the web subnet behind the NSG, and a management subnet
$webSubnet = New-AzVirtualNetworkSubnetConfig -Name "web" -AddressPrefix "10.0.0.0/24" -NetworkSecurityGroupId $nsg.Id
$mgmtSubnet = New-AzVirtualNetworkSubnetConfig -Name "mgmt" -AddressPrefix "10.0.1.0/24"
$vnet = New-AzVirtualNetwork -ResourceGroupName $rgName -Name "KNVnetWeb" -Location $location `
    -AddressPrefix "10.0.0.0/16" -Subnet $webSubnet, $mgmtSubnet

# Load balancer: a public frontend, a backend pool, an HTTP probe and rule, and an RDP NAT pool
$lbIp = New-AzPublicIpAddress -ResourceGroupName $rgName -Name "web-lb-ip" -Location $location `
    -AllocationMethod Static -DomainNameLabel $dnsLabel
$frontend = New-AzLoadBalancerFrontendIpConfig -Name "web-frontend" -PublicIpAddressId $lbIp.Id
$backendPool = New-AzLoadBalancerBackendAddressPoolConfig -Name "web-pool"
$probe = New-AzLoadBalancerProbeConfig -Name "http-probe" -Protocol Http -Port 80 -RequestPath "/" `
    -IntervalInSeconds 15 -ProbeCount 2
$httpLbRule = New-AzLoadBalancerRuleConfig -Name "http" -FrontendIpConfiguration $frontend `
    -BackendAddressPool $backendPool -Probe $probe -Protocol Tcp -FrontendPort 80 -BackendPort 80
$rdpNatPool = New-AzLoadBalancerInboundNatPoolConfig -Name "rdp" -FrontendIpConfiguration $frontend `
    -Protocol Tcp -FrontendPortRangeStart 50000 -FrontendPortRangeEnd 50119 -BackendPort 3389
$lb = New-AzLoadBalancer -ResourceGroupName $rgName -Name "web-lb" -Location $location `
    -FrontendIpConfiguration $frontend -BackendAddressPool $backendPool -Probe $probe `
    -LoadBalancingRule $httpLbRule -InboundNatPool $rdpNatPool

# Publish the DSC configuration (IIS) to the storage account; the extension applies it on every instance
$archiveUrl = Publish-AzVMDscConfiguration -ResourceGroupName $rgName -ConfigurationPath .\webdsc.ps1 `
    -StorageAccountName $storageName -Force
$dscSettings = @{
    wmfVersion    = "latest"
    configuration = @{
        url      = $archiveUrl
        script   = "webdsc.ps1"
        function = "webdsc"
    }
}
# The archive's container is private: the instances read it with a SAS token, kept in the protected settings
$sasToken = New-AzStorageBlobSASToken -Container "windows-powershell-dsc" -Blob "webdsc.ps1.zip" -Permission r `
    -ExpiryTime (Get-Date).AddHours(2) -Context $storage.Context
$dscProtectedSettings = @{ configurationUrlSasToken = "?$sasToken" }

# The scale set: 3 x Standard_A2, Windows Server 2016, in the web subnet behind the load balancer
$ipConfig = New-AzVmssIpConfig -Name "web-ip" -SubnetId $vnet.Subnets[0].Id `
    -LoadBalancerBackendAddressPoolsId $lb.BackendAddressPools[0].Id `
    -LoadBalancerInboundNatPoolsId $lb.InboundNatPools[0].Id

$vmssConfig = New-AzVmssConfig -Location $location -SkuCapacity 3 -SkuName "Standard_A2" -UpgradePolicyMode Manual |
    Set-AzVmssOsProfile -ComputerNamePrefix "web" -AdminUsername $adminUser -AdminPassword $adminPassword |
    Set-AzVmssStorageProfile -ImageReferencePublisher "MicrosoftWindowsServer" -ImageReferenceOffer "WindowsServer" `
        -ImageReferenceSku "2016-Datacenter" -ImageReferenceVersion "latest" -OsDiskCreateOption FromImage |
    Add-AzVmssNetworkInterfaceConfiguration -Name "web-nic" -Primary $true -IPConfiguration $ipConfig |
    Add-AzVmssExtension -Name "Microsoft.Powershell.DSC" -Publisher "Microsoft.Powershell" -Type "DSC" `
        -TypeHandlerVersion "2.77" -Setting $dscSettings -ProtectedSetting $dscProtectedSettings

$farm = New-AzVmss -ResourceGroupName $rgName -VMScaleSetName $vmssName -VirtualMachineScaleSet $vmssConfig -Verbose

# The management VM, in the mgmt subnet
$mgmtIp = New-AzPublicIpAddress -ResourceGroupName $rgName -Name "mgmt-ip" -Location $location -AllocationMethod Dynamic
$mgmtNic = New-AzNetworkInterface -ResourceGroupName $rgName -Name "mgmt-nic" -Location $location `
    -SubnetId $vnet.Subnets[1].Id -PublicIpAddressId $mgmtIp.Id
$mgmtVm = New-AzVMConfig -VMName "KNMGMT01" -VMSize "Standard_A2" |
    Set-AzVMOperatingSystem -Windows -ComputerName "KNMGMT01" -Credential $cred |
    Set-AzVMSourceImage -PublisherName "MicrosoftWindowsServer" -Offer "WindowsServer" -Skus "2016-Datacenter" -Version "latest" |
    Add-AzVMNetworkInterface -Id $mgmtNic.Id
New-AzVM -ResourceGroupName $rgName -Location $location -VM $mgmtVm

# Autoscale: out above 70% CPU, in below 30%, between 2 and 10 instances
$scaleOut = New-AzAutoscaleRule -MetricName "Percentage CPU" -MetricResourceId $farm.Id -Operator GreaterThan `
    -MetricStatistic Average -Threshold 70 -TimeGrain 00:01:00 -TimeWindow 00:05:00 `
    -ScaleActionCooldown 00:05:00 -ScaleActionDirection Increase -ScaleActionValue 1
$scaleIn = New-AzAutoscaleRule -MetricName "Percentage CPU" -MetricResourceId $farm.Id -Operator LessThan `
    -MetricStatistic Average -Threshold 30 -TimeGrain 00:01:00 -TimeWindow 00:05:00 `
    -ScaleActionCooldown 00:05:00 -ScaleActionDirection Decrease -ScaleActionValue 1
$autoscaleProfile = New-AzAutoscaleProfile -Name "cpu" -DefaultCapacity 3 -MinimumCapacity 2 -MaximumCapacity 10 `
    -Rule $scaleOut, $scaleIn
Add-AzAutoscaleSetting -ResourceGroupName $rgName -Name "webfarm-autoscale" -Location $location `
    -TargetResourceId $farm.Id -AutoscaleProfile $autoscaleProfile

Write-Host "Web site: http://$($lbIp.DnsSettings.Fqdn)/ (RDP to the instances from $rdpSource, ports 50000+)"
