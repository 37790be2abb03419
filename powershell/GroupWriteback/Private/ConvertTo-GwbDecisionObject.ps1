function ConvertTo-GwbDecisionObject {
    <#
    .SYNOPSIS
    Turns the native rules' decision on a change into the module's output object.
    #>
    [CmdletBinding()]
    [OutputType('GroupWriteback.ChangeDecision')]
    param(
        [Parameter(Mandatory)]
        [GroupWriteback.Native.ChangeDecision] $Decision,

        [Parameter(Mandatory)]
        [string] $Requested
    )

    $group = ConvertTo-GwbGroupObject -Report $Decision.Group
    $after = if ($Decision.Outcome -eq 'Send') {
        [pscustomobject]@{
            PSTypeName          = 'GroupWriteback.WritebackConfiguration'
            IsEnabled           = $Decision.AfterIsEnabled
            OnPremisesGroupType = $Decision.AfterOnPremisesGroupType
        }
    }
    [pscustomobject]@{
        PSTypeName          = 'GroupWriteback.ChangeDecision'
        Id                  = $group.Id
        DisplayName         = $group.DisplayName
        Kind                = $group.Kind
        KindDisplayName     = $group.KindDisplayName
        CurrentState        = $group.WritebackState
        EffectiveWriteback  = $group.EffectiveWriteback
        Requested           = $Requested
        Outcome             = $Decision.Outcome
        MakesExplicit       = $Decision.MakesExplicit
        Summary             = $Decision.Summary
        Body                = $Decision.Body
        After               = $after
        RefusalCode         = $Decision.RefusalCode
        RefusalMessage      = $Decision.RefusalMessage
        Group               = $group
    }
}
