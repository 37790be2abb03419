function ConvertTo-GwbGroupObject {
    <#
    .SYNOPSIS
    Turns the native rules' report on a group into the module's output object.
    #>
    [CmdletBinding()]
    [OutputType('GroupWriteback.Group')]
    param(
        [Parameter(Mandatory)]
        [GroupWriteback.Native.GroupReport] $Report
    )

    $caveats = foreach ($caveat in $Report.Caveats) {
        [pscustomobject]@{
            PSTypeName = 'GroupWriteback.Caveat'
            Code       = $caveat.Code
            Message    = $caveat.Message
        }
    }
    $effective = if (-not $Report.WrittenBack) {
        'Not written back'
    }
    else {
        switch ($Report.WrittenBackAs) {
            'universalDistributionGroup' { 'Distribution' }
            'universalSecurityGroup' { 'Security' }
            'universalMailEnabledSecurityGroup' { 'Mail-enabled security' }
            default { $Report.WrittenBackAs }
        }
    }
    [pscustomobject]@{
        PSTypeName                = 'GroupWriteback.Group'
        Id                        = $Report.Id
        DisplayName               = $Report.DisplayName
        GroupTypes                = [string[]]$Report.GroupTypes
        SecurityEnabled           = $Report.SecurityEnabled
        MailEnabled               = $Report.MailEnabled
        OnPremisesSyncEnabled     = $Report.OnPremisesSyncEnabled
        WritebackConfiguration    = [pscustomobject]@{
            PSTypeName          = 'GroupWriteback.WritebackConfiguration'
            IsEnabled           = $Report.IsEnabled
            OnPremisesGroupType = $Report.OnPremisesGroupType
        }
        Kind                      = $Report.Kind
        KindDisplayName           = $Report.KindDisplayName
        IsDynamic                 = $Report.IsDynamic
        WritebackEnabled          = $Report.WritebackEnabled
        TargetWritebackType       = $Report.TargetWritebackType
        WritebackState            = $Report.WritebackState
        WritebackStateDisplayName = $Report.WritebackStateDisplayName
        WrittenBack               = $Report.WrittenBack
        WrittenBackAs             = $Report.WrittenBackAs
        EffectiveWriteback        = $effective
        Reason                    = $Report.Reason
        Explanation               = $Report.Explanation
        Caveats                   = @($caveats)
    }
}
