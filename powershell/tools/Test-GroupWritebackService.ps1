<#
.SYNOPSIS
Asks the real Microsoft Graph the questions graph-sim can only assume, on ONE
scratch group, restores that group, and prints a Markdown report comparing
each answer with graph-sim's.

.DESCRIPTION
tests/graph-sim/README.md's Provenance table marks behaviours no public
document shows as "assumed". This probe sends those requests to a real tenant
(-Endpoint, default https://graph.microsoft.com/beta) where it safely can:

- writeback PATCHes the project's rules refuse but the service may accept (an
  unknown type, a distribution type on a security group, isEnabled null, a
  null type on a group that has one, and, if the named group is of that kind,
  a synced, cloud distribution or mail-enabled security group), PATCHes of the
  wrong JSON type, without a JSON Content-Type, and on v1.0; after each, the
  group's writebackConfiguration is read back, then restored;
- read-only queries: $filter on writebackConfiguration, an unknown $select,
  $top=1000 and 0, $count without ConsistencyLevel, /groups/$count without
  it, endswith on displayName, @odata.count on a second page, $skip, a foreign
  $skiptoken, $search on mail, both spellings of an option, $orderby=mail,
  hasMembersWithLicenseErrors with the advanced parameters, `in` with 16
  values, an id that is not a GUID, an unknown id, an unknown segment, no
  token, and three $batch envelopes (absolute URL, dependsOn cycle, failed
  dependency).

Every PATCH goes to the named group only; the other requests read, and a
$batch only reads that group. The group's original writebackConfiguration
is restored after each PATCH and again at the end whatever happens
(try/finally), and checked by reading it back; if that fails, the probe says
so loudly and prints the PATCH body to restore it by hand. A type cannot be
cleared once set (https://github.com/microsoftgraph/msgraph-metadata/issues/332),
so the rows that set a type run only on a group that already has one, or
with -AllowTypeChange.

graph-sim's answers come from, in order: -SimulatorEndpoint (a graph-sim you
started that holds a group with the same id, in the same state, with
-SimulatorAccessToken); else a graph-sim this script starts (-SimulatorPath,
or target/release/graph-sim of this repository, or graph-sim on PATH) with a
tenant file holding a copy of the group (its kind and writeback state); else
the table in this script (graph-sim's default --writeback-validation store
answers). The report is Markdown, for pasting into an issue: request,
service's status / error code / what is stored or seen, graph-sim's, and
whether they match.

The token is taken as a SecureString and sent only in the Authorization
header of requests to -Endpoint; it is never written out. The GroupWriteback
module keeps its connection inside the native library and has no command to
send a raw request, so the probe uses its own HttpClient with the token given.
It needs Group.ReadWrite.All (delegated or application). Ways to get one:

    # Azure CLI (signed in as an administrator of the test tenant)
    $token = az account get-access-token --resource https://graph.microsoft.com --query accessToken -o tsv | ConvertTo-SecureString -AsPlainText -Force
    # Az.Accounts
    $token = (Get-AzAccessToken -ResourceUrl https://graph.microsoft.com -AsSecureString).Token

The probe refuses to run without -GroupId and an explicit -Confirm (which
asks before anything is sent; -Confirm:$false skips the question for
automation). -WhatIf sends nothing.

.PARAMETER GroupId
The id of the scratch group to probe (a GUID). No other group is changed.

.PARAMETER AccessToken
A Microsoft Graph access token with Group.ReadWrite.All, as a SecureString.

.PARAMETER Endpoint
The Graph beta root, default https://graph.microsoft.com/beta (a national
cloud's, or a graph-sim's {base}/beta for tests). v1.0 requests replace the
trailing /beta with /v1.0.

.PARAMETER SimulatorEndpoint
A running graph-sim's base URL (without /beta) to compare with. It must hold
a group with -GroupId in the same state as the real one.

.PARAMETER SimulatorAccessToken
The token for -SimulatorEndpoint (e.g. its --static-token).

.PARAMETER SimulatorPath
The graph-sim executable to start for the comparison.

.PARAMETER SimulatorWritebackValidation
graph-sim's --writeback-validation for the graph-sim this script starts:
store (default, what graph-sim does unless told) or strict.

.PARAMETER NoSimulator
Compare with the table in this script even if graph-sim is available.

.PARAMETER AllowTypeChange
Run the rows that set a type even though the group has none: afterwards the
group keeps a type (it cannot be cleared), and the restore reports it.

.PARAMETER ReportPath
Also write the Markdown report to this file.

.PARAMETER PassThru
Return an object (Rows, Report, Restored, RestoreBody) instead of the report's text.

.EXAMPLE
$token = az account get-access-token --resource https://graph.microsoft.com --query accessToken -o tsv | ConvertTo-SecureString -AsPlainText -Force
./powershell/tools/Test-GroupWritebackService.ps1 -GroupId 0f6e3c1a-... -AccessToken $token -Confirm -ReportPath probe.md

