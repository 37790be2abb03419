# A PowerShell host for tests that answers ShouldProcess prompts: "Yes" to the
# first $Yes questions, "No" to the rest, and records every question asked.
class TestUI : System.Management.Automation.Host.PSHostUserInterface {
    [int] $Yes = 0
    [System.Collections.Generic.List[string]] $Asked = [System.Collections.Generic.List[string]]::new()
    [System.Management.Automation.Host.PSHostRawUserInterface] get_RawUI() { return $null }
    [string] ReadLine() { return '' }
    [System.Security.SecureString] ReadLineAsSecureString() { return [securestring]::new() }
    [void] Write([string] $value) { }
    [void] Write([System.ConsoleColor] $f, [System.ConsoleColor] $b, [string] $value) { }
    [void] WriteLine([string] $value) { }
    [void] WriteErrorLine([string] $value) { }
    [void] WriteDebugLine([string] $message) { }
    [void] WriteProgress([long] $sourceId, [System.Management.Automation.ProgressRecord] $record) { }
    [void] WriteVerboseLine([string] $message) { }
    [void] WriteWarningLine([string] $message) { }
    [System.Collections.Generic.Dictionary[string, psobject]] Prompt([string] $caption, [string] $message, [System.Collections.ObjectModel.Collection[System.Management.Automation.Host.FieldDescription]] $descriptions) { return $null }
    [System.Management.Automation.PSCredential] PromptForCredential([string] $caption, [string] $message, [string] $userName, [string] $targetName) { return $null }
    [System.Management.Automation.PSCredential] PromptForCredential([string] $caption, [string] $message, [string] $userName, [string] $targetName, [System.Management.Automation.PSCredentialTypes] $allowedCredentialTypes, [System.Management.Automation.PSCredentialUIOptions] $options) { return $null }
    [int] PromptForChoice([string] $caption, [string] $message, [System.Collections.ObjectModel.Collection[System.Management.Automation.Host.ChoiceDescription]] $choices, [int] $defaultChoice) {
        $this.Asked.Add($message)
        # Choices of ShouldProcess: Yes, Yes to All, No, No to All, Suspend.
        if ($this.Yes -gt 0) { $this.Yes--; return 0 }
        return 2
    }
}
class TestHost : System.Management.Automation.Host.PSHost {
    [TestUI] $TheUI = [TestUI]::new()
    [guid] $Id = [guid]::NewGuid()
    [string] get_Name() { return 'TestHost' }
    [version] get_Version() { return [version]'1.0' }
    [guid] get_InstanceId() { return $this.Id }
    [System.Management.Automation.Host.PSHostUserInterface] get_UI() { return $this.TheUI }
    [System.Globalization.CultureInfo] get_CurrentCulture() { return [cultureinfo]::InvariantCulture }
    [System.Globalization.CultureInfo] get_CurrentUICulture() { return [cultureinfo]::InvariantCulture }
    [void] SetShouldExit([int] $exitCode) { }
    [void] EnterNestedPrompt() { }
    [void] ExitNestedPrompt() { }
    [void] NotifyBeginApplication() { }
    [void] NotifyEndApplication() { }
}
$h = [TestHost]::new()
$h.TheUI.Yes = 1
$rs = [runspacefactory]::CreateRunspace($h)
$rs.Open()
$ps = [powershell]::Create(); $ps.Runspace = $rs
