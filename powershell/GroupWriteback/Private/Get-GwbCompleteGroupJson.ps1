function Get-GwbCompleteGroupJson {
    <#
    .SYNOPSIS
    The Graph JSON of a piped group when it carries everything the rules need, else nothing.

    .DESCRIPTION
    A group from Get-GroupWriteback always does. Other objects (Get-MgBetaGroup,
    ConvertFrom-Json, dictionaries) do when they hold securityEnabled,
    mailEnabled and a writebackConfiguration object; Get-MgBetaGroup's
    objects have every property, null when it was not selected, so a null
    there means "not read", and the group is read again instead of being
    judged on a guess.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [AllowNull()]
        [object] $InputObject
    )

    if ($null -eq $InputObject -or $InputObject -is [string] -or $InputObject -is [System.ValueType]) {
        return
    }
    $base = if ($InputObject -is [psobject]) { $InputObject.PSObject.BaseObject } else { $InputObject }
    if ($base -is [GroupWriteback.Group]) {
        return (ConvertTo-GwbGraphJson -InputObject $base).Json
    }
    foreach ($name in 'securityEnabled', 'mailEnabled', 'writebackConfiguration') {
        $member = Get-GwbMemberValue -InputObject $InputObject -Name $name
        if (-not $member.Found -or $null -eq $member.Value) {
            return
        }
    }
    $converted = ConvertTo-GwbGraphJson -InputObject $InputObject
    if ($converted.IsGroup) {
        $converted.Json
    }
}