Run from pwsh (a SecureString cannot be given on a shell's command line). Asks
once, sends the probe, restores the group, prints the report and writes it to
probe.md.
#>
[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
[OutputType([string], [pscustomobject])]
param(
    [string] $GroupId,
    [securestring] $AccessToken,
    [string] $Endpoint = 'https://graph.microsoft.com/beta',
    [string] $SimulatorEndpoint,
    [securestring] $SimulatorAccessToken,
    [string] $SimulatorPath,
    [ValidateSet('store', 'strict')] [string] $SimulatorWritebackValidation = 'store',
    [switch] $NoSimulator,
    [switch] $AllowTypeChange,
    [string] $ReportPath,
    [switch] $PassThru
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

# ------------------------------------------------------------------ refusals
if (-not $GroupId) {
    throw 'Test-GroupWritebackService: -GroupId is required: name ONE scratch group of a test tenant; its writebackConfiguration is changed and then restored.'
}
$parsedId = [guid]::Empty
if (-not [guid]::TryParse($GroupId, [ref]$parsedId)) {
    throw "Test-GroupWritebackService: -GroupId '$GroupId' is not a GUID."
}
$GroupId = $parsedId.ToString()
if (-not $PSBoundParameters.ContainsKey('Confirm')) {
    throw 'Test-GroupWritebackService: refusing to run without -Confirm: it sends writeback PATCHes to the group named by -GroupId (restored afterwards). Pass -Confirm to be asked first (or -Confirm:$false to skip the question), or -WhatIf to see what it would do.'
}
if ($null -eq $AccessToken) {
    throw 'Test-GroupWritebackService: -AccessToken (a SecureString with Group.ReadWrite.All) is required; see Get-Help for ways to get one.'
}
if ($SimulatorEndpoint -and $null -eq $SimulatorAccessToken) {
    throw 'Test-GroupWritebackService: -SimulatorEndpoint needs -SimulatorAccessToken (the graph-sim''s --static-token or a token it issued).'
}
$Endpoint = $Endpoint.TrimEnd('/')
$endpointUri = $null
if (-not [uri]::TryCreate($Endpoint, [UriKind]::Absolute, [ref]$endpointUri) -or ($endpointUri.Scheme -ne 'https' -and -not ($endpointUri.Scheme -eq 'http' -and $endpointUri.IsLoopback))) {
    throw "Test-GroupWritebackService: -Endpoint '$Endpoint' must be an https URL (plain http only on loopback, for graph-sim): the token is sent to it."
}
if (-not $PSCmdlet.ShouldProcess("group $GroupId at $Endpoint", 'send writeback PATCHes (each restored afterwards) and read-only probe queries')) {
    return
}

# ------------------------------------------------------------------ HTTP
function New-ProbeTarget([string] $Name, [string] $Base, [securestring] $Token) {
    $client = [System.Net.Http.HttpClient]::new()
    $client.Timeout = [TimeSpan]::FromSeconds(100)
    [pscustomobject]@{ Name = $Name; Base = $Base.TrimEnd('/'); Token = $Token; Client = $client }
}

function ConvertTo-Query([System.Collections.Specialized.OrderedDictionary] $Query) {
    if ($null -eq $Query -or $Query.Count -eq 0) { return '' }
    '?' + (($Query.GetEnumerator() | ForEach-Object { "$($_.Key)=$([uri]::EscapeDataString([string]$_.Value))" }) -join '&')
}

# Whether Url is on the same scheme, host and port as Base: the token is sent nowhere else.
function Test-SameAuthority([string] $Url, [string] $Base) {
    $u = $null
    if (-not [uri]::TryCreate($Url, [UriKind]::Absolute, [ref]$u)) { return $false }
    $b = [uri]$Base
    $u.Scheme -eq $b.Scheme -and $u.Host -eq $b.Host -and $u.Port -eq $b.Port
}

function Get-VersionBase($Target, [string] $Version) {
    if ($Version -eq 'v1.0') { return ($Target.Base -replace '/beta$', '/v1.0') }
    $Target.Base
}

# Sends one request; returns Status, Code (error.code), Message, Json (hashtable), Text, WwwAuthenticate,
# Headers (the answer's headers, names case-insensitive, values joined with ', ').
function Send-ProbeRequest {
    param($Target, [string] $Method, [string] $Url, [hashtable] $Headers = @{}, [string] $Body, [string] $ContentType = 'application/json', [switch] $NoAuth)
    $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::new($Method), $Url)
    if (-not $NoAuth) {
        $plain = [System.Net.NetworkCredential]::new('', $Target.Token).Password
        $request.Headers.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $plain)
        $plain = $null
    }
    foreach ($k in $Headers.Keys) { $null = $request.Headers.TryAddWithoutValidation($k, [string]$Headers[$k]) }
    if ($PSBoundParameters.ContainsKey('Body')) {
        $request.Content = [System.Net.Http.StringContent]::new($Body, [System.Text.Encoding]::UTF8, $ContentType)
    }
    Write-Verbose -Message "$($Target.Name): $Method $Url"
    try {
        $response = $Target.Client.SendAsync($request).GetAwaiter().GetResult()
    }
    catch {
        return [pscustomobject]@{ Status = 0; Code = 'no answer'; Message = $_.Exception.GetBaseException().Message; Json = $null; Text = ''; WwwAuthenticate = $false; Headers = @{} }
    }
    finally {
        $request.Dispose()
    }
    $text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
    $json = $null
    if ($text -and $text.TrimStart().StartsWith('{')) {
        try { $json = $text | ConvertFrom-Json -AsHashtable -Depth 64 } catch { $json = $null }
    }
    $code = ''
    $message = ''
    if ($json -is [hashtable] -and $json.ContainsKey('error') -and $json['error'] -is [hashtable]) {
        $code = [string]$json['error']['code']
        $message = [string]$json['error']['message']
    }
    $headersSeen = @{}
    foreach ($h in @($response.Headers) + @($response.Content.Headers)) { $headersSeen[$h.Key] = ($h.Value -join ', ') }
    $answer = [pscustomobject]@{
        Status          = [int]$response.StatusCode
        Code            = $code
        Message         = $message
        Json            = $json
        Text            = $text
        WwwAuthenticate = ($response.Headers.WwwAuthenticate.Count -gt 0)
        Headers         = $headersSeen
    }
    $response.Dispose()
    $answer
}

function Format-Writeback($Config) {
    $enabled = 'null'
    $type = 'null'
    if ($Config -is [hashtable]) {
        if ($Config.ContainsKey('isEnabled') -and $null -ne $Config['isEnabled']) { $enabled = ([string]$Config['isEnabled']).ToLowerInvariant() }
        if ($Config.ContainsKey('onPremisesGroupType') -and $null -ne $Config['onPremisesGroupType']) { $type = [string]$Config['onPremisesGroupType'] }
    }
    "isEnabled=$enabled, onPremisesGroupType=$type"
}

$groupSelect = 'id,displayName,groupTypes,securityEnabled,mailEnabled,onPremisesSyncEnabled,mail,mailNickname,writebackConfiguration'

function Get-ProbeGroup($Target) {
    $q = [ordered]@{ '$select' = $groupSelect }
    Send-ProbeRequest -Target $Target -Method GET -Url "$($Target.Base)/groups/$GroupId$(ConvertTo-Query $q)"
}

function Get-StoredWriteback($Target) {
    $answer = Send-ProbeRequest -Target $Target -Method GET -Url "$($Target.Base)/groups/$GroupId$(ConvertTo-Query ([ordered]@{ '$select' = 'id,writebackConfiguration' }))"
    if ($answer.Status -ne 200 -or $null -eq $answer.Json) { return $null }
    $config = $null
    if ($answer.Json.ContainsKey('writebackConfiguration')) { $config = $answer.Json['writebackConfiguration'] }
    [pscustomobject]@{ Config = $config; Text = (Format-Writeback $config) }
}

# The PATCH body that puts back what differs from Original; $null when nothing differs.
function Get-RestoreBody([hashtable] $Original, $Current) {
    $members = [ordered]@{}
    foreach ($name in 'isEnabled', 'onPremisesGroupType') {
        $want = $Original[$name]
        $have = $null
        if ($Current -is [hashtable] -and $Current.ContainsKey($name)) { $have = $Current[$name] }
        if (-not ([string]$want -ceq [string]$have -and ($null -eq $want) -eq ($null -eq $have))) { $members[$name] = $want }
    }
    if ($members.Count -eq 0) { return $null }
    @{ writebackConfiguration = $members } | ConvertTo-Json -Compress -Depth 5
}

# Restores the writebackConfiguration; returns Ok, Body (the last body needed), Detail.
function Restore-Writeback($Target, [hashtable] $Original) {
    $stored = Get-StoredWriteback $Target
    if ($null -eq $stored) {
        return [pscustomobject]@{ Ok = $false; Body = (@{ writebackConfiguration = $Original } | ConvertTo-Json -Compress -Depth 5); Detail = 'could not read the group back' }
    }
    $body = Get-RestoreBody $Original $stored.Config
    if ($null -eq $body) { return [pscustomobject]@{ Ok = $true; Body = $null; Detail = 'unchanged' } }
    $answer = Send-ProbeRequest -Target $Target -Method PATCH -Url "$($Target.Base)/groups/$GroupId" -Body $body
    $after = Get-StoredWriteback $Target
    $left = if ($null -eq $after) { $body } else { Get-RestoreBody $Original $after.Config }
    if ($null -eq $left) { return [pscustomobject]@{ Ok = $true; Body = $null; Detail = "restored ($($answer.Status))" } }
    $now = if ($null -eq $after) { 'unreadable' } else { $after.Text }
    [pscustomobject]@{ Ok = $false; Body = $left; Detail = "PATCH answered $($answer.Status) $($answer.Code); stored now: $now" }
}

# ------------------------------------------------------------------ graph-sim
function Find-GraphSim {
    if ($SimulatorPath) { return (Resolve-Path -LiteralPath $SimulatorPath).Path }
    $root = Join-Path -Path $PSScriptRoot -ChildPath '../..'
    $names = if ($IsWindows) { @('target/windows/bin/graph-sim.exe', 'target/release/graph-sim.exe', 'target/debug/graph-sim.exe') } else { @('target/release/graph-sim', 'target/debug/graph-sim') }
    foreach ($n in $names) {
        $p = [System.IO.Path]::GetFullPath((Join-Path -Path $root -ChildPath $n))
        if (Test-Path -LiteralPath $p -PathType Leaf) { return $p }
    }
    $cmd = Get-Command -Name graph-sim -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($cmd) { return $cmd.Source }
    $null
}

function Start-ComparisonSim([string] $Exe, [hashtable] $Group) {
    $tenantFile = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "gw-probe-$([guid]::NewGuid()).json")
    $copy = [ordered]@{}
    foreach ($k in 'id', 'displayName', 'groupTypes', 'securityEnabled', 'mailEnabled', 'onPremisesSyncEnabled', 'mail', 'mailNickname', 'writebackConfiguration') {
        if ($Group.ContainsKey($k)) { $copy[$k] = $Group[$k] }
    }
    if (-not $copy.Contains('groupTypes') -or $null -eq $copy['groupTypes']) { $copy['groupTypes'] = @() }
    Set-Content -LiteralPath $tenantFile -Value (@{ groups = @($copy) } | ConvertTo-Json -Depth 10) -Encoding utf8
    $token = [guid]::NewGuid().ToString('N') + [guid]::NewGuid().ToString('N')
    $info = [System.Diagnostics.ProcessStartInfo]::new($Exe)
    foreach ($a in @('--quiet', '--exit-on-stdin-eof', '--tenant', $tenantFile, '--groups', '4', '--seed', '1', '--throttle', 'off',
            '--static-token', $token, '--writeback-validation', $SimulatorWritebackValidation)) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    $line = $process.StandardOutput.ReadLine()
    Remove-Item -LiteralPath $tenantFile -ErrorAction SilentlyContinue
    if (-not $line) {
        $err = $process.StandardError.ReadToEnd()
        $process.Kill()
        throw "graph-sim ($Exe) did not start: $err"
    }
    [pscustomobject]@{ Process = $process; Url = $line.Trim().TrimEnd('/'); Token = (ConvertTo-SecureString -String $token -AsPlainText -Force) }
}

