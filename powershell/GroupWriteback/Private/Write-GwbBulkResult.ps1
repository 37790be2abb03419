function Write-GwbBulkResult {
    <#
    .SYNOPSIS
    Reports one result of a bulk change as the calling command: verbose for written and no change (and the group with -PassThru), an error for refused, failed and cancelled.
    #>
    [CmdletBinding()]
    [OutputType('GroupWriteback.Group')]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet] $Cmdlet,

        [Parameter(Mandatory)]
        [GroupWriteback.Native.BulkResult] $Result,

        [Parameter(Mandatory)]
        [GroupWriteback.Native.PendingChange] $Entry,

        [Parameter(Mandatory)]
        [string] $Requested,

        [switch] $PassThru
    )

    $name = if ($Result.DisplayName) { "'$($Result.DisplayName)' ($($Result.Id))" } else { $Entry.Name }
    switch ($Result.Result) {
        { $_ -in 'written', 'noChange' } {
            if ($_ -eq 'written' -and $Result.MadeExplicit) {
                Write-Verbose -Message "Group ${name}: written ($($Result.Body)); the stored value is now explicit, the state and the effective writeback are as before."
            }
            elseif ($_ -eq 'written') {
                Write-Verbose -Message "Group ${name}: written ($($Result.Body))."
            }
            else {
                Write-Verbose -Message "Group ${name}: already $Requested, nothing sent."
            }
            if (-not $PassThru) {
                break
            }
            # The library returns the group as it now is (the group it read,
            # with the configuration written): nothing is read again.
            if ($null -ne $Result.Group) {
                ConvertTo-GwbGroupObject -Report $Result.Group
            }
            break
        }
        'refused' {
            $text = "Not set to ${Requested}: $($Result.RefusalMessage) (rule $($Result.RefusalCode))"
            $Cmdlet.WriteError((ConvertTo-GwbRefusalErrorRecord -Code $Result.RefusalCode -Message $text -TargetObject $Entry.Target))
            break
        }
        'cancelled' {
            $exception = [System.OperationCanceledException]::new("Group $name was not changed: the operation was cancelled before it was sent.")
            $Cmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
                    $exception, 'GroupWriteback.Cancelled', [System.Management.Automation.ErrorCategory]::OperationStopped, $Entry.Target))
            break
        }
        default {
            $exception = if ($null -ne $Result.Error) { $Result.Error } else { [System.InvalidOperationException]::new('no detail') }
            $Cmdlet.WriteError((ConvertTo-GwbGraphErrorRecord -Exception $exception -Activity "Setting group $name to $Requested" -TargetObject $Entry.Target))
        }
    }
}
