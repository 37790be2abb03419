function Get-GwbInnerException {
    <#
    .SYNOPSIS
    The exception a .NET method threw, without PowerShell's invocation wrapper.
    #>
    [CmdletBinding()]
    [OutputType([System.Exception])]
    param(
        [Parameter(Mandatory)]
        [System.Exception] $Exception
    )

    $current = $Exception
    while ($current -is [System.Management.Automation.MethodInvocationException] -and $null -ne $current.InnerException) {
        $current = $current.InnerException
    }
    $current
}
