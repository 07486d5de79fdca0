# The web server configuration the seed scenario applies with the DSC extension: IIS with its
# management console, and a default page that says which machine served it.
Configuration webdsc
{
    param
    (
        [string[]] $NodeName = 'localhost'
    )

    Import-DscResource -ModuleName PSDesiredStateConfiguration

    Node $NodeName
    {
        WindowsFeature IIS
        {
            Ensure = 'Present'
            Name   = 'Web-Server'
        }

        WindowsFeature IISManagementConsole
        {
            Ensure    = 'Present'
            Name      = 'Web-Mgmt-Console'
            DependsOn = '[WindowsFeature]IIS'
        }

        File DefaultPage
        {
            Ensure          = 'Present'
            DestinationPath = 'C:\inetpub\wwwroot\index.html'
            Contents        = '<h1>Served by a VM that azrm configured with DSC</h1>'
            DependsOn       = '[WindowsFeature]IIS'
        }
    }
}
