function Get-GroupWriteback {
    <#
    .SYNOPSIS
    Reads groups from Microsoft Graph with their writeback configuration, what the portal shows and what really happens.

    .DESCRIPTION
    Get-GroupWriteback takes the parameters of Get-MgBetaGroup that matter
    for writeback, with the same names, and returns each group as
    Resolve-GroupWriteback explains it: Id, DisplayName, GroupTypes,
    SecurityEnabled, MailEnabled, OnPremisesSyncEnabled,
    WritebackConfiguration (IsEnabled, OnPremisesGroupType), the portal's
    WritebackEnabled, TargetWritebackType and WritebackState, and the
    effective behaviour (WrittenBack: $true, $false or $null for unknown;
    WrittenBackAs, EffectiveWriteback, Reason, Explanation, Caveats). The default table is the portal's
    All groups page with its writeback columns.

    It always selects the properties the writeback rules need (beta endpoint,
    $select), so scripts written for Get-MgBetaGroup work unchanged:
    $_.writebackConfiguration.isEnabled reads the same value.

    Paging follows Get-MgBetaGroup: without -All and without -Top only the
    first page is returned (-PageSize groups, 100 by default, Graph's own
    default page size); -All reads every page (999 groups a page unless
    -PageSize says otherwise); -Top N returns at most N groups in all.
    Groups go down the pipeline as each page arrives, so
    Select-Object -First 5 stops the listing after the first page.

    Graph cannot filter on writebackConfiguration; -WritebackEnabled (the
    portal's "Writeback enabled" column) and -WrittenBack (the effective
    behaviour) filter on the client, while -Filter and -Search go to Graph.
    With -Top or without -All, the count applies after those filters.

    Errors are ErrorRecords with a category (ObjectNotFound,
    PermissionDenied, AuthenticationError, LimitsExceeded, InvalidArgument
    for a query Graph refuses), the group or query as the target, and
    Graph's error code in the ErrorId.

    .PARAMETER GroupId
    The id of a group to read. Takes the Id of piped objects (Get-MgBetaGroup, this module).

    .PARAMETER All
    Reads every page.

    .PARAMETER Filter
    An OData $filter, passed to Graph, e.g. "groupTypes/any(c:c eq 'Unified')" or "startswith(displayName,'Sales')".
    Advanced queries (ne, not, endsWith) need -ConsistencyLevel eventual and -CountVariable, as Graph demands.

    .PARAMETER Search
    A $search, passed to Graph, e.g. '"displayName:Sales"' (ConsistencyLevel eventual is added).

    .PARAMETER Top
    The most groups to return, in all.

    .PARAMETER PageSize
    Groups per request, 1 to 999.

    .PARAMETER ConsistencyLevel
    The ConsistencyLevel header (eventual), for advanced queries.

    .PARAMETER CountVariable
    The name of a variable that receives the number of groups matching the query (@odata.count; sets $count=true).

    .PARAMETER Property
    Properties to read in addition to those the rules need (e.g. mail, createdDateTime); they are added to each object.

    .PARAMETER WritebackEnabled
    Keeps only the groups whose portal column "Writeback enabled" is Yes ($true) or No ($false).

    .PARAMETER WrittenBack
    Keeps only the groups that really are ($true) or are not ($false) written back, whatever the portal shows; or, with 'Unknown', the groups for which the rules cannot tell (a stored onPremisesGroupType the documents do not name, a type the group's kind may not have, or a kind that was not read). Their WrittenBack property is $null and EffectiveWriteback is "Unknown". The library reads the value: $true, $false, 'Yes', 'No' or 'Unknown'.

    .EXAMPLE
    Get-GroupWriteback -All | Where-Object {$_.writebackConfiguration.isEnabled -Like $true} | Select-Object Displayname,@{N="WriteBackEnabled";E={$_.writebackConfiguration.isEnabled}}

    Microsoft's example for listing the groups with writeback enabled, with only the command name changed.

    .EXAMPLE
    Get-GroupWriteback -All -WritebackEnabled $true

    The same groups, filtered by the command, in the portal's table.

    .EXAMPLE
    Get-GroupWriteback -All -WrittenBack $true | Where-Object WritebackState -eq 'NoWriteback'

    The groups the portal shows as "No writeback" although they are written back (Microsoft 365 groups never configured).

    .EXAMPLE
    Get-GroupWriteback -All -WrittenBack Unknown | Format-Table DisplayName, TargetWritebackType, Reason

    The groups whose writeback nobody can predict from what is stored: set their state explicitly.

    .EXAMPLE
    Get-GroupWriteback -Filter "groupTypes/any(c:c eq 'Unified')" -All -CountVariable n; "$n Microsoft 365 groups"

    Microsoft 365 groups only, filtered by Graph, and their number.

    .EXAMPLE
    Get-GroupWriteback -GroupId 4de51a22-3289-4ea5-bbdb-8503ea644f1b | Format-List

    One group with the reason and caveats of its effective writeback.

    .EXAMPLE
    Get-GroupWriteback -Search '"displayName:Sales"' -Top 20 -Property mail

    Up to 20 groups whose name has a word starting with Sales, with their mail address.

    .INPUTS
    System.String, or objects with an Id property (by property name).

    .OUTPUTS
    GroupWriteback.Group

    .NOTES
    Needs Connect-GroupWriteback and Group.Read.All.
    Entra Connect group writeback v2 is deprecated by Microsoft; the property is still read by the sync engines.

    .LINK
    Set-GroupWriteback

    .LINK
    Resolve-GroupWriteback
    #>
    [CmdletBinding(DefaultParameterSetName = 'List')]
    [OutputType('GroupWriteback.Group')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName, ParameterSetName = 'Get')]
        [Alias('Id')]
        [ValidateNotNullOrEmpty()]
        [string[]] $GroupId,

        [Parameter(ParameterSetName = 'List')]
        [switch] $All,

        [Parameter(ParameterSetName = 'List')]
        [string] $Filter,

        [Parameter(ParameterSetName = 'List')]
        [string] $Search,

        [Parameter(ParameterSetName = 'List')]
        [ValidateRange(1, [int]::MaxValue)]
        [Alias('Limit')]
        [int] $Top,

        [Parameter(ParameterSetName = 'List')]
        [ValidateRange(1, 999)]
        [int] $PageSize,

        [Parameter(ParameterSetName = 'List')]
        [ArgumentCompletions('eventual')]
        [string] $ConsistencyLevel,

        [Parameter(ParameterSetName = 'List')]
        [Alias('CV')]
        [ValidateNotNullOrEmpty()]
        [string] $CountVariable,

        [Alias('Select')]
        [string[]] $Property,

        [Parameter(ParameterSetName = 'List')]
        [System.Nullable[bool]] $WritebackEnabled,

        [Parameter(ParameterSetName = 'List')]
        [ValidateNotNull()]
        [object] $WrittenBack
    )

    begin {
        $connection = Get-GwbConnection -Cmdlet $PSCmdlet
        $client = $connection.Client
        $extra = @($Property | Where-Object { $_ } | ForEach-Object { $_ -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
    }

    process {
        if ($PSCmdlet.ParameterSetName -eq 'Get') {
            $getOptions = if ($extra.Count -gt 0) { [GroupWriteback.Native.OptionsJson]::Write(@{ property = $extra }) } else { $null }
            foreach ($id in $GroupId) {
                $result = $client.TryGetGroup($id, $getOptions)
                if (-not $result.Success) {
                    $PSCmdlet.WriteError((ConvertTo-GwbGraphErrorRecord -Exception $result.Error -Activity "Reading group '$id'" -TargetObject $id))
                    continue
                }
                ConvertTo-GwbGroupObject -Report $result.Value
            }
            return
        }

        $options = [ordered]@{}
        if ($All) {
            if ($PSBoundParameters.ContainsKey('PageSize')) { $options.pageSize = $PageSize }
            if ($PSBoundParameters.ContainsKey('Top')) { $options.maxItems = $Top }
        }
        elseif ($PSBoundParameters.ContainsKey('Top')) {
            $options.maxItems = $Top
            if ($PSBoundParameters.ContainsKey('PageSize')) { $options.pageSize = $PageSize }
        }
        else {
            $first = if ($PSBoundParameters.ContainsKey('PageSize')) { $PageSize } else { 100 }
            $options.pageSize = $first
            $options.maxItems = $first
        }
        if ($Filter) { $options.filter = $Filter }
        if ($Search) { $options.search = $Search }
        if ($ConsistencyLevel) { $options.consistencyLevel = $ConsistencyLevel }
        if ($CountVariable) { $options.count = $true }
        if ($extra.Count -gt 0) { $options.property = $extra }
        if ($null -ne $WritebackEnabled) { $options.writebackEnabled = [bool]$WritebackEnabled }
        if ($PSBoundParameters.ContainsKey('WrittenBack')) {
            # $true/$false or a word ('Unknown'); the library says what it accepts.
            $options.writtenBack = if ($WrittenBack -is [bool] -or $WrittenBack -is [System.Management.Automation.SwitchParameter]) { [bool]$WrittenBack } else { [string]$WrittenBack }
        }
        $query = @(
            if ($Filter) { "filter $Filter" }
            if ($Search) { "search $Search" }
        ) -join ', '
        $target = if ($query) { "groups ($query)" } else { 'groups' }

        $started = $client.TryListGroups([GroupWriteback.Native.OptionsJson]::Write($options))
        if (-not $started.Success) {
            $PSCmdlet.WriteError((ConvertTo-GwbGraphErrorRecord -Exception $started.Error -Activity 'Listing groups' -TargetObject $target))
            return
        }
        $cursor = $started.Value
        $activity = 'Reading groups with their writeback configuration'
        $read = 0
        $countSet = $false
        try {
            while ($true) {
                $next = $cursor.TryNextPage(200)
                if (-not $next.Success) {
                    $PSCmdlet.WriteError((ConvertTo-GwbGraphErrorRecord -Exception $next.Error -Activity 'Listing groups' -TargetObject $target))
                    break
                }
                $page = $next.Value
                if ($null -eq $page) {
                    continue
                }
                if ($page.Done) {
                    break
                }
                if ($CountVariable -and -not $countSet) {
                    $PSCmdlet.SessionState.PSVariable.Set($CountVariable.TrimStart('$'), $page.Count)
                    $countSet = $true
                }
                if ($null -ne $page.Converted) {
                    # Converted with the page, written as one collection.
                    $PSCmdlet.WriteObject($page.Converted, $true)
                }
                else {
                    ConvertTo-GwbGroupObject -Report $page.Groups
                }
                $read += $page.Groups.Count
                Write-Progress -Activity $activity -Status "$read groups read ($($page.Number) pages)" -Id 1
            }
        }
        finally {
            $cursor.Dispose()
            Write-Progress -Activity $activity -Id 1 -Completed
        }
        Write-Verbose -Message "Read $read groups."
    }
}
