function Set-GroupWriteback {
    <#
    .SYNOPSIS
    Sets the writeback state of Microsoft Entra ID groups, in bulk, checked against the writeback rules first.

    .DESCRIPTION
    Set-GroupWriteback sets the portal's "Group writeback state" (-State
    NoWriteback, Security, Distribution, MailEnabledSecurity) or Graph's
    properties (-IsEnabled, -OnPremisesGroupType) of each group, as
    Update-MgBetaGroup -BodyParameter @{writebackConfiguration=@{...}} does,
    but:

    - each change is validated with the rules first (as
      Test-GroupWritebackChange does); a refused change is not sent and is a
      non-terminating InvalidOperation error naming the group and the rule
      (ErrorId GroupWriteback.Refused.<code>, e.g. syncedFromOnPremises,
      distributionGroupNotEligible, mailEnabledSecurityGroupNotEligible,
      typeNotAllowedForKind);
    - a group that already stores the requested values is not written; a
      change that keeps the portal's state and the effective writeback but
      makes a stored null explicit (isEnabled null -> true on a group shown
      as Security, say) is written, since the explicit value settles what
      the documents leave open, and -WhatIf and -Verbose say so;
    - groups are collected from the pipeline and sent together through JSON
      $batch (20 a request, several in flight), writes paced to Graph's quota
      and throttled requests retried; results are reported as they arrive,
      with a progress bar of groups written.

    Groups piped from Get-GroupWriteback carry their current state, so they
    are not read again; ids alone (-GroupId, strings, objects with an Id) are
    read in the same batches.

    -WhatIf says, for each group, what would be sent, or why nothing would
    be, without writing anything (a group given only by id is read to say
    so): the state and the effective writeback before and after, in the
    library's words.

    Ctrl+C cancels the groups not sent yet; batches already sent finish, and
    a warning gives the counts (written, no change, refused, failed, not
    sent). A group Graph rejects is a non-terminating error with Graph's
    error code (in the ErrorId) and request id, and a category from the HTTP
    status: ObjectNotFound (404), PermissionDenied (403), LimitsExceeded
    (429), AuthenticationError (401), InvalidArgument (400), ConnectionError
    (network, 5xx) or InvalidResult.

    onPremisesGroupType cannot be reset to null once set, so NoWriteback sends
    isEnabled false and leaves the type.

    .PARAMETER GroupId
    The id of the group to change. Takes the Id of piped objects, and piped strings.

    .PARAMETER State
    The portal's "Group writeback state": NoWriteback, Security, Distribution or MailEnabledSecurity.

    .PARAMETER IsEnabled
    writebackConfiguration.isEnabled to set.

    .PARAMETER OnPremisesGroupType
    writebackConfiguration.onPremisesGroupType to set: universalDistributionGroup,
    universalSecurityGroup or universalMailEnabledSecurityGroup.

    .PARAMETER PassThru
    Returns each group after the change (GroupWriteback.Group), also when nothing needed to change.

    .EXAMPLE
    Set-GroupWriteback -GroupId 4de51a22-3289-4ea5-bbdb-8503ea644f1b -State Security

    Writes a Microsoft 365 group back as a universal security group. The Microsoft equivalent:
    Update-MgBetaGroup -GroupId 4de51a22-3289-4ea5-bbdb-8503ea644f1b -BodyParameter @{writebackConfiguration=@{isEnabled=$true; onPremisesGroupType='universalSecurityGroup'}}

    .EXAMPLE
    Get-GroupWriteback -All -WrittenBack $true | Where-Object WritebackState -eq 'NoWriteback' | Set-GroupWriteback -State NoWriteback -WhatIf

    Shows which Microsoft 365 groups would stop being written back (those the portal shows as "No writeback" but that are written back), without changing anything.

    .EXAMPLE
    Get-GroupWriteback -All -Filter "startswith(displayName,'SG-')" | Set-GroupWriteback -IsEnabled $true -OnPremisesGroupType universalSecurityGroup -PassThru

    Turns on writeback for every security group whose name starts with SG-, in batches, and shows the result.

    .EXAMPLE
    Get-Content ./ids.txt | Set-GroupWriteback -State NoWriteback -ErrorVariable failed; $failed | Select-Object TargetObject, FullyQualifiedErrorId

    Turns writeback off for a list of ids, then lists the groups that were refused or failed, and why.

    .INPUTS
    System.String, or objects with an Id property (GroupWriteback.Group from Get-GroupWriteback carries its current state).

    .OUTPUTS
    GroupWriteback.Group (with -PassThru)

    .NOTES
    Needs Connect-GroupWriteback and Group.ReadWrite.All.
    Entra Connect group writeback v2 is deprecated by Microsoft; the property is still read by the sync engines.

    .LINK
    Get-GroupWriteback

    .LINK
    Test-GroupWritebackChange
    #>
    [CmdletBinding(DefaultParameterSetName = 'State', SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('GroupWriteback.Group')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Id')]
        [ValidateNotNullOrEmpty()]
        [string] $GroupId,

        [Parameter(Mandatory, Position = 1, ParameterSetName = 'State')]
        [ValidateSet('NoWriteback', 'Security', 'Distribution', 'MailEnabledSecurity')]
        [string] $State,

        [Parameter(ParameterSetName = 'Properties')]
        [bool] $IsEnabled,

        [Parameter(ParameterSetName = 'Properties')]
        [ValidateSet('universalDistributionGroup', 'universalSecurityGroup', 'universalMailEnabledSecurityGroup')]
        [string] $OnPremisesGroupType,

        [switch] $PassThru
    )

    begin {
        $request = $null
        $change = [ordered]@{}
        if ($PSCmdlet.ParameterSetName -eq 'Properties') {
            if ($PSBoundParameters.ContainsKey('IsEnabled')) { $change.isEnabled = $IsEnabled }
            if ($PSBoundParameters.ContainsKey('OnPremisesGroupType')) { $change.onPremisesGroupType = $OnPremisesGroupType }
            if ($change.Count -eq 0) {
                $exception = [System.ArgumentException]::new('Name the change: -State, or -IsEnabled and/or -OnPremisesGroupType.')
                $record = [System.Management.Automation.ErrorRecord]::new(
                    $exception, 'GroupWriteback.NoChangeRequested', [System.Management.Automation.ErrorCategory]::InvalidArgument, $null)
                $PSCmdlet.ThrowTerminatingError($record)
            }
            $request = [GroupWriteback.Native.OptionsJson]::Write($change)
            $requested = ($change.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)".Replace('True', 'true').Replace('False', 'false') }) -join ', '
        }
        else {
            $change.state = $State
            $requested = $State
        }
        # Each change is written as JSON text as it arrives: no ConvertTo-Json
        # over thousands of entries at the end.
        $changeJson = [GroupWriteback.Native.OptionsJson]::Write($change)
        $pending = [System.Collections.Generic.List[GroupWriteback.Native.PendingChange]]::new()
        $connection = $null
    }

    process {
        $item = if ($MyInvocation.ExpectingInput) { $_ } else { $null }
        $target = if ($null -ne $item -and $item -isnot [string]) { $item } else { $GroupId }
        # An id (the common bulk input) needs no conversion; skip the call.
        # A piped group that carries everything the rules need is not read
        # again; the library says whether it does.
        $groupJson = $null
        if ($null -ne $item -and $item -isnot [string] -and $item -isnot [System.ValueType]) {
            $read = [GroupWriteback.Native.GroupInput]::TryRead($item)
            if ($read.Success -and $read.Value.Complete) { $groupJson = $read.Value.GroupJson }
        }
        $report = $null
        if ($null -eq $groupJson -and $WhatIfPreference) {
            if ($null -eq $connection) { $connection = Get-GwbConnection -Cmdlet $PSCmdlet }
            $read = $connection.Client.TryGetGroup($GroupId, $null)
            if (-not $read.Success) {
                $PSCmdlet.WriteError((ConvertTo-GwbGraphErrorRecord -Exception $read.Error -Activity "Reading group '$GroupId'" -TargetObject $target))
                return
            }
            $groupJson = $read.Value.Json
        }

        $name = $GroupId
        $decision = $null
        if ($null -ne $groupJson) {
            $result = if ($null -ne $request) {
                [GroupWriteback.Native.Rules]::TryValidateRequest($groupJson, $request)
            }
            else {
                [GroupWriteback.Native.Rules]::TryValidateState($groupJson, $State)
            }
            if (-not $result.Success) {
                Write-GwbNativeError -Cmdlet $PSCmdlet -Exception $result.Error -TargetObject $target
                return
            }
            $decision = $result.Value
            $report = $decision.Group
            if ($report.DisplayName) { $name = "'$($report.DisplayName)' ($GroupId)" }
        }

        if ($null -ne $decision -and $decision.Outcome -eq 'Refused') {
            $text = "Not set to ${requested}: $($decision.RefusalMessage) (rule $($decision.RefusalCode))"
            if ($WhatIfPreference) {
                $null = $PSCmdlet.ShouldProcess("Group ${name}: nothing would be sent. $text.", "Group ${name}: nothing would be sent.", 'Set-GroupWriteback')
            }
            else {
                $PSCmdlet.WriteError((ConvertTo-GwbRefusalErrorRecord -Code $decision.RefusalCode -Message $text -TargetObject $target))
            }
            return
        }

        $description = if ($null -eq $decision) {
            "Group ${name}: set the writeback state to $requested (checked against the rules before it is sent)."
        }
        elseif ($decision.Outcome -eq 'NoChange') {
            "Group ${name}: $($decision.Summary); nothing is sent."
        }
        else {
            "Group ${name}: $($decision.Summary); sends PATCH $($decision.Body)."
        }
        $warning = "Set the writeback state of group $name to ${requested}?"
        if (-not $PSCmdlet.ShouldProcess($description, $warning, 'Set-GroupWriteback')) {
            return
        }
        $pending.Add([GroupWriteback.Native.PendingChange]::new($GroupId, $groupJson, $changeJson, $target, $name))
    }

    end {
        if ($pending.Count -eq 0) {
            return
        }
        if ($null -eq $connection) { $connection = Get-GwbConnection -Cmdlet $PSCmdlet }
        $client = $connection.Client
        $changesJson = [GroupWriteback.Native.PendingChange]::ToJsonArray($pending)
        $started = $client.TryBulkSet($changesJson)
        if (-not $started.Success) {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-GwbGraphErrorRecord -Exception $started.Error -Activity 'Starting the bulk change' -TargetObject $null))
        }
        $bulk = $started.Value
        $total = $pending.Count
        $counts = [ordered]@{ written = 0; noChange = 0; refused = 0; failed = 0; cancelled = 0 }
        $activity = 'Setting group writeback'
        $finished = $false
        $reported = 0
        $quiet = $VerbosePreference -eq 'SilentlyContinue'
        # Progress is drawn at most every quarter second: a poll returns as
        # soon as any result is ready, often one or two at a time.
        $sincePaint = [System.Diagnostics.Stopwatch]::StartNew()
        try {
            do {
                $polled = $bulk.TryPoll(200)
                if (-not $polled.Success) {
                    $PSCmdlet.ThrowTerminatingError((ConvertTo-GwbGraphErrorRecord -Exception $polled.Error -Activity 'Reading the results of the bulk change' -TargetObject $null))
                }
                $poll = $polled.Value
                foreach ($result in $poll.Results) {
                    $counts[$result.Result]++
                    $reported++
                    if ($quiet -and $result.Result -in 'written', 'noChange' -and
                        (-not $PassThru -or ($null -ne $result.Group -and $null -eq $result.Group.AdditionalProperties))) {
                        # The common case, without a function call per group:
                        # nothing to say, the group (with -PassThru) as it now is.
                        if ($PassThru) { $result.Group.ToGroup() }
                        continue
                    }
                    Write-GwbBulkResult -Cmdlet $PSCmdlet -Result $result -Entry $pending[$result.Index] -Requested $requested -PassThru:$PassThru
                }
                if ($sincePaint.ElapsedMilliseconds -ge 250 -or $poll.Done) {
                    Write-Progress -Activity $activity -Id 2 -Status "$($counts.written) of $total written ($reported done)" -PercentComplete ([math]::Min(100, [int](100 * $reported / $total)))
                    $sincePaint.Restart()
                }
            } until ($poll.Done)
            $finished = $true
        }
        finally {
            if (-not $finished) {
                $bulk.Cancel()
                $deadline = [datetime]::UtcNow.AddSeconds(30)
                do {
                    $polled = $bulk.TryPoll(200)
                    if (-not $polled.Success) { break }
                    foreach ($result in $polled.Value.Results) { $counts[$result.Result]++ }
                } until ($polled.Value.Done -or [datetime]::UtcNow -gt $deadline)
                $bulk.Dispose()
                $summary = "Set-GroupWriteback was stopped: $($counts.written) written, $($counts.noChange) already as requested, $($counts.refused) refused, $($counts.failed) failed, $($counts.cancelled) not sent, of $total groups."
                $script:GwbLastStopSummary = $summary
                $Host.UI.WriteWarningLine($summary)
            }
            else {
                $bulk.Dispose()
            }
            Write-Progress -Activity $activity -Id 2 -Completed
        }
        Write-Verbose -Message "$($counts.written) written, $($counts.noChange) no change, $($counts.refused) refused, $($counts.failed) failed, of $total groups."
    }
}
