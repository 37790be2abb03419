<#
.SYNOPSIS
The docs' workflow against a simulated tenant: connect, list the groups written back, change one group with -WhatIf and then for real, show it.

.DESCRIPTION
Starts graph-sim (target/release/graph-sim) with 200 groups (seed 42),
imports the module as a user would, and runs the PowerShell equivalent of
Microsoft's Connect-MgGraph / Get-MgBetaGroup / Update-MgBetaGroup steps.
Stops the simulator at the end. `make demo` builds what it needs first.
#>
[CmdletBinding()]
param()

$ErrorActionPreference = 'Stop'
$root = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).Path
$exe = Join-Path -Path $root -ChildPath 'target/release/graph-sim'
$info = [System.Diagnostics.ProcessStartInfo]::new($exe)
foreach ($a in '--groups', '200', '--seed', '42', '--quiet') { $info.ArgumentList.Add($a) }
$info.RedirectStandardOutput = $true
$info.UseShellExecute = $false
$sim = [System.Diagnostics.Process]::Start($info)
try {
    $url = $sim.StandardOutput.ReadLine().Trim()
    "graph-sim: a simulated tenant with 200 groups at $url"
    Import-Module -Name (Join-Path -Path $root -ChildPath 'powershell/GroupWriteback') -Force

    "`n# Connect-MgGraph -Scopes Group.ReadWrite.All  ->  Connect-GroupWriteback (app with a client secret)"
    $secret = [securestring]::new()
    foreach ($c in 'graph-sim-secret'.ToCharArray()) { $secret.AppendChar($c) }
    $credential = [pscredential]::new('8f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b', $secret)
    Connect-GroupWriteback -Endpoint $url -TenantId '5d0c5a8e-6a3b-4f2e-9c71-2b8f4e1d7a30' -ClientSecretCredential $credential -PassThru |
        Format-List Cloud, GraphEndpoint, AuthType, TenantId, ClientId | Out-String -Width 120

    "# The docs' pipeline: the groups with writeback enabled"
    'Get-GroupWriteback -All | Where-Object {$_.writebackConfiguration.isEnabled -Like $true} | Select-Object Displayname,@{N="WriteBackEnabled";E={$_.writebackConfiguration.isEnabled}}'
    Get-GroupWriteback -All | Where-Object {$_.writebackConfiguration.isEnabled -Like $true} | Select-Object Displayname,@{N="WriteBackEnabled";E={$_.writebackConfiguration.isEnabled}} |
        Select-Object -First 10 | Format-Table | Out-String -Width 120
    "(first 10 shown)"

    "`n# The portal's view next to what really happens: written back although the portal shows No writeback"
    Get-GroupWriteback -All -WrittenBack $true | Where-Object WritebackState -eq 'NoWriteback' | Select-Object -First 5 | Format-Table | Out-String -Width 140

    "# What nobody can tell from the stored values: a type the documents do not name, or one the group's kind may not have"
    'Get-GroupWriteback -All -WrittenBack Unknown'
    $unknown = @(Get-GroupWriteback -All -WrittenBack Unknown)
    if ($unknown.Count -gt 0) {
        $unknown | Select-Object -First 5 | Format-Table DisplayName, TargetWritebackType, EffectiveWriteback, Reason | Out-String -Width 140
        "($($unknown.Count) group(s): their WrittenBack is `$null; set their state explicitly)"
    }
    else {
        '(none in this tenant)'
    }

    $group = Get-GroupWriteback -All | Where-Object { $_.GroupTypes -contains 'Unified' -and -not $_.OnPremisesSyncEnabled -and $_.WritebackState -ne 'Security' } | Select-Object -First 1
    "# Update-MgBetaGroup -GroupId $($group.Id) -BodyParameter @{writebackConfiguration=@{isEnabled=`$true; onPremisesGroupType='universalSecurityGroup'}}"
    "#   ->  Set-GroupWriteback -State Security, first with -WhatIf"
    $group | Set-GroupWriteback -State Security -WhatIf
    "`n# ... then for real"
    $group | Set-GroupWriteback -State Security -Verbose 4>&1 | ForEach-Object { "VERBOSE: $_" }
    "`n# The result, read again from Graph"
    Get-GroupWriteback -GroupId $group.Id | Format-List | Out-String -Width 120

    "# A change the rules refuse is an error, and nothing is sent"
    Get-GroupWriteback -All | Where-Object { $_.OnPremisesSyncEnabled } | Select-Object -First 1 |
        Set-GroupWriteback -State Security -ErrorAction Continue 2>&1 | ForEach-Object { "ERROR: $_ [$($_.FullyQualifiedErrorId)]" }
    Disconnect-GroupWriteback
}
finally {
    if (-not $sim.HasExited) {
        $sim.Kill()
        $null = $sim.WaitForExit(5000)
    }
    'graph-sim stopped.'
}
