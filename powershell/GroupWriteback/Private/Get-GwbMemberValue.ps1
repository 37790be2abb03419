function Get-GwbMemberValue {
    <#
    .SYNOPSIS
    Reads a property of a group however it was given: an object's property,
    a dictionary key, or an entry of the Graph SDK's AdditionalProperties.

    .DESCRIPTION
    Names match case-insensitively, so Graph's camelCase (ConvertFrom-Json,
    Invoke-MgGraphRequest) and the SDK's PascalCase both work. Returns an
    object with Found and Value; a property that is present but null is found.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [AllowNull()]
        [object] $InputObject,

        [Parameter(Mandatory)]
        [string] $Name
    )

    $found = $false
    $value = $null
    if ($InputObject -is [System.Collections.IDictionary]) {
        foreach ($key in $InputObject.Keys) {
            if ($key -is [string] -and $key -eq $Name) {
                $found = $true
                $value = $InputObject[$key]
                break
            }
        }
    }
    elseif ($null -ne $InputObject) {
        $property = $InputObject.PSObject.Properties[$Name]
        if ($null -ne $property) {
            $found = $true
            $value = $property.Value
        }
        if ($null -eq $value) {
            $extra = $InputObject.PSObject.Properties['AdditionalProperties']
            if ($null -ne $extra -and $extra.Value -is [System.Collections.IDictionary]) {
                $fromExtra = Get-GwbMemberValue -InputObject $extra.Value -Name $Name
                if ($fromExtra.Found) {
                    $found = $true
                    $value = $fromExtra.Value
                }
            }
        }
    }
    [pscustomobject]@{ Found = $found; Value = $value }
}