function Stop-ComparisonSim($Sim) {
    if ($null -eq $Sim -or $Sim.Process.HasExited) { return }
    try { $Sim.Process.StandardInput.Close() } catch { Write-Verbose -Message "closing graph-sim's stdin: $_" }
    if (-not $Sim.Process.WaitForExit(15000)) { $Sim.Process.Kill() }
}

# ------------------------------------------------------------------ the rows
# Each row: Id, Request (as shown), Provenance (the README row it asks about),
# Send (scriptblock: param($Target) -> answer with Status, Code, Value),
# Write (sends a PATCH), Skip (reason, or $null), Expect (graph-sim's default
# answer: Status, Code, Value; a scriptblock Value gets the original state).
$otherGuids = 1..16 | ForEach-Object { [guid]::NewGuid().ToString() }
$unknownId = [guid]::NewGuid().ToString()

function Invoke-ListRow($Target, [System.Collections.Specialized.OrderedDictionary] $Query, [switch] $Advanced, [string] $Path = '/groups', [string] $Version = 'beta') {
    $headers = @{}
    if ($Advanced) { $headers['ConsistencyLevel'] = 'eventual' }
    $a = Send-ProbeRequest -Target $Target -Method GET -Url "$(Get-VersionBase $Target $Version)$Path$(ConvertTo-Query $Query)" -Headers $headers
    $value = ''
    if ($a.Status -eq 200 -and $a.Json -is [hashtable] -and $Query.Contains('$count')) {
        $value = if ($a.Json.ContainsKey('@odata.count')) { '@odata.count present' } else { '@odata.count absent' }
    }
    $a | Add-Member -NotePropertyName Value -NotePropertyValue $value -PassThru
}

