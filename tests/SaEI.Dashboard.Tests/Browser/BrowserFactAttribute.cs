namespace SaEI.Dashboard.Tests.Browser;

/// <summary>A fact that needs the system Chromium: skipped, naming the install command, when there is none.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Chromium.SkipReason is { } reason)
            Skip = reason;
    }
}
