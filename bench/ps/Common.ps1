# Shared by the bench's plain PowerShell contenders: the effective-writeback
# rule of the domain brief, written out in PowerShell as an admin's script
# would (kept in step with src/domain.rs: the counts are compared with the
# library's in every run).
function Test-BenchWrittenBack {
    param($g)
    if ($g.onPremisesSyncEnabled -eq $true) { return $false }
    $m365 = $g.groupTypes -contains 'Unified'
    if (-not $m365 -and -not ($g.securityEnabled -eq $true -and $g.mailEnabled -eq $false)) { return $false }
    $wb = $g.writebackConfiguration
    $enabled = if ($null -ne $wb) { $wb.isEnabled } else { $null }
    $type = if ($null -ne $wb) { $wb.onPremisesGroupType } else { $null }
    if ($enabled -eq $false) { return $false }
    # A stored type counts only when documented and allowed for the kind (the
    # library calls any other "unknown", not written back).
    if ($null -ne $type) {
        if ($m365) { return $type -in 'universalDistributionGroup', 'universalSecurityGroup', 'universalMailEnabledSecurityGroup' }
        return $type -eq 'universalSecurityGroup'
    }
    if ($enabled -eq $true) { return $true }
    return $m365
}