function Invoke-PatchRow($Target, [string] $Body, [string] $ContentType = 'application/json', [string] $Version = 'beta') {
    $a = Send-ProbeRequest -Target $Target -Method PATCH -Url "$(Get-VersionBase $Target $Version)/groups/$GroupId" -Body $Body -ContentType $ContentType
    $stored = Get-StoredWriteback $Target
    $value = if ($null -eq $stored) { 'stored: unreadable' } else { "stored: $($stored.Text)" }
    $a | Add-Member -NotePropertyName Value -NotePropertyValue $value -PassThru
}

function Invoke-BatchRow($Target, [object[]] $Requests) {
    $body = @{ requests = $Requests } | ConvertTo-Json -Depth 10 -Compress
    $a = Send-ProbeRequest -Target $Target -Method POST -Url "$($Target.Base)/`$batch" -Body $body
    $value = ''
    if ($a.Status -eq 200 -and $a.Json -is [hashtable] -and $a.Json.ContainsKey('responses')) {
        $value = (@($a.Json['responses']) | Sort-Object -Property { [string]$_['id'] } | ForEach-Object {
                $c = ''
                if ($_.ContainsKey('body') -and $_['body'] -is [hashtable] -and $_['body'].ContainsKey('error')) { $c = ' ' + [string]$_['body']['error']['code'] }
                "$($_['id']): $($_['status'])$c"
            }) -join '; '
    }
    $a | Add-Member -NotePropertyName Value -NotePropertyValue $value -PassThru
}

function Format-Stored($Enabled, $Type) { "stored: $(Format-Writeback @{ isEnabled = $Enabled; onPremisesGroupType = $Type })" }

