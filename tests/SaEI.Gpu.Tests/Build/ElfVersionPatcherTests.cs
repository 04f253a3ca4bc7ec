using System.Reflection;
using System.Text;
using SaEI.Build;

namespace SaEI.Gpu.Tests.Build;

/// <summary>The build's ELF patcher, run on a copy of the real libLibTorchSharp.so from the NuGet cache (read
/// only).</summary>
public sealed class ElfVersionPatcherTests
{
    private const string Version = "GLIBCXX_3.4.32";

    private static byte[] OriginalLibrary()
    {
        string directory = typeof(ElfVersionPatcherTests)
            .Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "TorchSharpPackageDirectory")
            .Value!;
        string path = Path.Combine(directory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"expected the package's native library at {path}");
        return File.ReadAllBytes(path);
    }

    /// <summary>The System V ELF hash, as stored in vna_hash (gABI).</summary>
    private static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (byte c in Encoding.ASCII.GetBytes(name))
        {
            h = (h << 4) + c;
            uint g = h & 0xf0000000;
            if (g != 0)
                h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }

    [Fact]
    public void Sets_the_weak_flag_on_exactly_that_version_entry_and_changes_no_other_byte()
    {
        byte[] original = OriginalLibrary();
        byte[] patched = (byte[])original.Clone();

        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionPatcher.MarkVersionWeak(patched, Version));

        int[] changed = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToArray();
        int offset = Assert.Single(changed);
        // Vernaux layout: vna_hash (4 bytes) then vna_flags (2, little-endian): the changed byte is the low flags
        // byte, so the four bytes before it are the hash of the version's name, checked independently here.
        Assert.Equal(ElfHash(Version), BitConverter.ToUInt32(original, offset - 4));
        Assert.Equal(original[offset] | ElfVersionPatcher.VerFlagWeak, patched[offset]);
        Assert.Equal(0, original[offset] & ElfVersionPatcher.VerFlagWeak);
    }

    [Fact]
    public void Patching_twice_changes_nothing_more()
    {
        byte[] once = OriginalLibrary();
        ElfVersionPatcher.MarkVersionWeak(once, Version);
        byte[] twice = (byte[])once.Clone();
        Assert.Equal(ElfPatchOutcome.AlreadyWeak, ElfVersionPatcher.MarkVersionWeak(twice, Version));
        Assert.Equal(once, twice);
    }

    [Fact]
    public void A_version_the_library_does_not_require_is_reported_and_nothing_changes()
    {
        byte[] original = OriginalLibrary();
        byte[] copy = (byte[])original.Clone();
        Assert.Equal(ElfPatchOutcome.VersionNotRequired, ElfVersionPatcher.MarkVersionWeak(copy, "GLIBCXX_9.9.99"));
        Assert.Equal(original, copy);
    }

    [Fact]
    public void Truncated_or_foreign_files_are_rejected_with_a_reason()
    {
        byte[] original = OriginalLibrary();
        var truncated = original.AsSpan(0, 4096).ToArray();
        Assert.Contains(
            "truncated",
            Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.MarkVersionWeak(truncated, Version)).Message
        );
        Assert.Contains(
            "magic",
            Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.MarkVersionWeak(new byte[128], Version)).Message
        );
    }

    [Fact]
    public void Detects_whether_a_libstdcxx_provides_a_version()
    {
        byte[] library = Encoding.ASCII.GetBytes("\0GLIBCXX_3.4.30\0GLIBCXX_3.4.31\0");
        Assert.True(ElfVersionPatcher.ContainsVersionString(library, "GLIBCXX_3.4.31"));
        Assert.False(ElfVersionPatcher.ContainsVersionString(library, "GLIBCXX_3.4.3"));
        Assert.False(ElfVersionPatcher.ContainsVersionString(library, Version));
    }
}
