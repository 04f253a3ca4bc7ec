using System.Text;
using SaEI.Gpu.Tasks.Data;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace SaEI.Grains.Sweeps;

/// <summary>
/// The checks that run before a spec is loaded into a YAML tree, so that no input can exhaust the stack or memory of
/// the process that parses it (a silo's grain thread, or the CLI).
///
/// Decisions:
/// 1. Size first, on the text itself: nothing is scanned when the spec is larger than <see
///    cref="SpecLimits.MaxBytes"/>.
/// 2. Depth on YamlDotNet's event parser, not on a guess from brackets and indentation. The stack overflow of a deeply
///    nested spec is in the representation model (YamlNode.ParseNode → YamlSequenceNode..ctor → ParseNode …, one set of
///    frames per level); the scanner and the event parser are state machines whose per-level state lives in heap stacks
///    (flow level, indents, parser states). So walking the events and counting open mappings and lists measures the
///    exact depth the tree would have — flow brackets, block indentation and compact `- - -` alike — in constant stack,
///    and stops at the first level past the limit. HostileSpecTests prove it on a thread with a 256 KiB stack.
/// </summary>
internal static class SpecBounds
{
    /// <summary>An error when <paramref name="yaml"/> is larger than the limit; null when it fits.</summary>
    public static SpecError? CheckSize(string yaml, SpecLimits limits)
    {
        // Characters first: a string longer than the limit in characters is longer in UTF-8 bytes too, and counting
        // the bytes of a huge string would be the unbounded work this check exists to avoid.
        long size = yaml.Length > limits.MaxBytes ? yaml.Length : Encoding.UTF8.GetByteCount(yaml);
        if (size <= limits.MaxBytes)
            return null;
        string measured = yaml.Length > limits.MaxBytes ? $"{yaml.Length} characters" : $"{size} bytes";
        return new SpecError(
            "",
            $"the spec is {measured}; a spec may have at most {limits.MaxBytes} bytes "
                + $"({SpecLimits.Setting(nameof(SpecLimits.MaxBytes))}). "
                + "A sweep spec is a few KiB: list grid values, not data."
        );
    }

    /// <summary>
    /// An error at the first mapping or list nested deeper than the limit; null when the document stays within it.
    /// Throws <see cref="YamlException"/> on a syntax error met before that point (the caller reports those).
    /// </summary>
    public static SpecError? CheckDepth(string yaml, SpecLimits limits)
    {
        var parser = new Parser(new StringReader(yaml));
        int depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case MappingStart or SequenceStart:
                    if (++depth > limits.MaxDepth)
                        return new SpecError(
                            "",
                            $"the spec nests mappings and lists more than {limits.MaxDepth} levels deep, the most "
                                + $"allowed "
                                + $"({SpecLimits.Setting(nameof(SpecLimits.MaxDepth))}); a sweep spec needs about 4. "
                                + $"Remove the extra [ {{ or indentation here.",
                            (int)parser.Current.Start.Line,
                            (int)parser.Current.Start.Column
                        );
                    break;
                case MappingEnd or SequenceEnd:
                    depth--;
                    break;
            }
        }
        return null;
    }

    /// <summary>
    /// Reads a spec file as strict UTF-8 through the data layer's bounded reader (<see cref="RegularFile"/>: regular
    /// files only, at most <see cref="SpecLimits.MaxBytes"/>), so a device such as /dev/zero, a folder or a huge file
    /// is refused after a bounded read. The text, or the one error that names the file.
    /// </summary>
    public static Task<(string? Text, SpecError? Error)> ReadFileAsync(
        string path,
        SpecLimits limits,
        CancellationToken cancellation
    )
    {
        cancellation.ThrowIfCancellationRequested();
        byte[] bytes;
        try
        {
            bytes = RegularFile.ReadAllBytes(
                path,
                new DataLocation(path),
                limits.MaxBytes,
                "spec file",
                SpecLimits.Setting(nameof(SpecLimits.MaxBytes)),
                missingHint: "give the path of a YAML sweep spec"
            );
        }
        catch (DataFormatException e)
        {
            // A regular file over the limit is worded like the text check (the same limit, whichever way the spec
            // came).
            string problem =
                RegularFile.KindOf(path) == RegularFile.Kind.Regular && new FileInfo(path).Length > limits.MaxBytes
                    ? $"'{path}' has more than {limits.MaxBytes} bytes; a spec may have at most {limits.MaxBytes} "
                        + $"bytes ({SpecLimits.Setting(nameof(SpecLimits.MaxBytes))}). A sweep spec is a few KiB."
                    : e.Problem;
            return Task.FromResult<(string?, SpecError?)>((null, new SpecError("", problem)));
        }
        var text = bytes.AsSpan();
        if (text.StartsWith(Encoding.UTF8.Preamble))
            text = text[Encoding.UTF8.Preamble.Length..];
        try
        {
            return Task.FromResult<(string?, SpecError?)>(
                (new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(text), null)
            );
        }
        catch (DecoderFallbackException e)
        {
            return Task.FromResult<(string?, SpecError?)>(
                (
                    null,
                    new SpecError(
                        "",
                        $"'{path}' is not UTF-8 text (an invalid byte near offset {e.Index}); save the spec as UTF-8."
                    )
                )
            );
        }
    }
}
