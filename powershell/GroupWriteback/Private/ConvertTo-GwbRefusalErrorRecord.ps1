function ConvertTo-GwbRefusalErrorRecord {
    <#
    .SYNOPSIS
    The ErrorRecord of a change the writeback rules refuse: InvalidOperation, the group as target, the rule's code in the ErrorId and the exception's data.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [Parameter(Mandatory)]
        [string] $Code,

        [Parameter(Mandatory)]
        [string] $Message,

        [AllowNull()]
        [object] $TargetObject
    )

    $exception = [GroupWriteback.Native.GwbException]::new([GroupWriteback.Native.GwbStatus]::Refused, 'refused', $Message, $Code, $null)
    $exception.Data['RefusalCode'] = $Code
    [System.Management.Automation.ErrorRecord]::new(
        $exception, "GroupWriteback.Refused.$Code", [System.Management.Automation.ErrorCategory]::InvalidOperation, $TargetObject)
}
