// PwshHost: a minimal console host for PowerShell 7 (Microsoft.PowerShell.SDK)
// that runs one script in a runspace, for Windows builds tested under wine,
// where pwsh.exe's own console entry point exits without running anything.
//
//   PwshHost.exe [-NoProfile] [-NonInteractive] [-ExecutionPolicy P] -File script.ps1 [args...]
//   PwshHost.exe [-NoProfile] [-NonInteractive] -Command "text" [more text...]
//
// Output, warnings, verbose, debug and information (Write-Host) go to stdout,
// errors to stderr, as pwsh does, in UTF-8 with LF line ends. Exit code:
//   -File     the script's `exit N` ($LASTEXITCODE after the script), else 1
//             when it could not start or failed ($? false), else 0;
//   -Command  a top-level `exit N`, else 0 when the last statement succeeded
//             ($?), 1 when it failed (pwsh's rule for -Command:
//             https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_pwsh);
//   both      1 on a terminating error, 64 on bad arguments (as pwsh).
// PSHOME is this program's folder; `make pwsh-windows` copies the SDK's
// built-in modules to its Modules subfolder.
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Security;
using System.Text;
using System.Text.RegularExpressions;

namespace PwshHost;

internal static class Program
{
    private const int ExitBadArguments = 64;

    private static int Main(string[] args)
    {
        try
        {
            // Also how PowerShell decodes the output of the programs it runs.
            Console.OutputEncoding = new UTF8Encoding(false);
        }
        catch (IOException)
        {
            // No console to set (output redirected under some hosts): keep the default.
        }
        // UTF-8 with Unix line ends: under wine the output goes to Linux
        // logs and to parsers of lines such as "N passed, M failed".
        Console.SetOut(new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" });
        Console.SetError(new StreamWriter(Console.OpenStandardError(), new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" });

        string? file = null;
        string? command = null;
        var fileArgs = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string name = a.StartsWith('-') || a.StartsWith('/') ? a.TrimStart('-', '/').ToLowerInvariant() : string.Empty;
            switch (name)
            {
                case "noprofile":
                case "nop":
                case "noninteractive":
                case "noni":
                case "nologo":
                    continue;
                case "executionpolicy":
                case "ep":
                    i++; // The runspace bypasses the policy anyway (see below).
                    continue;
                case "file":
                case "f":
                    if (i + 1 >= args.Length)
                    {
                        return Usage("-File needs a script path");
                    }
                    file = args[i + 1];
                    fileArgs.AddRange(args.Skip(i + 2));
                    i = args.Length;
                    continue;
                case "command":
                case "c":
                    if (i + 1 >= args.Length)
                    {
                        return Usage("-Command needs a command");
                    }
                    command = string.Join(' ', args.Skip(i + 1));
                    i = args.Length;
                    continue;
                default:
                    if (name.Length > 0)
                    {
                        return Usage($"unknown option '{a}'");
                    }
                    // pwsh's first positional argument is a script file.
                    file = a;
                    fileArgs.AddRange(args.Skip(i + 1));
                    i = args.Length;
                    continue;
            }
        }
        if (file is null && command is null)
        {
            return Usage("nothing to run");
        }

        var host = new ConsoleHost();
        var iss = InitialSessionState.CreateDefault2();
        // Scripts on Z: (the Linux file system under wine) are not signed.
        iss.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
        using Runspace runspace = RunspaceFactory.CreateRunspace(host, iss);
        runspace.Open();
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = runspace;
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            ps.BeginStop(null, null);
        };

        string script;
        if (file is not null)
        {
            string path = Path.GetFullPath(file);
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"The argument '{file}' is not recognized as the name of a script file.");
                return ExitBadArguments;
            }
            var text = new StringBuilder("$global:LASTEXITCODE = 0; & ").Append(Quote(path));
            foreach (string a in fileArgs)
            {
                text.Append(' ').Append(IsParameterName(a) ? a : Quote(a));
            }
            // As pwsh -File: a script that cannot start (its parameters do
            // not bind) or ends in a terminating error exits 1.
            script = text.Append("\n$global:__PwshHostSucceeded = $?").ToString();
        }
        else
        {
            // Then record $? for the exit code (on a new line, in case the
            // command ends in a comment); a command that does not parse runs
            // as it is, to report its own parse error.
            string text = command ?? string.Empty;
            System.Management.Automation.Language.Parser.ParseInput(text, out _, out var parseErrors);
            script = parseErrors.Length > 0 ? text : text + "\n$global:__PwshHostSucceeded = $?";
        }
        ps.AddScript(script);
        ps.Commands.Commands[0].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
        ps.AddCommand("Out-Default");

