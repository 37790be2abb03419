# Imports the module and connects it to the simulated tenant with a static
# access token. Dot-sourced by the cmdlet contenders.
param(
    [Parameter(Mandatory)] [string] $Endpoint,
    [Parameter(Mandatory)] [string] $Token,
    [Parameter(Mandatory)] [string] $Module,
    [double] $WritesPerSecond = 0,
    [double] $ResourceUnitsPerSecond = 0
)
Import-Module $Module -ErrorAction Stop
$connect = @{
    Endpoint    = $Endpoint
    AccessToken = (ConvertTo-SecureString -String $Token -AsPlainText -Force)
}
$connectParams = (Get-Command Connect-GroupWriteback).Parameters
if ($WritesPerSecond -gt 0 -and $connectParams.ContainsKey('WritesPerSecond')) {
    $connect.WritesPerSecond = $WritesPerSecond
}
if ($ResourceUnitsPerSecond -gt 0 -and $connectParams.ContainsKey('ResourceUnitsPerSecond')) {
    $connect.ResourceUnitsPerSecond = $ResourceUnitsPerSecond
}
Connect-GroupWriteback @connect | Out-Null
