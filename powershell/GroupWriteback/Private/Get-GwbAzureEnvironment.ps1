function Get-GwbAzureEnvironment {
    <#
    .SYNOPSIS
    Reads Azure Identity's environment variables (never returns a secret's value).

    .DESCRIPTION
    Read by the module rather than the native library: on Linux and macOS,
    variables set in a PowerShell session ($env:X = ...) are not visible to
    native code, which reads the process environment it was started with.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param()

    $read = { param($name) $value = [System.Environment]::GetEnvironmentVariable($name); if ([string]::IsNullOrWhiteSpace($value)) { $null } else { $value } }
    [pscustomobject]@{
        TenantId        = & $read 'AZURE_TENANT_ID'
        ClientId        = & $read 'AZURE_CLIENT_ID'
        HasSecret       = $null -ne (& $read 'AZURE_CLIENT_SECRET')
        CertificatePath = & $read 'AZURE_CLIENT_CERTIFICATE_PATH'
        AuthorityHost   = & $read 'AZURE_AUTHORITY_HOST'
    }
}