        try
        {
            ps.Invoke();
        }
        catch (RuntimeException e)
        {
            if (host.ExitCode is int code)
            {
                return code;
            }
            WriteTerminatingError(runspace, e);
            return 1;
        }
        if (host.ExitCode is int exitCode)
        {
            return exitCode;
        }
        if (file is not null)
        {
            if (runspace.SessionStateProxy.GetVariable("LASTEXITCODE") is int last && last != 0)
            {
                return last;
            }
        }
        return runspace.SessionStateProxy.GetVariable("__PwshHostSucceeded") is false ? 1 : 0;
    }

    private static int Usage(string problem)
    {
        Console.Error.WriteLine($"PwshHost: {problem}");
        Console.Error.WriteLine("usage: PwshHost.exe [-NoProfile] [-NonInteractive] -File script.ps1 [args...] | -Command \"text\"");
        return ExitBadArguments;
    }

    private static string Quote(string s) => "'" + s.Replace("'", "''") + "'";

    // pwsh -File binds "-Name" arguments as parameter names, everything else as values.
    private static bool IsParameterName(string s) => Regex.IsMatch(s, @"^-[A-Za-z_][A-Za-z0-9_-]*:?$");

    private static void WriteTerminatingError(Runspace runspace, RuntimeException e)
    {
        string text;
        try
        {
            using PowerShell format = PowerShell.Create();
            format.Runspace = runspace;
            format.AddCommand("Out-String").AddParameter("InputObject", e.ErrorRecord);
            text = string.Concat(format.Invoke().Select(o => o.ToString()));
        }
        catch (RuntimeException)
        {
            text = e.ErrorRecord.ToString() + Environment.NewLine + e.ErrorRecord.InvocationInfo?.PositionMessage;
        }
        Console.Error.WriteLine(text.TrimEnd().Replace("\r\n", "\n"));
    }
}

internal sealed class ConsoleHost : PSHost
{
    private readonly Guid _id = Guid.NewGuid();
    private readonly ConsoleUI _ui = new();

    public int? ExitCode { get; private set; }

    public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;
    public override Guid InstanceId => _id;
    public override string Name => "PwshHost";
    public override PSHostUserInterface UI => _ui;
    public override Version Version => typeof(PSObject).Assembly.GetName().Version ?? new Version(7, 0);

    public override void EnterNestedPrompt() => throw new NotSupportedException("PwshHost has no nested prompt.");
    public override void ExitNestedPrompt() => throw new NotSupportedException("PwshHost has no nested prompt.");
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
    public override void SetShouldExit(int exitCode) => ExitCode = exitCode;
}

internal sealed class ConsoleUI : PSHostUserInterface
{
    private readonly ConsoleRawUI _raw = new();

    public override PSHostRawUserInterface RawUI => _raw;

    public override string ReadLine() => Console.In.ReadLine() ?? string.Empty;
    public override SecureString ReadLineAsSecureString() => throw NonInteractive();
    public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw NonInteractive();
    public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) => throw NonInteractive();
    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw NonInteractive();
    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
        PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw NonInteractive();

    public override void Write(string value) => Console.Out.Write(Lf(value));
    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Console.Out.Write(Lf(value));
    public override void WriteLine(string value) => Console.Out.WriteLine(Lf(value));
    public override void WriteErrorLine(string value) => Console.Error.WriteLine(Lf(value));
    public override void WriteDebugLine(string message) => Console.Out.WriteLine("DEBUG: " + Lf(message));
    public override void WriteVerboseLine(string message) => Console.Out.WriteLine("VERBOSE: " + Lf(message));
    public override void WriteWarningLine(string message) => Console.Out.WriteLine("WARNING: " + Lf(message));
    public override void WriteProgress(long sourceId, ProgressRecord record) { }

    // This host writes no colours: ANSI escapes ($PSStyle) are taken out as
    // pwsh does for a terminal without them; formatted output carries Windows
    // line ends inside its text.
    private string Lf(string? value) =>
        value is null ? string.Empty : GetOutputString(value, SupportsVirtualTerminal).Replace("\r\n", "\n");

    private static PSInvalidOperationException NonInteractive() =>
        new("PwshHost is non-interactive: it cannot prompt.");
}

internal sealed class ConsoleRawUI : PSHostRawUserInterface
{
    // Formatting width when the output is not a console (it rarely is under wine).
    private Size _size = new(120, 50);

    public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
    public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
    public override Size BufferSize { get => _size; set => _size = value; }
    public override Coordinates CursorPosition { get; set; }
    public override int CursorSize { get; set; } = 25;
    public override bool KeyAvailable => false;
    public override Size MaxPhysicalWindowSize => _size;
    public override Size MaxWindowSize => _size;
    public override Coordinates WindowPosition { get; set; }
    public override Size WindowSize { get => _size; set => _size = value; }
    public override string WindowTitle { get; set; } = "PwshHost";

    public override void FlushInputBuffer() { }
    public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException("PwshHost has no screen buffer.");
    public override KeyInfo ReadKey(ReadKeyOptions options) => throw new PSInvalidOperationException("PwshHost is non-interactive: it cannot read keys.");
    public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
    public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
}
