// Marks one symbol-version requirement of an ELF64 shared library as weak (VER_FLG_WEAK), so the dynamic
// loader accepts the library on a system whose libstdc++ lacks that version (docs/torchsharp.md §2).
//
// Why: libLibTorchSharp.so (TorchSharp 0.107) requires GLIBCXX_3.4.32 from libstdc++.so.6, yet the only symbol
// bound to it is std::ios_base_library_init(), a marker GCC 13 emits and nothing calls. Debian 12 ships GCC 12's
// libstdc++ (up to GLIBCXX_3.4.30), so the library refuses to load. A weak version requirement is tolerated.
//
// This one file is both compiled into the MSBuild inline task of Directory.Build.targets and, with
// ELF_PATCHER_STANDALONE defined, into the unit tests, so the code that runs in the build is the code tested.
using System;
using System.IO;
using System.Text;

namespace SaEI.Build;

/// <summary>Outcome of <see cref="ElfVersionPatcher.MarkVersionWeak"/>.</summary>
public enum ElfPatchOutcome
{
    /// <summary>The flag was set: the bytes changed.</summary>
    Patched,

    /// <summary>The entry already carried the weak flag: nothing to do.</summary>
    AlreadyWeak,

    /// <summary>The library does not require that version at all.</summary>
    VersionNotRequired,
}

/// <summary>Pure ELF64 (little-endian) edits on a byte array; no file system, no MSBuild.</summary>
public static class ElfVersionPatcher
{
    public const ushort VerFlagWeak = 0x2;
    private const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>
    /// Sets VER_FLG_WEAK on every Vernaux entry of the .gnu.version_r section named <paramref name="version"/>.
    /// Throws <see cref="InvalidDataException"/> when the bytes are not a parsable ELF64 little-endian object.
    /// </summary>
    public static ElfPatchOutcome MarkVersionWeak(byte[] elf, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file (bad magic)");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("only 64-bit little-endian ELF files are supported");

        long sectionHeaderOffset = ReadInt64(elf, 0x28);
        int sectionHeaderSize = ReadUInt16(elf, 0x3A);
        int sectionCount = ReadUInt16(elf, 0x3C);
        if (
            sectionHeaderOffset <= 0
            || sectionHeaderSize < 64
            || sectionHeaderOffset + (long)sectionHeaderSize * sectionCount > elf.Length
        )
            throw new InvalidDataException("section header table is missing or truncated");

        bool found = false,
            changed = false;
        for (int s = 0; s < sectionCount; s++)
        {
            long header = sectionHeaderOffset + (long)s * sectionHeaderSize;
            if (ReadUInt32(elf, header + 4) != ShtGnuVerneed)
                continue;

            long sectionOffset = ReadInt64(elf, header + 0x18);
            int stringTableIndex = (int)ReadUInt32(elf, header + 0x28);
            int needCount = (int)ReadUInt32(elf, header + 0x2C);
            long stringTableHeader = sectionHeaderOffset + (long)stringTableIndex * sectionHeaderSize;
            long stringTableOffset = ReadInt64(elf, stringTableHeader + 0x18);

            long need = sectionOffset;
            for (int n = 0; n < needCount; n++)
            {
                int auxCount = ReadUInt16(elf, need + 2);
                long aux = need + ReadUInt32(elf, need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    string name = ReadCString(elf, stringTableOffset + ReadUInt32(elf, aux + 8));
                    if (name == version)
                    {
                        found = true;
                        ushort flags = ReadUInt16(elf, aux + 4);
                        if ((flags & VerFlagWeak) == 0)
                        {
                            WriteUInt16(elf, aux + 4, (ushort)(flags | VerFlagWeak));
                            changed = true;
                        }
                    }
                    uint nextAux = ReadUInt32(elf, aux + 12);
                    if (nextAux == 0)
                        break;
                    aux += nextAux;
                }
                uint nextNeed = ReadUInt32(elf, need + 12);
                if (nextNeed == 0)
                    break;
                need += nextNeed;
            }
        }
        return !found ? ElfPatchOutcome.VersionNotRequired
            : changed ? ElfPatchOutcome.Patched
            : ElfPatchOutcome.AlreadyWeak;
    }