function Get-ProbeRow([hashtable] $Group, [hashtable] $Original) {
    $unified = @($Group['groupTypes']) -contains 'Unified'
    $synced = $Group['onPremisesSyncEnabled'] -eq $true
    $security = $Group['securityEnabled'] -eq $true
    $mail = $Group['mailEnabled'] -eq $true
    $hasType = $null -ne $Original['onPremisesGroupType']
    $typeSkip = if ($hasType -or $AllowTypeChange) { $null } else { 'the group has no type, and a type cannot be cleared once set (msgraph-metadata#332): use a group with a type, or -AllowTypeChange' }
    $flip = if ($Original['isEnabled'] -eq $true) { 'false' } else { 'true' }
    $unchanged = { param($o) Format-Stored $o['isEnabled'] $o['onPremisesGroupType'] }
    $rows = [System.Collections.Generic.List[object]]::new()
    $add = { param($h) $rows.Add([pscustomobject]$h) }

    # --- writeback PATCHes
    & $add @{ Id = 'W1'; Write = $true; Skip = $typeSkip; Provenance = 'writeback changes our rules refuse: an unknown type'
        Request = 'PATCH /groups/{id} {"writebackConfiguration":{"onPremisesGroupType":"globalSecurityGroup"}}'
        Send = { param($t, $r) Invoke-PatchRow $t '{"writebackConfiguration":{"onPremisesGroupType":"globalSecurityGroup"}}' }
        Expect = @{ Status = 204; Code = ''; Value = { param($o) Format-Stored $o['isEnabled'] 'globalSecurityGroup' } } }
    $distSkip = if (-not ($security -and -not $mail -and -not $unified)) { 'the group is not a security group' } else { $typeSkip }
    & $add @{ Id = 'W2'; Write = $true; Skip = $distSkip; Provenance = 'writeback changes our rules refuse: a distribution type on a security group'
        Request = 'PATCH /groups/{id} {"writebackConfiguration":{"onPremisesGroupType":"universalDistributionGroup"}}'
        Send = { param($t, $r) Invoke-PatchRow $t '{"writebackConfiguration":{"onPremisesGroupType":"universalDistributionGroup"}}' }
        Expect = @{ Status = 204; Code = ''; Value = { param($o) Format-Stored $o['isEnabled'] 'universalDistributionGroup' } } }
    & $add @{ Id = 'W3'; Write = $true; Skip = $null; Provenance = '`isEnabled: null`: 204, stored null'
        Request = 'PATCH /groups/{id} {"writebackConfiguration":{"isEnabled":null}}'
        Send = { param($t, $r) Invoke-PatchRow $t '{"writebackConfiguration":{"isEnabled":null}}' }
        Expect = @{ Status = 204; Code = ''; Value = { param($o) Format-Stored $null $o['onPremisesGroupType'] } } }
    $nullTypeSkip = if ($hasType) { $null } else { 'the group has no type' }
    & $add @{ Id = 'W4'; Write = $true; Skip = $nullTypeSkip; Provenance = '`onPremisesGroupType: null` once a type is set: the type is kept (the 204 assumed)'
        Request = 'PATCH /groups/{id} {"writebackConfiguration":{"onPremisesGroupType":null}}'
        Send = { param($t, $r) Invoke-PatchRow $t '{"writebackConfiguration":{"onPremisesGroupType":null}}' }
        Expect = @{ Status = 204; Code = ''; Value = $unchanged } }
    $kindRows = @(
        @{ Id = 'W5'; Applies = $synced; Kind = 'a synced group' },
        @{ Id = 'W6'; Applies = ($mail -and -not $security -and -not $unified -and -not $synced); Kind = 'a cloud distribution group' },
        @{ Id = 'W7'; Applies = ($mail -and $security -and -not $unified -and -not $synced); Kind = 'a mail-enabled security group' })
    foreach ($k in $kindRows) {
        $body = "{`"writebackConfiguration`":{`"isEnabled`":$flip}}"
        & $add @{ Id = $k.Id; Write = $true; Skip = $(if ($k.Applies) { $null } else { "the group is not $($k.Kind)" })
            Provenance = "writeback changes our rules refuse: $($k.Kind)"
            Request = "PATCH /groups/{id} $body"
            Body = $body; Send = { param($t, $r) Invoke-PatchRow $t $r.Body }
            Expect = @{ Status = 204; Code = ''; Value = { param($o) Format-Stored ($o['isEnabled'] -ne $true) $o['onPremisesGroupType'] } } }
    }
    foreach ($w in @(
            @{ Id = 'W8'; Body = '{"writebackConfiguration":{"isEnabled":"true"}}'; Provenance = 'wrong JSON type (a string for `isEnabled`): 400' },
            @{ Id = 'W9'; Body = '{"writebackConfiguration":{"onPremisesGroupType":5}}'; Provenance = 'wrong JSON type (a number for `onPremisesGroupType`): 400' },
            @{ Id = 'W10'; Body = '{"writebackConfiguration":true}'; Provenance = 'wrong JSON type (a non-object `writebackConfiguration`): 400' })) {
        $body = $w.Body
        & $add @{ Id = $w.Id; Write = $true; Skip = $null; Provenance = $w.Provenance; Request = "PATCH /groups/{id} $body"
            Body = $body; Send = { param($t, $r) Invoke-PatchRow $t $r.Body }
            Expect = @{ Status = 400; Code = 'Request_BadRequest'; Value = $unchanged } }
    }
    $plainBody = "{`"writebackConfiguration`":{`"isEnabled`":$flip}}"
    & $add @{ Id = 'W11'; Write = $true; Skip = $null; Provenance = '`PATCH` without a JSON `Content-Type`: 400'
        Request = "PATCH /groups/{id} with Content-Type: text/plain, body $plainBody"
        Body = $plainBody; Send = { param($t, $r) Invoke-PatchRow $t $r.Body 'text/plain' }
        Expect = @{ Status = 400; Code = 'Request_BadRequest'; Value = $unchanged } }
    & $add @{ Id = 'W12'; Write = $true; Skip = $null; Provenance = '`PATCH` on v1.0 naming `writebackConfiguration`: 400'
        Request = "PATCH /v1.0/groups/{id} $plainBody"
        Body = $plainBody; Send = { param($t, $r) Invoke-PatchRow $t $r.Body 'application/json' 'v1.0' }
        Expect = @{ Status = 400; Code = 'Request_BadRequest'; Value = $unchanged } }

    # --- read-only queries
    $filterWb = 'writebackConfiguration/isEnabled eq true'
    foreach ($r in @(
            @{ Id = 'R1'; Provenance = '`$filter` on `writebackConfiguration`: refused'; Request = "GET /groups?`$filter=$filterWb&`$select=id&`$top=1"
                Query = [ordered]@{ '$filter' = $filterWb; '$select' = 'id'; '$top' = '1' }; Advanced = $false; Status = 400; Code = 'Request_UnsupportedQuery' },
            @{ Id = 'R2'; Provenance = '`$filter` on `writebackConfiguration`: refused even with the advanced parameters'; Request = "GET /groups?`$filter=$filterWb&`$count=true&`$select=id&`$top=1 + ConsistencyLevel: eventual"
                Query = [ordered]@{ '$filter' = $filterWb; '$count' = 'true'; '$select' = 'id'; '$top' = '1' }; Advanced = $true; Status = 400; Code = 'Request_UnsupportedQuery' },
            @{ Id = 'R3'; Provenance = '`$select` of an unknown property: 400 `Request_BadRequest`'; Request = 'GET /groups?$select=id,noSuchProperty&$top=1'
                Query = [ordered]@{ '$select' = 'id,noSuchProperty'; '$top' = '1' }; Advanced = $false; Status = 400; Code = 'Request_BadRequest' },
            @{ Id = 'R4'; Provenance = '`$top` over 999: 400 `Request_UnsupportedQuery`'; Request = 'GET /groups?$top=1000&$select=id'
                Query = [ordered]@{ '$top' = '1000'; '$select' = 'id' }; Advanced = $false; Status = 400; Code = 'Request_UnsupportedQuery' },
            @{ Id = 'R5'; Provenance = '`$top` 0: 400 `Request_BadRequest`'; Request = 'GET /groups?$top=0&$select=id'
                Query = [ordered]@{ '$top' = '0'; '$select' = 'id' }; Advanced = $false; Status = 400; Code = 'Request_BadRequest' },
            @{ Id = 'R6'; Provenance = '`$count=true` without `ConsistencyLevel`: ignored (200, no count)'; Request = 'GET /groups?$count=true&$select=id&$top=1'
                Query = [ordered]@{ '$count' = 'true'; '$select' = 'id'; '$top' = '1' }; Advanced = $false; Status = 200; Code = ''; Value = '@odata.count absent' },
            @{ Id = 'R7'; Provenance = '`GET /groups/$count` without `ConsistencyLevel`: 400 `Request_BadRequest`'; Request = 'GET /groups/$count'
                Query = [ordered]@{}; Path = '/groups/$count'; Advanced = $false; Status = 400; Code = 'Request_BadRequest' },
            @{ Id = 'R8'; Provenance = '`endswith` on `displayName` (not mail): refused even with the advanced parameters'; Request = "GET /groups?`$filter=endswith(displayName,'x')&`$count=true&`$select=id&`$top=1 + ConsistencyLevel: eventual"
                Query = [ordered]@{ '$filter' = "endswith(displayName,'x')"; '$count' = 'true'; '$select' = 'id'; '$top' = '1' }; Advanced = $true; Status = 400; Code = 'Request_UnsupportedQuery' },
            @{ Id = 'R9'; Provenance = '`$skip`: 400 (code assumed)'; Request = 'GET /groups?$skip=1&$select=id&$top=1'
                Query = [ordered]@{ '$skip' = '1'; '$select' = 'id'; '$top' = '1' }; Advanced = $false; Status = 400; Code = 'Request_BadRequest' },
            @{ Id = 'R10'; Provenance = 'a foreign `$skiptoken`: 400'; Request = 'GET /groups?$select=id&$top=1&$skiptoken=notAToken'
                Query = [ordered]@{ '$select' = 'id'; '$top' = '1'; '$skiptoken' = 'notAToken' }; Advanced = $false; Status = 400; Code = 'Request_BadRequest' },
            @{ Id = 'R11'; Provenance = '`$search` on a property other than `displayName`/`description`: 400 `Request_UnsupportedQuery`'; Request = 'GET /groups?$search="mail:x"&$select=id&$top=1 + ConsistencyLevel: eventual'
                Query = [ordered]@{ '$search' = '"mail:x"'; '$select' = 'id'; '$top' = '1' }; Advanced = $true; Status = 400; Code = 'Request_UnsupportedQuery' },
            @{ Id = 'R12'; Provenance = 'both spellings of an option (`$top` and `top`) on beta: 400'; Request = 'GET /groups?$top=1&top=2&$select=id'
                Query = [ordered]@{ '$top' = '1'; 'top' = '2'; '$select' = 'id' }; Advanced = $false; Status = 400; Code = 'Request_BadRequest' },
            @{ Id = 'R13'; Provenance = '`$orderby` of an unsupported property: 400 `Request_UnsupportedQuery` (code assumed)'; Request = 'GET /groups?$orderby=mail&$select=id&$top=1'
                Query = [ordered]@{ '$orderby' = 'mail'; '$select' = 'id'; '$top' = '1' }; Advanced = $false; Status = 400; Code = 'Request_UnsupportedQuery' },
            @{ Id = 'R14'; Provenance = '`hasMembersWithLicenseErrors` with the advanced parameters: 400 (error assumed)'; Request = 'GET /groups?$filter=hasMembersWithLicenseErrors eq true&$count=true&$select=id&$top=1 + ConsistencyLevel: eventual'
                Query = [ordered]@{ '$filter' = 'hasMembersWithLicenseErrors eq true'; '$count' = 'true'; '$select' = 'id'; '$top' = '1' }; Advanced = $true; Status = 400; Code = 'Request_UnsupportedQuery' },
            @{ Id = 'R15'; Provenance = '`in` with more than 15 values without the advanced parameters: 400 `Request_UnsupportedQuery`'; Request = 'GET /groups?$filter=id in (16 random GUIDs)&$select=id'
                Query = [ordered]@{ '$filter' = "id in ($(($otherGuids | ForEach-Object { "'$_'" }) -join ','))"; '$select' = 'id' }; Advanced = $false; Status = 400; Code = 'Request_UnsupportedQuery' },
            @{ Id = 'R16'; Provenance = 'id not a GUID: 400 `Request_BadRequest`'; Request = 'GET /groups/not-a-guid'
                Query = [ordered]@{}; Path = '/groups/not-a-guid'; Advanced = $false; Status = 400; Code = 'Request_BadRequest' },
            @{ Id = 'R17'; Provenance = 'unknown id: 404 `Request_ResourceNotFound`'; Request = 'GET /groups/{random GUID}'
                Query = [ordered]@{}; Path = "/groups/$unknownId"; Advanced = $false; Status = 404; Code = 'Request_ResourceNotFound' },
            @{ Id = 'R18'; Provenance = 'unknown segment: 400 `BadRequest`'; Request = 'GET /groupz'
                Query = [ordered]@{}; Path = '/groupz'; Advanced = $false; Status = 400; Code = 'BadRequest' })) {
        $q = $r.Query
        $path = if ($r.ContainsKey('Path')) { $r.Path } else { '/groups' }
        $advanced = $r.Advanced
        $expectValue = if ($r.ContainsKey('Value')) { $r.Value } else { '' }
        & $add @{ Id = $r.Id; Write = $false; Skip = $null; Provenance = $r.Provenance; Request = $r.Request
            Query = $q; Advanced = $advanced; Path = $path
            Send = { param($t, $r) Invoke-ListRow $t $r.Query -Advanced:$r.Advanced -Path $r.Path }
            Expect = @{ Status = $r.Status; Code = $r.Code; Value = $expectValue } }
    }
    & $add @{ Id = 'R19'; Write = $false; Skip = $null; Provenance = '`@odata.count` on the first page only (header sent again)'
        Request = 'GET /groups?$count=true&$select=id&$top=1 + ConsistencyLevel: eventual, then its @odata.nextLink with the header'
        Send = {
            param($t, $r)
            $first = Send-ProbeRequest -Target $t -Method GET -Url "$($t.Base)/groups$(ConvertTo-Query ([ordered]@{ '$count' = 'true'; '$select' = 'id'; '$top' = '1' }))" -Headers @{ ConsistencyLevel = 'eventual' }
            $value = 'no second page'
            if ($first.Status -eq 200 -and $first.Json.ContainsKey('@odata.nextLink') -and -not (Test-SameAuthority ([string]$first.Json['@odata.nextLink']) $t.Base)) {
                $value = 'nextLink on another host: not followed (the token goes to the endpoint only)'
            }
            elseif ($first.Status -eq 200 -and $first.Json.ContainsKey('@odata.nextLink')) {
                $second = Send-ProbeRequest -Target $t -Method GET -Url ([string]$first.Json['@odata.nextLink']) -Headers @{ ConsistencyLevel = 'eventual' }
                $c1 = if ($first.Json.ContainsKey('@odata.count')) { 'present' } else { 'absent' }
                $c2 = if ($second.Json -is [hashtable] -and $second.Json.ContainsKey('@odata.count')) { 'present' } else { 'absent' }
                $value = "page 1 count $c1; page 2: $((@($second.Status, $second.Code) | Where-Object { $_ }) -join ' '), count $c2"
            }
            $first | Add-Member -NotePropertyName Value -NotePropertyValue $value -PassThru
        }
        Expect = @{ Status = 200; Code = ''; Value = 'page 1 count present; page 2: 200, count absent' } }
    & $add @{ Id = 'R20'; Write = $false; Skip = $null; Provenance = '401 `InvalidAuthenticationToken` with `WWW-Authenticate` for a missing token'
        Request = 'GET /groups/{id}?$select=id without Authorization'
        Send = {
            param($t, $r)
            $a = Send-ProbeRequest -Target $t -Method GET -Url "$($t.Base)/groups/$GroupId`?`$select=id" -NoAuth
            $a | Add-Member -NotePropertyName Value -NotePropertyValue $(if ($a.WwwAuthenticate) { 'WWW-Authenticate present' } else { 'WWW-Authenticate absent' }) -PassThru
        }
        Expect = @{ Status = 401; Code = 'InvalidAuthenticationToken'; Value = 'WWW-Authenticate present' } }
    & $add @{ Id = 'R21'; Write = $false; Skip = $null; Provenance = '`client-request-id` echoed; `request-id`; `OData-Version: 4.0` on a top-level answer'
        Request = 'GET /groups/{id}?$select=id with client-request-id: {a GUID}'
        Send = {
            param($t, $r)
            $sentId = [guid]::NewGuid().ToString()
            $a = Send-ProbeRequest -Target $t -Method GET -Url "$($t.Base)/groups/$GroupId`?`$select=id" -Headers @{ 'client-request-id' = $sentId }
            $echo = if ($a.Headers.ContainsKey('client-request-id') -and $a.Headers['client-request-id'] -eq $sentId) { 'echoed' } else { 'not echoed' }
            $rid = if ($a.Headers.ContainsKey('request-id')) { 'present' } else { 'absent' }
            $odata = if ($a.Headers.ContainsKey('OData-Version')) { $a.Headers['OData-Version'] } else { 'absent' }
            $a | Add-Member -NotePropertyName Value -NotePropertyValue "client-request-id $echo; request-id $rid; OData-Version $odata" -PassThru
        }
        Expect = @{ Status = 200; Code = ''; Value = 'client-request-id echoed; request-id present; OData-Version 4.0' } }
    & $add @{ Id = 'R22'; Write = $false; Skip = $null; Provenance = 'options without `$` ignored on v1.0 (`top=1`)'
        Request = 'GET /v1.0/groups?top=1&$select=id'
        Send = {
            param($t, $r)
            $a = Send-ProbeRequest -Target $t -Method GET -Url "$(Get-VersionBase $t 'v1.0')/groups?top=1&`$select=id"
            $value = ''
            if ($a.Status -eq 200 -and $a.Json -is [hashtable] -and $a.Json.ContainsKey('value')) {
                $value = if (@($a.Json['value']).Count -le 1) { 'top=1 honoured (one group)' } else { 'top=1 ignored (more than one group)' }
            }
            $a | Add-Member -NotePropertyName Value -NotePropertyValue $value -PassThru
        }
        Expect = @{ Status = 200; Code = ''; Value = 'top=1 ignored (more than one group)' } }
    & $add @{ Id = 'B1'; Write = $false; Skip = $null; Provenance = '`$batch`: an absolute sub-request URL is a 400 sub-response'
        Request = 'POST /$batch [GET {endpoint}/groups/{id}?$select=id (absolute)]'
        Send = { param($t, $r) Invoke-BatchRow $t @(@{ id = '1'; method = 'GET'; url = "$($t.Base)/groups/$GroupId`?`$select=id" }) }
        Expect = @{ Status = 200; Code = ''; Value = '1: 400 BadRequest' } }
    & $add @{ Id = 'B2'; Write = $false; Skip = $null; Provenance = '`$batch`: a cycle in `dependsOn` is 400'
        Request = 'POST /$batch [1 dependsOn 2, 2 dependsOn 1, both GET /groups/{id}?$select=id]'
        Send = { param($t, $r) Invoke-BatchRow $t @(@{ id = '1'; method = 'GET'; url = "/groups/$GroupId`?`$select=id"; dependsOn = @('2') }, @{ id = '2'; method = 'GET'; url = "/groups/$GroupId`?`$select=id"; dependsOn = @('1') }) }
        Expect = @{ Status = 400; Code = 'BadRequest'; Value = '' } }
    & $add @{ Id = 'B3'; Write = $false; Skip = $null; Provenance = '`$batch`: 424''s code `FailedDependency`'
        Request = 'POST /$batch [1 GET /groups/not-a-guid, 2 dependsOn 1 GET /groups/{id}?$select=id]'
        Send = { param($t, $r) Invoke-BatchRow $t @(@{ id = '1'; method = 'GET'; url = '/groups/not-a-guid' }, @{ id = '2'; method = 'GET'; url = "/groups/$GroupId`?`$select=id"; dependsOn = @('1') }) }
        Expect = @{ Status = 200; Code = ''; Value = '1: 400 Request_BadRequest; 2: 424 FailedDependency' } }
    $rows
}

