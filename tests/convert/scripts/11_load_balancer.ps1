<#
    A public Standard load balancer for a web tier: a static public IP, a frontend, a backend pool,
    a TCP health probe and rules for HTTP and HTTPS.
#>
Connect-AzAccount
Set-AzContext -SubscriptionId $env:AZURE_SUBSCRIPTION_ID

$rg = "rg-lb-demo"
$location = "westeurope"
$lbName = "lb-web"

New-AzResourceGroup -Name $rg -Location $location -Tag @{ Environment = "test"; Owner = "netops" }

$publicIp = New-AzPublicIpAddress -ResourceGroupName $rg -Name "$lbName-pip" -Location $location `
    -AllocationMethod Static -Sku Standard -DomainNameLabel "lb-web-demo-weu"

$frontend = New-AzLoadBalancerFrontendIpConfig -Name "$lbName-frontend" -PublicIpAddressId $publicIp.Id
$pool = New-AzLoadBalancerBackendAddressPoolConfig -Name "$lbName-pool"
$probe = New-AzLoadBalancerProbeConfig -Name "tcp-80" -Protocol Tcp -Port 80 -IntervalInSeconds 5 -ProbeCount 2

$rules = @()
foreach ($port in 80, 443) {
    $rules += New-AzLoadBalancerRuleConfig -Name "rule-$port" -FrontendIpConfiguration $frontend `
        -BackendAddressPool $pool -Probe $probe -Protocol Tcp -FrontendPort $port -BackendPort $port `
        -IdleTimeoutInMinutes 15
}

# The common parameters splatted, the load balancer's parts given by name beside them
$lbParams = @{
    ResourceGroupName = $rg
    Name              = $lbName
    Location          = $location
}
$lb = New-AzLoadBalancer @lbParams -Sku Standard -FrontendIpConfiguration $frontend `
    -BackendAddressPool $pool -Probe $probe -LoadBalancingRule $rules

Write-Output "Load balancer $($lb.Name) answers on $($publicIp.IpAddress) ($($publicIp.DnsSettings.Fqdn))"
$lb.LoadBalancingRules | ForEach-Object { Write-Output "  $($_.Name): $($_.FrontendPort) -> $($_.BackendPort)" }
