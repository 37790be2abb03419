function Write-GwbNativeError {
    <#
    .SYNOPSIS
    Writes the error of a failed native call for one group, as the calling command.

    .DESCRIPTION
    A group the library cannot read (wrong JSON types, not an object) is
    InvalidData; an argument it refuses is InvalidArgument; anything else
    (a caught panic, an unexpected answer) is InvalidOperation and asks for a
    report. The message names the group when it can and says what to do.
    #>
    [CmdletBinding()]
    [OutputType([void])]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet] $Cmdlet,

        [Parameter(Mandatory)]
        [System.Exception] $Exception,

        [AllowNull()]
        [object] $TargetObject
    )

    $inner = Get-GwbInnerException -Exception $Exception
    $status = if ($inner -is [GroupWriteback.Native.GwbException]) { $inner.Status } else { $null }
    # The library names the group and the properties it reads.
    $read = [GroupWriteback.Native.GroupInput]::TryRead($(if ($TargetObject -is [string]) { $null } else { $TargetObject }))
    $name = if ($read.Success) { $read.Value.Name } else { $null }
    $select = if ($read.Success) { $read.Value.Properties -join ',' } else { 'the properties the rules read' }
    $subject = if ($null -ne $name) { "Group '$name'" } else { 'The group' }

    switch ($status) {
        { $_ -in [GroupWriteback.Native.GwbStatus]::InvalidJson, [GroupWriteback.Native.GwbStatus]::InvalidUtf8 } {
            $message = "$subject cannot be read: $($inner.Message). Pass groups as Get-MgBetaGroup -Property $select returns them, as ConvertFrom-Json reads Graph's JSON, or as Graph JSON text with -Json."
            $category = [System.Management.Automation.ErrorCategory]::InvalidData
            $errorId = 'GroupWriteback.InvalidGroup'
            break
        }
        ([GroupWriteback.Native.GwbStatus]::InvalidArgument) {
            $message = "$subject was not checked: $($inner.Message)"
            $category = [System.Management.Automation.ErrorCategory]::InvalidArgument
            $errorId = 'GroupWriteback.InvalidArgument'
            break
        }
        default {
            $message = "$subject was not checked: the native library failed ($($inner.Message)). Please report this with the input that caused it."
            $category = [System.Management.Automation.ErrorCategory]::InvalidOperation
            $errorId = 'GroupWriteback.NativeFailure'
        }
    }
    Write-GwbError -Cmdlet $Cmdlet -Message $message -ErrorId $errorId -Category $category -TargetObject $TargetObject -InnerException $inner
}