# ------------------------------------------------------------------ run
function Format-Answer($Answer) {
    if ($null -eq $Answer) { return '' }
    $code = if ($Answer.Code) { $Answer.Code } else { '-' }
    $value = if ($Answer.Value) { $Answer.Value } else { '-' }
    "$($Answer.Status) / $code / $value"
}

function ConvertTo-Cell([string] $Text) { ($Text -replace '\|', '\|' -replace '[\r\n]+', ' ') }

$service = New-ProbeTarget -Name 'service' -Base $Endpoint -Token $AccessToken
$sim = $null
$simTarget = $null
$comparedWith = ''
$results = [System.Collections.Generic.List[object]]::new()
$original = $null
$finalRestore = $null
$aborted = $null
try {
    $groupAnswer = Get-ProbeGroup $service
    if ($groupAnswer.Status -ne 200 -or $null -eq $groupAnswer.Json) {
        throw "Test-GroupWritebackService: reading group $GroupId at $Endpoint answered $($groupAnswer.Status) $($groupAnswer.Code) $($groupAnswer.Message); nothing was changed."
    }
    $group = $groupAnswer.Json
    $wc = if ($group.ContainsKey('writebackConfiguration') -and $group['writebackConfiguration'] -is [hashtable]) { $group['writebackConfiguration'] } else { @{} }
    $original = @{
        isEnabled           = $(if ($wc.ContainsKey('isEnabled')) { $wc['isEnabled'] } else { $null })
        onPremisesGroupType = $(if ($wc.ContainsKey('onPremisesGroupType')) { $wc['onPremisesGroupType'] } else { $null })
    }
    $originalText = Format-Writeback $original

    if ($SimulatorEndpoint) {
        $simTarget = New-ProbeTarget -Name 'graph-sim' -Base "$($SimulatorEndpoint.TrimEnd('/'))/beta" -Token $SimulatorAccessToken
        $comparedWith = "a running graph-sim at $SimulatorEndpoint"
    }
    elseif (-not $NoSimulator) {
        $exe = Find-GraphSim
        if ($exe) {
            $sim = Start-ComparisonSim $exe $group
            $simTarget = New-ProbeTarget -Name 'graph-sim' -Base "$($sim.Url)/beta" -Token $sim.Token
            $comparedWith = "graph-sim started by the probe ($exe, --writeback-validation $SimulatorWritebackValidation) holding a copy of the group"
        }
    }
    if (-not $simTarget) {
        $comparedWith = 'the table in Test-GroupWritebackService.ps1 (graph-sim, --writeback-validation store)'
    }

    foreach ($row in (Get-ProbeRow $group $original)) {
        $entry = [pscustomobject]@{ Id = $row.Id; Request = $row.Request; Provenance = $row.Provenance; Skipped = $row.Skip; Service = $null; Simulator = $null; Match = $null }
        if ($row.Skip) { $results.Add($entry); continue }
        if ($row.Write -and $aborted) { $entry.Skipped = "not sent: $aborted"; $results.Add($entry); continue }
        $entry.Service = & $row.Send $service $row
        if ($simTarget) {
            $entry.Simulator = & $row.Send $simTarget $row
        }
        else {
            $expectValue = $row.Expect.Value
            if ($expectValue -is [scriptblock]) { $expectValue = & $expectValue $original }
            $entry.Simulator = [pscustomobject]@{ Status = $row.Expect.Status; Code = $row.Expect.Code; Value = $expectValue; Message = '' }
        }
        $entry.Match = ($entry.Service.Status -eq $entry.Simulator.Status) -and ($entry.Service.Code -ceq $entry.Simulator.Code) -and ($entry.Service.Value -ceq $entry.Simulator.Value)
        $results.Add($entry)
        if ($row.Write) {
            $r = Restore-Writeback $service $original
            if (-not $r.Ok) { $aborted = "restoring after $($row.Id) failed ($($r.Detail))" }
            if ($simTarget) { $null = Restore-Writeback $simTarget $original }
        }
    }
}
finally {
    if ($null -ne $original) {
        try { $finalRestore = Restore-Writeback $service $original }
        catch { $finalRestore = [pscustomobject]@{ Ok = $false; Body = (@{ writebackConfiguration = $original } | ConvertTo-Json -Compress -Depth 5); Detail = $_.Exception.Message } }
        if (-not $finalRestore.Ok) {
            Write-Warning -Message "RESTORING GROUP $GroupId FAILED ($($finalRestore.Detail)). Restore it by hand: PATCH $Endpoint/groups/$GroupId with Content-Type: application/json and the body $($finalRestore.Body)"
        }
    }
    Stop-ComparisonSim $sim
    $service.Client.Dispose()
    if ($simTarget) { $simTarget.Client.Dispose() }
}

