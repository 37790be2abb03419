function Test-GroupWritebackChange {
    <#
    .SYNOPSIS
    Decides, offline, what a writeback change to a group would send: the PATCH body, nothing, or a refusal.

    .DESCRIPTION
    Test-GroupWritebackChange applies the writeback rules to each group and
    a requested change, and outputs the decision without calling Microsoft
    Graph:

    - Send: the change is allowed; Body is the exact PATCH body for
      /beta/groups/{id} and After the configuration it leaves.
    - NoChange: the group already has the requested configuration.
    - Refused: the rules forbid it; RefusalCode is a stable code (for
      example syncedFromOnPremises, typeNotAllowedForKind,
      typeCannotBeReset) and RefusalMessage says why and what to do.

    Ask for a change either as the portal's "Group writeback state" with
    -State (NoWriteback, Security, Distribution, MailEnabledSecurity), or as
    Graph properties with -IsEnabled and/or -OnPremisesGroupType.

    The rules, as Microsoft documents them: a Microsoft 365 group may be
    written back as universalDistributionGroup, universalSecurityGroup or
    universalMailEnabledSecurityGroup; a security group only as
    universalSecurityGroup; mail-enabled security groups, distribution groups
    and groups synced from on-premises are not eligible. NoWriteback sends
    isEnabled false and keeps the type, because onPremisesGroupType cannot be
    reset to null once set.

    Groups come as for Resolve-GroupWriteback: from Get-MgBetaGroup (select
    the writeback properties), ConvertFrom-Json, this module, or Graph JSON.
    A refusal is a decision, not an error; an input that is not a group gives
    a non-terminating error for that item.

    .PARAMETER InputObject
    A group: an object with the Graph group properties (Get-MgBetaGroup,
    ConvertFrom-Json, Resolve-GroupWriteback), a dictionary, or a string of
    Graph JSON.

    .PARAMETER Json
    Graph JSON text: one group object, an array of them, or a list response
    whose "value" holds them.

    .PARAMETER State
    The portal's "Group writeback state" to set: NoWriteback, Security,
    Distribution or MailEnabledSecurity.

    .PARAMETER IsEnabled
    writebackConfiguration.isEnabled to set. $null asks for null, which the
    rules refuse (isEnabledNull).

    .PARAMETER OnPremisesGroupType
    writebackConfiguration.onPremisesGroupType to set: universalDistributionGroup,
    universalSecurityGroup or universalMailEnabledSecurityGroup (read
    case-insensitively). Another value is refused (unknownType); an empty
    value asks for null, which is refused (typeCannotBeReset).

    .EXAMPLE
    Get-MgBetaGroup -GroupId $id -Property id,displayName,groupTypes,securityEnabled,mailEnabled,onPremisesSyncEnabled,writebackConfiguration | Test-GroupWritebackChange -State Security

    Shows whether the group may be written back as a security group, and the PATCH body that would do it.

    .EXAMPLE
    $groups | Test-GroupWritebackChange -State NoWriteback | Where-Object Outcome -eq 'Send' | Select-Object DisplayName, Body

    Lists the groups whose writeback would be turned off, with the body each PATCH would send.

    .EXAMPLE
    Resolve-GroupWriteback -Json (Get-Content -Raw ./groups.json) | Test-GroupWritebackChange -IsEnabled $true -OnPremisesGroupType universalSecurityGroup

    Validates a change given as Graph properties on groups saved as JSON.

    .EXAMPLE
    Test-GroupWritebackChange -Json '{"id":"2","displayName":"Finance","securityEnabled":true,"mailEnabled":false,"writebackConfiguration":{"isEnabled":false,"onPremisesGroupType":"universalSecurityGroup"}}' -OnPremisesGroupType ''

    Shows that onPremisesGroupType cannot be reset to null: the decision is Refused with the code typeCannotBeReset.

    .INPUTS
    System.Object. Groups from Get-MgBetaGroup, ConvertFrom-Json, Resolve-GroupWriteback; strings of Graph JSON.

    .OUTPUTS
    GroupWriteback.ChangeDecision

    .NOTES
    Offline: no call to Microsoft Graph is made.

    .LINK
    Resolve-GroupWriteback
    #>
    [CmdletBinding(DefaultParameterSetName = 'StateInputObject')]
    [OutputType('GroupWriteback.ChangeDecision')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ParameterSetName = 'StateInputObject')]
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ParameterSetName = 'PropertiesInputObject')]
        [AllowNull()]
        [AllowEmptyCollection()]
        [object[]] $InputObject,

        [Parameter(Mandatory, ParameterSetName = 'StateJson')]
        [Parameter(Mandatory, ParameterSetName = 'PropertiesJson')]
        [AllowEmptyString()]
        [AllowEmptyCollection()]
        [string[]] $Json,

        [Parameter(Mandatory, ParameterSetName = 'StateInputObject')]
        [Parameter(Mandatory, ParameterSetName = 'StateJson')]
        [ValidateSet('NoWriteback', 'Security', 'Distribution', 'MailEnabledSecurity')]
        [string] $State,

        [Parameter(ParameterSetName = 'PropertiesInputObject')]
        [Parameter(ParameterSetName = 'PropertiesJson')]
        [AllowNull()]
        [System.Nullable[bool]] $IsEnabled,

        [Parameter(ParameterSetName = 'PropertiesInputObject')]
        [Parameter(ParameterSetName = 'PropertiesJson')]
        [AllowNull()]
        [AllowEmptyString()]
        [ArgumentCompletions('universalDistributionGroup', 'universalSecurityGroup', 'universalMailEnabledSecurityGroup')]
        [string] $OnPremisesGroupType
    )

    begin {
        $request = $null
        if ($PSCmdlet.ParameterSetName -like 'Properties*') {
            $properties = [ordered]@{}
            if ($PSBoundParameters.ContainsKey('IsEnabled')) {
                $properties['isEnabled'] = $IsEnabled
            }
            if ($PSBoundParameters.ContainsKey('OnPremisesGroupType')) {
                $properties['onPremisesGroupType'] = if ([string]::IsNullOrEmpty($OnPremisesGroupType)) { $null } else { $OnPremisesGroupType }
            }
            if ($properties.Count -eq 0) {
                $exception = [System.ArgumentException]::new('Name the change: -State, or -IsEnabled and/or -OnPremisesGroupType.')
                $record = [System.Management.Automation.ErrorRecord]::new(
                    $exception, 'GroupWriteback.NoChangeRequested', [System.Management.Automation.ErrorCategory]::InvalidArgument, $null)
                $PSCmdlet.ThrowTerminatingError($record)
            }
            $request = ConvertTo-Json -InputObject $properties -Compress
        }
        $requested = if ($null -ne $request) { $request } else { $State }
    }

    process {
        $items = if ($PSCmdlet.ParameterSetName -like '*Json') { $Json } else { $InputObject }
        if ($null -eq $items) {
            $items = @($null)
        }
        foreach ($item in $items) {
            foreach ($entry in (Split-GwbGroupInput -InputObject $item)) {
                if ($null -eq $entry.Json) {
                    Write-GwbError -Cmdlet $PSCmdlet -Message $entry.Message -ErrorId $entry.ErrorId -Category $entry.Category -TargetObject $entry.Target -InnerException $entry.Exception
                    continue
                }
                $result = if ($null -ne $request) {
                    [GroupWriteback.Native.Rules]::TryValidateRequest($entry.Json, $request)
                }
                else {
                    [GroupWriteback.Native.Rules]::TryValidateState($entry.Json, $State)
                }
                if (-not $result.Success) {
                    Write-GwbNativeError -Cmdlet $PSCmdlet -Exception $result.Error -TargetObject $entry.Target
                    continue
                }
                ConvertTo-GwbDecisionObject -Decision $result.Value -Requested $requested
            }
        }
    }
}
