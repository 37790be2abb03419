function ConvertTo-GwbGroupObject {
    <#
    .SYNOPSIS
    Turns the native rules' reports on groups into the module's output objects (GroupWriteback.Group).

    .DESCRIPTION
    The objects are built by the interop assembly, whose output classes are
    named as the format file and scripts know them (GroupWriteback.Group,
    GroupWriteback.WritebackConfiguration, GroupWriteback.Caveat), so tens
    of thousands of groups convert in a fraction of a second. Properties
    beyond the rules' own (-Property) are added as note properties with
    Graph's names.
    #>
    [CmdletBinding()]
    [OutputType('GroupWriteback.Group')]
    param(
        [Parameter(Mandatory)]
        [AllowEmptyCollection()]
        [GroupWriteback.Native.GroupReport[]] $Report
    )

    foreach ($item in $Report) {
        if ($null -eq $item.AdditionalProperties) {
            $item.ToGroup()
            continue
        }
        $group = [psobject]::new($item.ToGroup())
        foreach ($extra in $item.AdditionalProperties.GetEnumerator()) {
            if ($null -eq $group.PSObject.Properties[$extra.Key]) {
                $group.PSObject.Properties.Add([psnoteproperty]::new($extra.Key, $extra.Value))
            }
        }
        $group
    }
}
