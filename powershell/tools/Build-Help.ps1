<#
.SYNOPSIS
Builds the module's MAML help file (the <Assembly>.dll-Help.xml that Get-Help
reads for binary cmdlets) from one markdown file per command.

.DESCRIPTION
Build-Help.ps1 imports the module in a separate pwsh process (so the build
session loads no assembly and the parameter metadata comes from the real
commands: parameter sets, types, mandatory, position, pipeline input,
aliases, wildcards, ValidateSet and enum values), reads <HelpPath>/<Command>.md
for every command the module exports, checks that the two agree, and writes
one MAML file.

It fails, without writing anything, when:

- an exported command has no markdown file;
- a parameter of a command (other than the common parameters and -WhatIf
  and -Confirm) has no description in the markdown;
- the markdown documents a parameter the command does not have (or a common
  parameter);
- a command has fewer than 2 examples, or an example has no code block;
- a file does not follow the layout below (no SYNOPSIS or DESCRIPTION, an
  unknown section, a title that is not the command's name).

Every problem found is listed in the error message. A markdown file with no
exported command is only a warning.

Markdown layout (one file per command, named <Command>.md):

    # <Command>                      the command's name, first heading
    ## SYNOPSIS                      required: one short paragraph
    ## DESCRIPTION                   required
    ## EXAMPLES                      required: at least 2 examples
    ### Example 1[: title]           any level-3 heading starts an example
    ```powershell                    the first fenced block is the code,
    <code>                           kept verbatim
    ```
    <remarks>                        everything else in the example
    ## PARAMETERS
    ### -<Name>                      one per parameter, then its description
    ## INPUTS                        optional
    ### <Type name>                  one per input type, optional description
    ## OUTPUTS                       optional, as INPUTS
    ## NOTES                         optional
    ## RELATED LINKS                 optional: one link per line or list
                                     item: [text](uri), <uri>, or a command name

Text rules: paragraphs are separated by blank lines and become one MAML
paragraph each; lines of a paragraph are joined with a space (end a line with
a backslash or two spaces to keep the break). A list item (a line starting
with "- ", "* ", "+ " or "1. ") starts a new line in its paragraph; indented
lines continue the item. Inline code spans lose their backticks; no other
markdown is interpreted. Fenced code blocks in the DESCRIPTION, a parameter,
the NOTES or an example's remarks are kept verbatim. Text directly under
INPUTS or OUTPUTS (without a ### heading) is one type per paragraph.

-WhatIf and -Confirm get the standard descriptions unless the markdown
documents them. Parameters are listed in the order of the markdown; the
syntax lists one entry per parameter set, the default set first.

.PARAMETER HelpPath
The folder of the markdown files.

.PARAMETER ModulePath
The module to document: a module folder, a manifest (.psd1), a script module
(.psm1) or an assembly (.dll). It is imported in a new pwsh process.

.PARAMETER OutFile
The MAML file to write; its folder is created if needed. For a binary
cmdlet, Get-Help looks for <Assembly>.dll-Help.xml in the folder of the
module the cmdlet belongs to (its ModuleBase) or in a culture folder below it
(en-US). When the assembly is the RootModule of a manifest, that is the
manifest's folder, not the assembly's: a file in bin/ next to
bin/<Assembly>.dll is then not found. The folder of the assembly is used when
the assembly is imported directly or is one of the manifest's NestedModules.

.EXAMPLE
pwsh -NoProfile -File powershell/tools/Build-Help.ps1 -HelpPath powershell/help -ModulePath powershell/GroupWriteback -OutFile powershell/GroupWriteback/en-US/GroupWriteback.Native.dll-Help.xml

Builds the help of the module's commands, after checking it against them.

.EXAMPLE
./Build-Help.ps1 -HelpPath ./help -ModulePath ./out/Probe.dll -OutFile ./out/Probe.dll-Help.xml -Verbose

Builds the help of an assembly's cmdlets and says which commands it documented.

.OUTPUTS
System.IO.FileInfo of the file written.
#>
[CmdletBinding()]
[OutputType([System.IO.FileInfo])]
param(
    [Parameter(Mandatory)]
    [string] $HelpPath,

    [Parameter(Mandatory)]
    [string] $ModulePath,

    [Parameter(Mandatory)]
    [string] $OutFile
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$HelpPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($HelpPath)
$ModulePath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($ModulePath)
$OutFile = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($OutFile)
if (-not (Test-Path -LiteralPath $HelpPath -PathType Container)) {
    throw "Build-Help: the help folder '$HelpPath' does not exist."
}
if (-not (Test-Path -LiteralPath $ModulePath)) {
    throw "Build-Help: the module '$ModulePath' does not exist."
}

# ---------------------------------------------------------------------------
# 1. The commands, as the module defines them (in a new process).
# ---------------------------------------------------------------------------

$readCommands = {
    param([string] $ModulePath)
    Set-StrictMode -Version 3.0
    $ErrorActionPreference = 'Stop'

    function Get-TypeName([type] $Type, [bool] $Full) {
        if ($Type.IsArray) {
            return (Get-TypeName $Type.GetElementType() $Full) + '[' + (',' * ($Type.GetArrayRank() - 1)) + ']'
        }
        if ($Type.IsGenericType -and -not $Type.IsGenericTypeDefinition) {
            $definition = if ($Full) { $Type.GetGenericTypeDefinition().FullName } else { $Type.Name }
            $arguments = @($Type.GetGenericArguments() | ForEach-Object { Get-TypeName $_ $Full })
            return ($definition -replace '`\d+$', '') + '[' + ($arguments -join ', ') + ']'
        }
        if ($Full -and $Type.FullName) { return $Type.FullName }
        return $Type.Name
    }

    $common = @([System.Management.Automation.PSCmdlet]::CommonParameters) + @('UseTransaction')
    $shouldProcess = @('WhatIf', 'Confirm')
    # -PassThru also returns the scripts of ScriptsToProcess, as modules:
    # the module is the one named like the path (else all of them).
    $imported = @(Import-Module -Name $ModulePath -PassThru -Force -DisableNameChecking)
    $name = [System.IO.Path]::GetFileNameWithoutExtension($ModulePath.TrimEnd('/', '\'))
    $modules = @($imported | Where-Object Name -EQ $name)
    if ($modules.Count -eq 0) { $modules = $imported }
    $exported = @($modules | ForEach-Object { $_.ExportedCommands.Values } | Where-Object { $_.CommandType -in 'Cmdlet', 'Function' } | Sort-Object -Property Name -Unique)
    $commands = foreach ($command in $exported) {
        $parameters = foreach ($parameter in $command.Parameters.Values) {
            if ($parameter.Name -in $common) { continue }
            $type = $parameter.ParameterType
            $plain = if ($type.IsGenericType -and $type.GetGenericTypeDefinition() -eq [System.Nullable`1]) { $type.GetGenericArguments()[0] } else { $type }
            $element = if ($plain.IsArray) { $plain.GetElementType() } else { $plain }
            $values = @(foreach ($attribute in $parameter.Attributes) {
                    if ($attribute -is [System.Management.Automation.ValidateSetAttribute]) { $attribute.ValidValues }
                })
            if ($values.Count -eq 0 -and $element.IsEnum) {
                $values = @([System.Enum]::GetNames($element))
            }
            [ordered]@{
                Name          = $parameter.Name
                Type          = Get-TypeName $type $true
                ValueName     = Get-TypeName $plain $false
                IsSwitch      = $type -eq [System.Management.Automation.SwitchParameter]
                Aliases       = @($parameter.Aliases)
                Globbing      = @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0
                ValidValues   = @($values | ForEach-Object { "$_" })
                ShouldProcess = $parameter.Name -in $shouldProcess
            }
        }
        $sets = foreach ($set in $command.ParameterSets) {
            [ordered]@{
                Name       = $set.Name
                IsDefault  = $set.IsDefault
                Parameters = @(foreach ($parameter in $set.Parameters) {
                        if ($parameter.Name -in $common) { continue }
                        [ordered]@{
                            Name                            = $parameter.Name
                            Mandatory                       = $parameter.IsMandatory
                            Position                        = if ($parameter.Position -eq [int]::MinValue) { $null } else { $parameter.Position }
                            ValueFromPipeline               = $parameter.ValueFromPipeline
                            ValueFromPipelineByPropertyName = $parameter.ValueFromPipelineByPropertyName
                            ValueFromRemainingArguments     = $parameter.ValueFromRemainingArguments
                        }
                    })
            }
        }
        [ordered]@{
            Name          = $command.Name
            CommandType   = "$($command.CommandType)"
            Verb          = $command.Verb
            Noun          = $command.Noun
            Parameters    = @($parameters)
            ParameterSets = @($sets)
        }
    }
    ConvertTo-Json -InputObject ([ordered]@{ Module = @($modules.Name) -join ', '; Commands = @($commands) }) -Depth 8 -Compress
}

# The same PowerShell as this one when it can be found, else pwsh on the path.
$pwsh = @(
    foreach ($name in 'pwsh.exe', 'pwsh') {
        $candidate = Join-Path -Path $PSHOME -ChildPath $name
        if (Test-Path -LiteralPath $candidate -PathType Leaf) { $candidate }
    }
    Get-Command -Name pwsh -CommandType Application -ErrorAction Ignore | ForEach-Object Source
)[0]
if (-not $pwsh) {
    throw 'Build-Help: pwsh was not found (neither in $PSHOME nor on the PATH).'
}
$output = & {
    $ErrorActionPreference = 'Continue'
    & $pwsh -NoProfile -NonInteractive -Command $readCommands -args $ModulePath 2>&1
}
$childErrors = @($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
$json = @($output | Where-Object { $_ -is [string] -and $_.StartsWith('{') })
if ($LASTEXITCODE -ne 0 -or $json.Count -eq 0) {
    $reason = if ($childErrors) { ($childErrors | ForEach-Object { "$_" }) -join ' ' } else { "exit code $LASTEXITCODE" }
    throw "Build-Help: importing the module '$ModulePath' in a new pwsh process failed: $reason"
}
$metadata = ConvertFrom-Json -InputObject $json[-1]
$commands = @($metadata.Commands)
if ($commands.Count -eq 0) {
    throw "Build-Help: the module '$ModulePath' ($($metadata.Module)) exports no cmdlet or function."
}
Write-Verbose "Module $($metadata.Module): $($commands.Count) command(s): $(($commands.Name) -join ', ')."

# ---------------------------------------------------------------------------
# 2. The markdown.
# ---------------------------------------------------------------------------

# Splits lines into blocks: @{ Kind = 'text' | 'code'; Text; Lines }.
function ConvertTo-HelpBlock([string[]] $Lines) {
    $blocks = [System.Collections.Generic.List[object]]::new()
    $paragraph = [System.Collections.Generic.List[string]]::new()
    $flush = {
        if ($paragraph.Count -gt 0) {
            $blocks.Add([pscustomobject]@{ Kind = 'text'; Text = (Join-HelpParagraph $paragraph.ToArray()); Lines = $paragraph.ToArray() })
            $paragraph.Clear()
        }
    }
    $i = 0
    while ($i -lt $Lines.Count) {
        $line = $Lines[$i]
        if ($line -match '^(\s{0,3})(`{3,}|~{3,})\s*([^`\s]*)') {
            . $flush
            $fence = $Matches[2]
            $indent = $Matches[1].Length
            $language = $Matches[3]
            $code = [System.Collections.Generic.List[string]]::new()
            $i++
            while ($i -lt $Lines.Count -and $Lines[$i] -notmatch ('^\s{0,3}' + [regex]::Escape($fence.Substring(0, 1)) + '{' + $fence.Length + ',}\s*$')) {
                $codeLine = $Lines[$i]
                if ($indent -gt 0) { $codeLine = $codeLine -replace ('^ {0,' + $indent + '}'), '' }
                $code.Add($codeLine)
                $i++
            }
            if ($i -ge $Lines.Count) { throw "a code block (``````) is not closed" }
            $blocks.Add([pscustomobject]@{ Kind = 'code'; Text = ($code -join "`n"); Lines = $code.ToArray(); Language = $language })
        }
        elseif ($line.Trim().Length -eq 0) {
            . $flush
        }
        else {
            $paragraph.Add($line)
        }
        $i++
    }
    . $flush
    return , $blocks.ToArray()
}

# Joins the lines of a paragraph: soft breaks become spaces, list items and
# hard breaks (a trailing backslash or two spaces) start a new line.
function Join-HelpParagraph([string[]] $Lines) {
    $text = [System.Text.StringBuilder]::new()
    $breakNext = $false
    foreach ($line in $Lines) {
        $hard = $line -match '(\\|  )$'
        $content = $line.Trim() -replace '\\$', ''
        $content = $content.TrimEnd()
        $isItem = $content -match '^([-*+]|\d{1,9}[.)])\s'
        if ($text.Length -gt 0) {
            $null = $text.Append($(if ($breakNext -or $isItem) { "`n" } else { ' ' }))
        }
        $null = $text.Append($content)
        $breakNext = $hard
    }
    # Inline code spans: the text without its backticks.
    return [regex]::Replace($text.ToString(), '(`+)(.+?)\1', { param($m) $m.Groups[2].Value.Trim() })
}

function Get-HelpParagraph($Blocks) {
    return @($Blocks | ForEach-Object { $_.Text } | Where-Object { $_.Trim().Length -gt 0 })
}

# Reads one file into @{ Name; Synopsis; Description; Examples; Parameters;
# Inputs; Outputs; Notes; Links }; layout problems go to $Problems.
function Read-HelpMarkdown([string] $Path, [string] $Command, [System.Collections.Generic.List[string]] $Problems) {
    $file = Split-Path -Path $Path -Leaf
    $lines = [System.IO.File]::ReadAllLines($Path, [System.Text.Encoding]::UTF8)
    $help = [ordered]@{
        Name = $null; Synopsis = $null; Description = @(); Examples = [System.Collections.Generic.List[object]]::new()
        Parameters = [System.Collections.Generic.List[object]]::new(); Inputs = @(); Outputs = @(); Notes = @(); Links = @()
    }

    # Headings outside code blocks, with the lines under each.
    $sections = [System.Collections.Generic.List[object]]::new()
    $current = [pscustomobject]@{ Level = 0; Title = ''; Line = 0; Lines = [System.Collections.Generic.List[string]]::new() }
    $sections.Add($current)
    $fence = $null
    for ($n = 0; $n -lt $lines.Count; $n++) {
        $line = $lines[$n]
        if ($null -ne $fence) {
            if ($line -match ('^\s{0,3}' + [regex]::Escape($fence.Substring(0, 1)) + '{' + $fence.Length + ',}\s*$')) { $fence = $null }
        }
        elseif ($line -match '^\s{0,3}(`{3,}|~{3,})') {
            $fence = $Matches[1]
        }
        elseif ($line -match '^(#{1,6})\s+(.*?)\s*#*\s*$') {
            $current = [pscustomobject]@{ Level = $Matches[1].Length; Title = $Matches[2]; Line = $n + 1; Lines = [System.Collections.Generic.List[string]]::new() }
            $sections.Add($current)
            continue
        }
        $current.Lines.Add($line)
    }
    if ($null -ne $fence) {
        $Problems.Add("${file}: a code block is not closed.")
        return $null
    }

    if (@($sections[0].Lines | Where-Object { $_.Trim() }).Count -gt 0 -or $sections.Count -lt 2 -or $sections[1].Level -ne 1) {
        $Problems.Add("${file}: the file must start with the heading '# $Command'.")
        return $null
    }
    $help.Name = $sections[1].Title
    if ($help.Name -cne $Command) {
        $Problems.Add("${file}: the title is '$($help.Name)', not the command's name '$Command'.")
    }

    $h2 = $null
    $h3 = $null
    $seen = @{}
    foreach ($section in $sections | Select-Object -Skip 2) {
        $where = "${file}:$($section.Line)"
        try {
            $blocks = ConvertTo-HelpBlock $section.Lines.ToArray()
        }
        catch {
            $Problems.Add("${where}: $_.")
            continue
        }
        if ($section.Level -eq 1) {
            $Problems.Add("${where}: a second level-1 heading ('$($section.Title)').")
            continue
        }
        if ($section.Level -eq 2) {
            $h2 = $section.Title.Trim().ToUpperInvariant()
            $h3 = $null
            if ($h2 -notin 'SYNOPSIS', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS') {
                $Problems.Add("${where}: unknown section '## $($section.Title)' (SYNOPSIS, DESCRIPTION, EXAMPLES, PARAMETERS, INPUTS, OUTPUTS, NOTES, RELATED LINKS).")
                $h2 = '?'
                continue
            }
            if ($seen.ContainsKey($h2)) {
                $Problems.Add("${where}: the section '## $($section.Title)' appears twice.")
            }
            $seen[$h2] = $true
            switch ($h2) {
                'SYNOPSIS' { $help.Synopsis = (Get-HelpParagraph $blocks) -join ' ' }
                'DESCRIPTION' { $help.Description = Get-HelpParagraph $blocks }
                'NOTES' { $help.Notes = Get-HelpParagraph $blocks }
                { $_ -in 'INPUTS', 'OUTPUTS' } {
                    $types = @(Get-HelpParagraph $blocks | ForEach-Object { [pscustomobject]@{ Name = $_; Description = @() } })
                    if ($h2 -eq 'INPUTS') { $help.Inputs = $types } else { $help.Outputs = $types }
                }
                'RELATED LINKS' {
                    # One link per line (lines are not joined here).
                    $help.Links = @(foreach ($line in @($blocks | Where-Object Kind -EQ 'text' | ForEach-Object { $_.Lines })) {
                            $entry = ($line -replace '^\s*([-*+]|\d{1,9}[.)])\s+', '').Trim() -replace '(`+)(.+?)\1', '$2'
                            if (-not $entry) { continue }
                            if ($entry -match '^\[(?<text>[^\]]*)\]\((?<uri>[^)\s]*)\)$') {
                                [pscustomobject]@{ Text = $(if ($Matches.text) { $Matches.text } else { $Matches.uri }); Uri = $Matches.uri }
                            }
                            elseif ($entry -match '^<(?<uri>\w+:[^>]+)>$' -or $entry -match '^(?<uri>https?://\S+)$') {
                                [pscustomobject]@{ Text = $Matches.uri; Uri = $Matches.uri }
                            }
                            else {
                                [pscustomobject]@{ Text = $entry; Uri = '' }
                            }
                        })
                }
                default {
                    if (Get-HelpParagraph $blocks) {
                        $Problems.Add("${where}: text directly under '## $($section.Title)' belongs under a ### heading.")
                    }
                }
            }
            continue
        }
        # Level 3 and below belong to the level-2 section they are in.
        if ($section.Level -gt 3) {
            $Problems.Add("${where}: headings deeper than ### are not used ('$($section.Title)').")
            continue
        }
        $title = $section.Title.Trim()
        switch ($h2) {
            'EXAMPLES' {
                $code = @($blocks | Where-Object Kind -EQ 'code')
                if ($code.Count -eq 0) {
                    $Problems.Add("${where}: the example '$title' has no code block.")
                    continue
                }
                $remarks = @($blocks | Where-Object { $_ -ne $code[0] })
                $help.Examples.Add([pscustomobject]@{ Title = $title; Code = $code[0].Text; Remarks = @(Get-HelpParagraph $remarks) })
            }
            'PARAMETERS' {
                if ($title -notmatch '^-?(?<name>[A-Za-z_][\w]*)$') {
                    $Problems.Add("${where}: '### $title' is not a parameter heading ('### -Name').")
                    continue
                }
                $help.Parameters.Add([pscustomobject]@{ Name = $Matches.name; Description = @(Get-HelpParagraph $blocks); Where = $where })
            }
            { $_ -in 'INPUTS', 'OUTPUTS' } {
                $type = [pscustomobject]@{ Name = $title; Description = @(Get-HelpParagraph $blocks) }
                if ($h2 -eq 'INPUTS') { $help.Inputs = @($help.Inputs) + $type } else { $help.Outputs = @($help.Outputs) + $type }
            }
            default {
                $Problems.Add("${where}: '### $title' is not expected under '## $h2'.")
            }
        }
    }

    if (-not $help.Synopsis) { $Problems.Add("${file}: no '## SYNOPSIS' text.") }
    if (@($help.Description).Count -eq 0) { $Problems.Add("${file}: no '## DESCRIPTION' text.") }
    return [pscustomobject]$help
}

$shouldProcessHelp = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}

$problems = [System.Collections.Generic.List[string]]::new()
$documented = [System.Collections.Generic.List[object]]::new()
$commonNames = @([System.Management.Automation.PSCmdlet]::CommonParameters) + @('UseTransaction')
foreach ($command in $commands) {
    $path = Join-Path -Path $HelpPath -ChildPath "$($command.Name).md"
    if (-not (Test-Path -LiteralPath $path -PathType Leaf)) {
        $problems.Add("$($command.Name): no help file ($path).")
        continue
    }
    $help = Read-HelpMarkdown -Path $path -Command $command.Name -Problems $problems
    if ($null -eq $help) { continue }
    $file = Split-Path -Path $path -Leaf

    if ($help.Examples.Count -lt 2) {
        $problems.Add("${file}: $($help.Examples.Count) example(s); at least 2 are needed.")
    }

    # Parameters: the markdown and the command must name the same ones.
    $actual = @{}
    foreach ($parameter in @($command.Parameters)) { $actual[$parameter.Name] = $parameter }
    $described = @{}
    foreach ($entry in $help.Parameters) {
        $parameter = $actual[$entry.Name]
        if ($entry.Name -in $commonNames) {
            $problems.Add("$($entry.Where): -$($entry.Name) is a common parameter; about_CommonParameters describes it.")
            continue
        }
        if ($null -eq $parameter) {
            $problems.Add("$($entry.Where): -$($entry.Name) is documented but $($command.Name) has no such parameter.")
            continue
        }
        if ($described.ContainsKey($parameter.Name)) {
            $problems.Add("$($entry.Where): -$($parameter.Name) is documented twice.")
            continue
        }
        if ($parameter.Name -cne $entry.Name) {
            $problems.Add("$($entry.Where): -$($entry.Name) is spelled -$($parameter.Name) by the command.")
        }
        if (@($entry.Description).Count -eq 0) {
            $problems.Add("$($entry.Where): -$($parameter.Name) has no description.")
            continue
        }
        $described[$parameter.Name] = $entry.Description
    }
    foreach ($parameter in @($command.Parameters)) {
        if (-not $described.ContainsKey($parameter.Name) -and -not $parameter.ShouldProcess -and
            -not @($help.Parameters | Where-Object Name -EQ $parameter.Name)) {
            $problems.Add("${file}: -$($parameter.Name) of $($command.Name) has no description (add '### -$($parameter.Name)' under '## PARAMETERS').")
        }
    }
    $order = [System.Collections.Generic.List[string]]::new()
    foreach ($entry in $help.Parameters) {
        $name = @($actual.Keys | Where-Object { $_ -eq $entry.Name })
        if ($name.Count -eq 1 -and $described.ContainsKey($name[0]) -and -not $order.Contains($name[0])) { $order.Add($name[0]) }
    }
    foreach ($parameter in @($command.Parameters)) {
        if ($parameter.ShouldProcess -and -not $described.ContainsKey($parameter.Name)) {
            $described[$parameter.Name] = @($shouldProcessHelp[$parameter.Name])
            $order.Add($parameter.Name)
        }
    }
    $documented.Add([pscustomobject]@{ Command = $command; Help = $help; Descriptions = $described; Order = $order.ToArray() })
}
foreach ($orphan in @(Get-ChildItem -LiteralPath $HelpPath -Filter '*.md' -File)) {
    if ($orphan.BaseName -notin @($commands.Name)) {
        Write-Warning "Build-Help: $($orphan.Name) documents no command of the module; it is not used."
    }
}
if ($problems.Count -gt 0) {
    $Host.UI.WriteErrorLine("Build-Help: the help in '$HelpPath' does not match the module '$ModulePath':")
    foreach ($problem in $problems) {
        $Host.UI.WriteErrorLine("  - $problem")
    }
    $exception = [System.InvalidOperationException]::new("Build-Help: $($problems.Count) problem(s) in the help, listed above (and in the error's TargetObject); '$OutFile' was not written.")
    $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new(
            $exception, 'BuildHelp.HelpDoesNotMatchModule', [System.Management.Automation.ErrorCategory]::InvalidData, $problems.ToArray()))
}

# ---------------------------------------------------------------------------
# 3. The MAML file.
# ---------------------------------------------------------------------------

$ns = @{
    msh     = 'http://msh'
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
    MSHelp  = 'http://msdn.microsoft.com/mshelp'
}

function Write-Element([System.Xml.XmlWriter] $Writer, [string] $Prefix, [string] $Name, [string] $Text) {
    $Writer.WriteStartElement($Prefix, $Name, $ns[$Prefix])
    if ($null -ne $Text) { $Writer.WriteString($Text) }
    $Writer.WriteEndElement()
}

function Write-Description([System.Xml.XmlWriter] $Writer, [string[]] $Paragraphs, [string] $Prefix = 'maml', [string] $Name = 'description') {
    $Writer.WriteStartElement($Prefix, $Name, $ns[$Prefix])
    foreach ($paragraph in @($Paragraphs)) {
        Write-Element $Writer 'maml' 'para' $paragraph
    }
    $Writer.WriteEndElement()
}

# One command:parameter; $Set is the parameter's entry in a parameter set, or
# $null in command:parameters (where its attributes sum up all its sets).
function Write-Parameter([System.Xml.XmlWriter] $Writer, $Command, $Parameter, $Set, [string[]] $Description) {
    $entries = @(foreach ($parameterSet in $Command.ParameterSets) {
            $parameterSet.Parameters | Where-Object Name -EQ $Parameter.Name
        })
    if ($null -ne $Set) { $entries = @($Set) }
    $required = @($entries | Where-Object Mandatory).Count -eq $entries.Count -and $entries.Count -gt 0
    $positions = @($entries | Where-Object { $null -ne $_.Position } | ForEach-Object Position | Select-Object -Unique)
    $pipeline = @(
        if (@($entries | Where-Object ValueFromPipeline).Count) { 'ByValue' }
        if (@($entries | Where-Object ValueFromPipelineByPropertyName).Count) { 'ByPropertyName' }
    )
    $Writer.WriteStartElement('command', 'parameter', $ns.command)
    $Writer.WriteAttributeString('required', $(if ($required) { 'true' } else { 'false' }))
    $Writer.WriteAttributeString('variableLength', $(if (@($entries | Where-Object ValueFromRemainingArguments).Count) { 'true' } else { 'false' }))
    $Writer.WriteAttributeString('globbing', $(if ($Parameter.Globbing) { 'true' } else { 'false' }))
    $Writer.WriteAttributeString('pipelineInput', $(if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }))
    $Writer.WriteAttributeString('position', $(if ($positions.Count -ge 1) { "$($positions[0])" } else { 'named' }))
    $Writer.WriteAttributeString('aliases', $(if (@($Parameter.Aliases).Count) { @($Parameter.Aliases) -join ', ' } else { 'none' }))
    Write-Element $Writer 'maml' 'name' $Parameter.Name
    Write-Description $Writer $Description
    if (@($Parameter.ValidValues).Count -gt 0 -and $null -ne $Set) {
        $Writer.WriteStartElement('command', 'parameterValueGroup', $ns.command)
        foreach ($value in $Parameter.ValidValues) {
            $Writer.WriteStartElement('command', 'parameterValue', $ns.command)
            $Writer.WriteAttributeString('required', 'false')
            $Writer.WriteAttributeString('variableLength', 'false')
            $Writer.WriteString($value)
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }
    elseif (-not $Parameter.IsSwitch -or $null -eq $Set) {
        $Writer.WriteStartElement('command', 'parameterValue', $ns.command)
        $Writer.WriteAttributeString('required', $(if ($Parameter.IsSwitch) { 'false' } else { 'true' }))
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString($Parameter.ValueName)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $ns.dev)
    Write-Element $Writer 'maml' 'name' $Parameter.Type
    $Writer.WriteEndElement()
    $Writer.WriteEndElement()
}

$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.IndentChars = '  '
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$settings.NewLineChars = "`n"
$settings.NewLineHandling = [System.Xml.NewLineHandling]::Entitize
$directory = Split-Path -Path $OutFile -Parent
if ($directory -and -not (Test-Path -LiteralPath $directory -PathType Container)) {
    $null = New-Item -ItemType Directory -Path $directory -Force
}
$temporary = "$OutFile.tmp"
$writer = [System.Xml.XmlWriter]::Create($temporary, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', $ns.msh)
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($item in $documented) {
        $command = $item.Command
        $help = $item.Help
        $parametersByName = @{}
        foreach ($parameter in @($command.Parameters)) { $parametersByName[$parameter.Name] = $parameter }

        $writer.WriteStartElement('command', 'command', $ns.command)
        foreach ($prefix in 'maml', 'command', 'dev', 'MSHelp') {
            $writer.WriteAttributeString('xmlns', $prefix, $null, $ns[$prefix])
        }
        $writer.WriteStartElement('command', 'details', $ns.command)
        Write-Element $writer 'command' 'name' $command.Name
        Write-Element $writer 'command' 'verb' $command.Verb
        Write-Element $writer 'command' 'noun' $command.Noun
        Write-Description $writer @($help.Synopsis)
        $writer.WriteEndElement()
        Write-Description $writer $help.Description

        # Syntax: one item per parameter set, the default first; positional
        # parameters by position, then mandatory ones, then the others.
        $writer.WriteStartElement('command', 'syntax', $ns.command)
        $sets = @($command.ParameterSets | Sort-Object -Property { -not $_.IsDefault } -Stable)
        foreach ($set in $sets) {
            $writer.WriteStartElement('command', 'syntaxItem', $ns.command)
            Write-Element $writer 'maml' 'name' $command.Name
            $entries = @($set.Parameters)
            $ordered = @(
                $entries | Where-Object { $null -ne $_.Position } | Sort-Object -Property Position -Stable
                $entries | Where-Object { $null -eq $_.Position -and $_.Mandatory }
                $entries | Where-Object { $null -eq $_.Position -and -not $_.Mandatory -and -not $parametersByName[$_.Name].ShouldProcess }
                $entries | Where-Object { $null -eq $_.Position -and -not $_.Mandatory -and $parametersByName[$_.Name].ShouldProcess }
            )
            foreach ($entry in $ordered) {
                Write-Parameter $writer $command $parametersByName[$entry.Name] $entry $item.Descriptions[$entry.Name]
            }
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()

        $writer.WriteStartElement('command', 'parameters', $ns.command)
        foreach ($name in $item.Order) {
            Write-Parameter $writer $command $parametersByName[$name] $null $item.Descriptions[$name]
        }
        $writer.WriteEndElement()

        foreach ($kind in @(@('inputTypes', 'inputType', $help.Inputs), @('returnValues', 'returnValue', $help.Outputs))) {
            $writer.WriteStartElement('command', $kind[0], $ns.command)
            foreach ($type in @($kind[2])) {
                $writer.WriteStartElement('command', $kind[1], $ns.command)
                $writer.WriteStartElement('dev', 'type', $ns.dev)
                Write-Element $writer 'maml' 'name' $type.Name
                $writer.WriteEndElement()
                Write-Description $writer $type.Description
                $writer.WriteEndElement()
            }
            $writer.WriteEndElement()
        }

        $writer.WriteStartElement('maml', 'alertSet', $ns.maml)
        if (@($help.Notes).Count -gt 0) {
            Write-Description $writer $help.Notes 'maml' 'alert'
        }
        $writer.WriteEndElement()

        $writer.WriteStartElement('command', 'examples', $ns.command)
        foreach ($example in $help.Examples) {
            $writer.WriteStartElement('command', 'example', $ns.command)
            Write-Element $writer 'maml' 'title' "-------------------------- $($example.Title) --------------------------"
            Write-Element $writer 'dev' 'code' $example.Code
            # An empty last paragraph: Get-Help then leaves a blank line
            # before the next example.
            Write-Description $writer (@($example.Remarks) + '') 'dev' 'remarks'
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()

        $writer.WriteStartElement('maml', 'relatedLinks', $ns.maml)
        foreach ($link in @($help.Links)) {
            $writer.WriteStartElement('maml', 'navigationLink', $ns.maml)
            Write-Element $writer 'maml' 'linkText' $link.Text
            Write-Element $writer 'maml' 'uri' $link.Uri
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()

        $writer.WriteEndElement()
        Write-Verbose "Documented $($command.Name) ($($command.CommandType)): $(@($command.ParameterSets).Count) parameter set(s), $($item.Order.Count) parameter(s), $($help.Examples.Count) example(s)."
    }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally {
    $writer.Dispose()
}

# The file must read back as XML before it replaces the previous one.
$check = [System.Xml.XmlDocument]::new()
$check.Load($temporary)
Move-Item -LiteralPath $temporary -Destination $OutFile -Force
Get-Item -LiteralPath $OutFile