    /// <summary>True when the file's bytes contain the version string (how a libstdc++ advertises
    /// GLIBCXX_x.y.z).</summary>
    public static bool ContainsVersionString(byte[] library, string version)
    {
        byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
        return IndexOf(library, needle) >= 0;
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack[i] != needle[0])
                continue;
            int j = 1;
            while (j < needle.Length && haystack[i + j] == needle[j])
                j++;
            if (j == needle.Length)
                return i;
        }
        return -1;
    }

    private static void Check(byte[] b, long offset, int size)
    {
        if (offset < 0 || offset + size > b.Length)
            throw new InvalidDataException("offset " + offset + " lies outside the file (" + b.Length + " bytes)");
    }

    private static ushort ReadUInt16(byte[] b, long o)
    {
        Check(b, o, 2);
        return (ushort)(b[o] | (b[o + 1] << 8));
    }

    private static uint ReadUInt32(byte[] b, long o)
    {
        Check(b, o, 4);
        return BitConverter.ToUInt32(b, (int)o);
    }

    private static long ReadInt64(byte[] b, long o)
    {
        Check(b, o, 8);
        return BitConverter.ToInt64(b, (int)o);
    }

    private static void WriteUInt16(byte[] b, long o, ushort v)
    {
        Check(b, o, 2);
        b[o] = (byte)v;
        b[o + 1] = (byte)(v >> 8);
    }

    private static string ReadCString(byte[] b, long o)
    {
        Check(b, o, 1);
        long end = o;
        while (end < b.Length && b[end] != 0)
            end++;
        return Encoding.ASCII.GetString(b, (int)o, (int)(end - o));
    }
}

#if !ELF_PATCHER_STANDALONE
/// <summary>MSBuild task: patches the copy of libLibTorchSharp.so in an output folder when libstdc++ needs
/// it.</summary>
public sealed class PatchTorchSharpNative : Microsoft.Build.Utilities.Task
{
    [Microsoft.Build.Framework.Required]
    public string LibraryPath { get; set; } = "";
    public string Version { get; set; } = "GLIBCXX_3.4.32";
    public string LibStdCxxCandidates { get; set; } = "";

    public override bool Execute()
    {
        if (!File.Exists(LibraryPath))
            return true;
        string libstdcxx = null;
        foreach (string candidate in LibStdCxxCandidates.Split(';'))
            if (candidate.Trim().Length > 0 && File.Exists(candidate.Trim()))
            {
                libstdcxx = candidate.Trim();
                break;
            }
        if (libstdcxx == null)
        {
            Log.LogMessage(
                Microsoft.Build.Framework.MessageImportance.Low,
                "SaEI: no libstdc++.so.6 found; TorchSharp native left as is."
            );
            return true;
        }
        if (ElfVersionPatcher.ContainsVersionString(File.ReadAllBytes(libstdcxx), Version))
        {
            Log.LogMessage(
                Microsoft.Build.Framework.MessageImportance.Low,
                "SaEI: " + libstdcxx + " provides " + Version + "; no patch needed."
            );
            return true;
        }
        try
        {
            byte[] bytes = File.ReadAllBytes(LibraryPath);
            ElfPatchOutcome outcome = ElfVersionPatcher.MarkVersionWeak(bytes, Version);
            if (outcome == ElfPatchOutcome.Patched)
            {
                // The output copy is a copy NuGet made; the package cache is never touched. Write then rename,
                // so a crash cannot leave a half-written library behind.
                string temporary = LibraryPath + ".saei-patch";
                File.WriteAllBytes(temporary, bytes);
                File.Copy(temporary, LibraryPath, true);
                File.Delete(temporary);
                Log.LogMessage(
                    Microsoft.Build.Framework.MessageImportance.Normal,
                    "SaEI: marked " + Version + " weak in " + LibraryPath + " (" + libstdcxx + " lacks it)."
                );
            }
            return true;
        }
        catch (Exception e)
        {
            Log.LogError(
                "SaEI: cannot patch "
                    + LibraryPath
                    + " so TorchSharp can load with "
                    + libstdcxx
                    + " (which lacks "
                    + Version
                    + "): "
                    + e.Message
                    + ". Install a libstdc++ that provides "
                    + Version
                    + " (GCC 13 or newer) or build with -p:SaeiSkipTorchPatch=true and provide one yourself."
            );
            return false;
        }
    }
}
#endif
