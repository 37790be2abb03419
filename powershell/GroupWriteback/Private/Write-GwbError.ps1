function Write-GwbError {
    <#
    .SYNOPSIS
    Writes a non-terminating error for one input item, as the calling command.
    #>
    [CmdletBinding()]
    [OutputType([void])]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet] $Cmdlet,

        [Parameter(Mandatory)]
        [string] $Message,

        [Parameter(Mandatory)]
        [string] $ErrorId,

        [Parameter(Mandatory)]
        [System.Management.Automation.ErrorCategory] $Category,

        [AllowNull()]
        [object] $TargetObject,

        [System.Exception] $InnerException
    )

    $exception = switch ($Category) {
        'InvalidData' { [System.IO.InvalidDataException]::new($Message, $InnerException) }
        'InvalidArgument' { [System.ArgumentException]::new($Message, $InnerException) }
        default { [System.InvalidOperationException]::new($Message, $InnerException) }
    }
    $record = [System.Management.Automation.ErrorRecord]::new($exception, $ErrorId, $Category, $TargetObject)
    $Cmdlet.WriteError($record)
}
