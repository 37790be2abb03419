function Resolve-GroupWriteback {
    <#
    .SYNOPSIS
    Explains the writeback of Microsoft Entra ID groups: what the portal shows and what really happens.

    .DESCRIPTION
    Resolve-GroupWriteback reads the writeback configuration of each group
    (writebackConfiguration.isEnabled and onPremisesGroupType, Microsoft Graph
    beta) and its kind (groupTypes, securityEnabled, mailEnabled,
    onPremisesSyncEnabled), and outputs one object per group with:

    - the portal's columns: WritebackEnabled, TargetWritebackType, and its
      "Group writeback state" (WritebackState);
    - the effective behaviour: WrittenBack ($true, $false, or $null when the
      rules cannot tell: a stored type the documents do not name, a type the
      group's kind may not have, a kind that was not read), WrittenBackAs,
      EffectiveWriteback ("Distribution", "Not written back", "Unknown", ...),
      the Reason and an Explanation;
    - Caveats where Microsoft's documents disagree or the state is unusual.

    The two can differ: a Microsoft 365 group whose configuration was never
    set (isEnabled and onPremisesGroupType null) is written back as a
    distribution group although the portal shows "No writeback".

    It works offline, on groups you already have: pipe them from
    Get-MgBetaGroup (Microsoft Graph PowerShell SDK, beta profile: the v1.0
    Get-MgGroup has no writeback property), from ConvertFrom-Json or
    Invoke-MgGraphRequest, or pass Graph JSON text with -Json (one group, an
    array, or a list response with "value"). Select the properties it needs:
    -Property id,displayName,groupTypes,securityEnabled,mailEnabled,onPremisesSyncEnabled,writebackConfiguration.

    An input that is not a group, or whose properties have the wrong types,
    gives a non-terminating error for that item; the others are still explained.

    Entra Connect group writeback v2 is deprecated by Microsoft (cloud
    security groups move to Cloud Sync's Group Provision to AD); the property
    is still read by the sync engines.

    .PARAMETER InputObject
    A group: an object with the Graph group properties in PascalCase or
    camelCase (Get-MgBetaGroup, ConvertFrom-Json, this module's output), a
    dictionary, or a string of Graph JSON.

    .PARAMETER Json
    Graph JSON text: one group object, an array of them, or a list response
    whose "value" holds them.

    .EXAMPLE
    Get-MgBetaGroup -All -Property id,displayName,groupTypes,securityEnabled,mailEnabled,onPremisesSyncEnabled,writebackConfiguration | Resolve-GroupWriteback

    Explains every group of the tenant, as a table like the portal's All groups page with the effective behaviour beside it.

    .EXAMPLE
    Get-MgBetaGroup -All -Property id,displayName,groupTypes,securityEnabled,mailEnabled,onPremisesSyncEnabled,writebackConfiguration |
        Resolve-GroupWriteback | Where-Object { $_.WrittenBack -and $_.WritebackState -eq 'NoWriteback' }

    Finds the groups the portal shows as "No writeback" although they are written back.

    .EXAMPLE
    Resolve-GroupWriteback -Json '{"id":"1","displayName":"Sales","groupTypes":["Unified"],"securityEnabled":false,"mailEnabled":true,"writebackConfiguration":{"isEnabled":null,"onPremisesGroupType":null}}' | Format-List DisplayName, WritebackState, EffectiveWriteback, Reason, Explanation, Caveats

    Explains one group given as Graph JSON.

    .EXAMPLE
    Get-Content -Raw ./groups.json | Resolve-GroupWriteback | Export-Csv -Path ./writeback.csv

    Explains a saved Graph response (an array or {"value": [...]}) and saves the result.

    .EXAMPLE
    Invoke-MgGraphRequest -Uri 'https://graph.microsoft.com/beta/groups/{id}?$select=id,displayName,groupTypes,securityEnabled,mailEnabled,onPremisesSyncEnabled,writebackConfiguration' | Resolve-GroupWriteback

    Explains a group read with a raw Graph request (a dictionary with camelCase keys).

    .INPUTS
    System.Object. Groups from Get-MgBetaGroup, ConvertFrom-Json, Invoke-MgGraphRequest or this module; strings of Graph JSON.

    .OUTPUTS
    GroupWriteback.Group

    .NOTES
    Offline: no call to Microsoft Graph is made.

    .LINK
    Test-GroupWritebackChange
    #>
    [CmdletBinding(DefaultParameterSetName = 'InputObject')]
    [OutputType('GroupWriteback.Group')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ParameterSetName = 'InputObject')]
        [AllowNull()]
        [AllowEmptyCollection()]
        [object[]] $InputObject,

        [Parameter(Mandatory, ParameterSetName = 'Json')]
        [AllowEmptyString()]
        [AllowEmptyCollection()]
        [string[]] $Json
    )

    process {
        $items = if ($PSCmdlet.ParameterSetName -eq 'Json') { $Json } else { $InputObject }
        if ($null -eq $items) {
            $items = @($null)
        }
        foreach ($item in $items) {
            foreach ($entry in (Split-GwbGroupInput -InputObject $item)) {
                if ($null -eq $entry.Json) {
                    Write-GwbError -Cmdlet $PSCmdlet -Message $entry.Message -ErrorId $entry.ErrorId -Category $entry.Category -TargetObject $entry.Target -InnerException $entry.Exception
                    continue
                }
                $result = [GroupWriteback.Native.Rules]::TryExplain($entry.Json)
                if (-not $result.Success) {
                    Write-GwbNativeError -Cmdlet $PSCmdlet -Exception $result.Error -TargetObject $entry.Target
                    continue
                }
                ConvertTo-GwbGroupObject -Report $result.Value
            }
        }
    }
}