# ------------------------------------------------------------------ report
$kind = @()
if (@($group['groupTypes']) -contains 'Unified') { $kind += 'Microsoft 365' }
if ($group['securityEnabled'] -eq $true) { $kind += 'security-enabled' }
if ($group['mailEnabled'] -eq $true) { $kind += 'mail-enabled' }
if ($group['onPremisesSyncEnabled'] -eq $true) { $kind += 'synced from on-premises' }
$sent = @($results | Where-Object { $null -ne $_.Match })
$mismatches = @($sent | Where-Object { -not $_.Match })
$lines = [System.Collections.Generic.List[string]]::new()
$lines.Add('## Group writeback service probe')
$lines.Add('')
$lines.Add("- Run: $([DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm')) UTC against $Endpoint, on one group ($($kind -join ', '); writebackConfiguration before: $originalText)")
$lines.Add("- Compared with: $comparedWith")
$lines.Add("- Rows: $($sent.Count) sent, $($mismatches.Count) mismatch, $(@($results).Count - $sent.Count) skipped")
if ($finalRestore.Ok) {
    $lines.Add("- Restored: yes (read back: $originalText)")
}
else {
    $lines.Add("- **Restored: NO** ($($finalRestore.Detail)). Restore by hand: ``PATCH $Endpoint/groups/$GroupId`` with the body ``$($finalRestore.Body)``")
}
$lines.Add('')
$lines.Add('Each cell: status / error code / what was stored after (read back) or seen. `{id}` is the probed group.')
$lines.Add('')
$lines.Add('| # | request | assumed in graph-sim | service | graph-sim | match |')
$lines.Add('|---|---|---|---|---|---|')
foreach ($e in $results) {
    if ($null -eq $e.Match) {
        $lines.Add("| $($e.Id) | $(ConvertTo-Cell $e.Request) | $(ConvertTo-Cell $e.Provenance) | skipped: $(ConvertTo-Cell $e.Skipped) | | |")
        continue
    }
    $match = if ($e.Match) { 'yes' } else { '**no (mismatch)**' }
    $lines.Add("| $($e.Id) | $(ConvertTo-Cell $e.Request) | $(ConvertTo-Cell $e.Provenance) | $(ConvertTo-Cell (Format-Answer $e.Service)) | $(ConvertTo-Cell (Format-Answer $e.Simulator)) | $match |")
}
$messages = @($sent | Where-Object { $_.Service.Message })
if ($messages.Count -gt 0) {
    $lines.Add('')
    $lines.Add('Error messages from the service (not compared):')
    $lines.Add('')
    foreach ($e in $messages) {
        $m = $e.Service.Message
        if ($m.Length -gt 300) { $m = $m.Substring(0, 300) + '...' }
        $lines.Add("- $($e.Id): $(ConvertTo-Cell $m)")
    }
}
$lines.Add('')
$lines.Add('Not probed (unsafe or not observable on one group): throttling quotas and headers, faults, sign-in errors, `$batch` limits already documented.')
$report = $lines -join [Environment]::NewLine

if ($ReportPath) { Set-Content -LiteralPath $ReportPath -Value $report -Encoding utf8 }
if ($PassThru) {
    [pscustomobject]@{ Rows = $results.ToArray(); Report = $report; Restored = [bool]$finalRestore.Ok; RestoreBody = $finalRestore.Body; Mismatches = $mismatches.Count }
}
else {
    $report
}
