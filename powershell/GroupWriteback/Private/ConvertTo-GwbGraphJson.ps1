function ConvertTo-GwbGraphJson {
    <#
    .SYNOPSIS
    Turns a group object into Graph's JSON for the native rules.

    .DESCRIPTION
    Reads id, displayName, groupTypes, securityEnabled, mailEnabled,
    onPremisesSyncEnabled and writebackConfiguration (isEnabled,
    onPremisesGroupType) from any object that has them: this module's output,
    Get-MgBetaGroup's (PascalCase, with AdditionalProperties), ConvertFrom-Json's,
    or a dictionary such as Invoke-MgGraphRequest returns. Values are passed as
    they are, so the native library judges their types; the one adjustment is
    a single group type given as a string rather than an array. Returns
    IsGroup (false when the object has none of these properties) and Json.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [AllowNull()]
        [object] $InputObject
    )

    $names = @('id', 'displayName', 'groupTypes', 'securityEnabled', 'mailEnabled', 'onPremisesSyncEnabled', 'writebackConfiguration')
    $graph = [ordered]@{}
    $isGroup = $false
    $isScalar = $null -eq $InputObject -or $InputObject -is [string] -or $InputObject -is [System.ValueType] -or
        ($InputObject -is [System.Collections.IEnumerable] -and $InputObject -isnot [System.Collections.IDictionary])
    if (-not $isScalar) {
        foreach ($name in $names) {
            $member = Get-GwbMemberValue -InputObject $InputObject -Name $name
            if (-not $member.Found) {
                continue
            }
            $isGroup = $true
            $value = $member.Value
            if ($name -eq 'groupTypes' -and $value -is [string]) {
                $value = @($value)
            }
            elseif ($name -eq 'writebackConfiguration' -and $null -ne $value -and $value -isnot [string] -and
                $value -isnot [System.ValueType] -and
                ($value -is [System.Collections.IDictionary] -or $value -isnot [System.Collections.IEnumerable])) {
                $config = [ordered]@{}
                foreach ($inner in @('isEnabled', 'onPremisesGroupType')) {
                    $innerMember = Get-GwbMemberValue -InputObject $value -Name $inner
                    if ($innerMember.Found) {
                        $config[$inner] = $innerMember.Value
                    }
                }
                $value = $config
            }
            $graph[$name] = $value
        }
    }
    $json = if ($isGroup) {
        ConvertTo-Json -InputObject $graph -Depth 6 -Compress -WarningAction Ignore
    }
    [pscustomobject]@{ IsGroup = $isGroup; Json = $json }
}
