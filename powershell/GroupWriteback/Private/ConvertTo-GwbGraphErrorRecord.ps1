function ConvertTo-GwbGraphErrorRecord {
    <#
    .SYNOPSIS
    Turns a failed Graph call (a GwbException) into an ErrorRecord with a category, the target and Graph's code.

    .DESCRIPTION
    The category follows the status (and Graph's HTTP status when known):
    not found is ObjectNotFound, 403 PermissionDenied, 401 or a failed
    sign-in AuthenticationError, 429 LimitsExceeded, a rejected query
    InvalidArgument, network failures and 5xx ConnectionError, anything
    else InvalidResult. The ErrorId is GroupWriteback.<Graph error code>
    (or the status's name when Graph sent none); the message says what
    failed, Graph's code and request id.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [Parameter(Mandatory)]
        [System.Exception] $Exception,

        [Parameter(Mandatory)]
        [string] $Activity,

        [AllowNull()]
        [object] $TargetObject,

        [System.Nullable[System.Management.Automation.ErrorCategory]] $Category
    )

    $inner = Get-GwbInnerException -Exception $Exception
    if ($inner -isnot [GroupWriteback.Native.GwbException]) {
        $message = "$Activity failed: $($inner.Message)"
        $category = if ($null -ne $Category) { $Category } elseif ($inner -is [System.ArgumentException]) { 'InvalidArgument' } else { 'InvalidOperation' }
        $record = [System.Management.Automation.ErrorRecord]::new($inner, 'GroupWriteback.Failed', $category, $TargetObject)
        $record.ErrorDetails = [System.Management.Automation.ErrorDetails]::new($message)
        return $record
    }

    $status = $inner.Status
    $http = $inner.HttpStatus
    $code = $inner.GraphCode
    $category = if ($null -ne $Category) { $Category } else { switch ($status) {
        'NotFound' { 'ObjectNotFound'; break }
        'Forbidden' { 'PermissionDenied'; break }
        'Auth' { 'AuthenticationError'; break }
        'Throttled' { 'LimitsExceeded'; break }
        'Network' { 'ConnectionError'; break }
        'Cancelled' { 'OperationStopped'; break }
        'UntrustedUrl' { 'SecurityError'; break }
        'Refused' { 'InvalidOperation'; break }
        { $_ -in 'InvalidArgument', 'InvalidJson', 'InvalidUtf8', 'NullParameter' } { 'InvalidArgument'; break }
        'Graph' {
            if ($http -eq 400 -or (-not $http -and $code -in 'Request_BadRequest', 'Request_UnsupportedQuery', 'BadRequest')) { 'InvalidArgument' }
            elseif ($http -eq 401) { 'AuthenticationError' }
            elseif ($http -ge 500) { 'ConnectionError' }
            else { 'InvalidResult' }
            break
        }
        default { 'InvalidResult' }
    } }
    $detail = @()
    if ($http) { $detail += "HTTP $http" }
    if ($code) { $detail += "Graph error $code" }
    if ($inner.RequestId) { $detail += "request id $($inner.RequestId)" }
    $suffix = if ($detail.Count -gt 0) { " ($($detail -join ', '))" } else { '' }
    $text = $inner.Message
    if ([string]::IsNullOrWhiteSpace($text)) { $text = $inner.StatusName }
    $message = "$Activity failed: $text$suffix"
    $errorId = if ($code) { "GroupWriteback.$code" } else { "GroupWriteback.$($inner.StatusName)" }
    $record = [System.Management.Automation.ErrorRecord]::new($inner, $errorId, $category, $TargetObject)
    $record.ErrorDetails = [System.Management.Automation.ErrorDetails]::new($message)
    $record.ErrorDetails.RecommendedAction = switch ($category) {
        'AuthenticationError' { 'Sign in again with Connect-GroupWriteback, with a valid credential.' }
        'PermissionDenied' { 'Grant the app Group.ReadWrite.All (to change) or Group.Read.All (to read) with admin consent, then connect again.' }
        'LimitsExceeded' { 'Graph is throttling the app: wait, then run the command again for the groups that failed.' }
        'ObjectNotFound' { 'Check the group id (Get-GroupWriteback -Filter ...).' }
        default { $null }
    }
    $record
}
