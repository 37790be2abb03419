function Split-GwbGroupInput {
    <#
    .SYNOPSIS
    Turns one input item into the Graph JSON of the groups it holds, or an error.

    .DESCRIPTION
    A string is JSON text: one group, an array of groups, or a Graph list
    response ({"value": [...]}); each group becomes its own entry. Any other
    object is read as a group. Emits entries with Json, Target (the object
    the entry came from, for error records) and, when the item cannot be
    used, Message, ErrorId and Category instead of Json.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [AllowNull()]
        [object] $InputObject
    )

    if ($null -eq $InputObject) {
        [pscustomobject]@{
            Json      = $null
            Target    = $null
            Message   = 'The input is null. Pipe groups from Get-MgBetaGroup, ConvertFrom-Json or this module, or pass Graph JSON with -Json.'
            ErrorId   = 'GroupWriteback.NullInput'
            Category  = [System.Management.Automation.ErrorCategory]::InvalidArgument
            Exception = $null
        }
        return
    }

    $item = if ($InputObject -is [psobject]) { $InputObject.PSObject.BaseObject } else { $InputObject }
    # What a group is, and which of its properties the rules read, is the
    # library's to say (GroupInput); so is the list a message names.
    $read = [GroupWriteback.Native.GroupInput]::TryRead($InputObject)
    if (-not $read.Success) {
        [pscustomobject]@{
            Json      = $null
            Target    = $InputObject
            Message   = "The input ($($item.GetType().FullName)) could not be read as a group: $($read.Error.Message)"
            ErrorId   = 'GroupWriteback.NotAGroup'
            Category  = [System.Management.Automation.ErrorCategory]::InvalidArgument
            Exception = $read.Error
        }
        return
    }
    $converted = $read.Value
    $select = $converted.Properties -join ','
    if ($item -is [string]) {
        $split = [GroupWriteback.Native.Rules]::TrySplitGroups($item)
        if (-not $split.Success) {
            $shown = if ($item.Length -gt 60) { $item.Substring(0, 57) + '...' } else { $item }
            [pscustomobject]@{
                Json      = $null
                Target    = $InputObject
                Message   = "The text '$shown' is not JSON ($($split.Error.Message)) Pass a group's Graph JSON, an array of them or a list response. To explain a group by its id, read it first: Get-MgBetaGroup -GroupId <id> -Property $select | Resolve-GroupWriteback."
                ErrorId   = 'GroupWriteback.InvalidJson'
                Category  = [System.Management.Automation.ErrorCategory]::InvalidData
                Exception = $split.Error
            }
            return
        }
        $texts = [string[]]$split.Value
        foreach ($text in $texts) {
            [pscustomobject]@{
                Json      = $text
                Target    = if ($texts.Count -eq 1) { $InputObject } else { $text }
                Message   = $null
                ErrorId   = $null
                Category  = $null
                Exception = $null
            }
        }
        return
    }

    if (-not $converted.IsGroup) {
        [pscustomobject]@{
            Json      = $null
            Target    = $InputObject
            Message   = "The input ($($item.GetType().FullName)) is not a group: it has none of the properties $($select -replace ',', ', '). Pipe groups from Get-MgBetaGroup -Property $select, from ConvertFrom-Json or from this module, or pass Graph JSON with -Json."
            ErrorId   = 'GroupWriteback.NotAGroup'
            Category  = [System.Management.Automation.ErrorCategory]::InvalidArgument
            Exception = $null
        }
        return
    }
    [pscustomobject]@{
        Json      = $converted.GroupJson
        Target    = $InputObject
        Message   = $null
        ErrorId   = $null
        Category  = $null
        Exception = $null
    }
}
