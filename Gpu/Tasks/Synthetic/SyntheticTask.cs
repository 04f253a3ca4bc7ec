using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SaEI.Gpu.Tasks.Data;

namespace SaEI.Gpu.Tasks.Synthetic;

/// <summary>
/// The synthetic visual-reasoning task: images drawn in code, short questions that need the image, free-form
/// integer answers. Decisions:
/// 1. Determinism: candidate j is drawn from its own SplitMix64 stream seeded by (Seed, j), so the same options
///    give byte-identical problems on every machine and the first n problems do not depend on the count asked.
/// 2. Splits: a candidate belongs to the test split when SHA-256 of its content (family, question, answer,
///    pixels) falls below <see cref="SyntheticTaskOptions.TestFraction"/>, else to train. Identical content always
///    lands in the same split, so train and test never share a problem, whatever the seeds. Duplicates within a
///    split are skipped.
/// 3. Ids are "synthetic-{family}-{first 16 hex digits of the content hash}".
/// </summary>
public sealed class SyntheticTask(SyntheticTaskOptions options)
{
    public const string Name = "synthetic";

    private readonly SyntheticTaskOptions options = Validated(options);

    /// <summary>The first <paramref name="count"/> problems of the split.</summary>
    public IReadOnlyList<VisualProblem> Generate(int count) =>
        GenerateDrafts(count).Select(item => item.Problem).ToList();

    /// <summary>Problems with the scenes they were drawn from (tests read the answer back from the pixels).</summary>
    internal IReadOnlyList<(VisualProblem Problem, SyntheticDraft Draft)> GenerateDrafts(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var problems = new List<(VisualProblem, SyntheticDraft)>(count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int misses = 0;
        for (ulong candidate = 0; problems.Count < count; candidate++)
        {
            var random = new SplitMix64(SplitMix64.Derive(options.Seed, candidate));
            SyntheticFamily family = random.Pick(options.Families);
            SyntheticDraft? draft = family switch
            {
                SyntheticFamily.Counting => CountingFamily.TryGenerate(
                    ref random,
                    options.Difficulty,
                    options.ImageSize
                ),
                SyntheticFamily.Sum => SumFamily.TryGenerate(ref random, options.Difficulty, options.ImageSize),
                SyntheticFamily.Length => LengthFamily.TryGenerate(ref random, options.Difficulty, options.ImageSize),
                SyntheticFamily.Geometry => GeometryFamily.TryGenerate(
                    ref random,
                    options.Difficulty,
                    options.ImageSize
                ),
                SyntheticFamily.Compare => CompareFamily.TryGenerate(ref random, options.Difficulty, options.ImageSize),
                _ => throw new ArgumentOutOfRangeException(nameof(options), family, "Unknown synthetic family."),
            };
            byte[] hash = draft is null ? [] : ContentHash(draft);
            string hex = Convert.ToHexString(hash.AsSpan(0, Math.Min(8, hash.Length))).ToLowerInvariant();
            if (draft is null || SplitOf(hash) != options.Split || !seen.Add(hex))
            {
                // Bounded: a family/difficulty/size whose layouts never fit, or a split with no new content, fails
                // loudly.
                if (++misses > (100 * (long)count) + 10_000)
                    throw new InvalidOperationException(
                        $"Synthetic task {options} produced only {problems.Count} of {count} distinct "
                            + $"{options.Split} problems; use more families, a higher difficulty or a larger image."
                    );
                continue;
            }
            string familyName = family.ToString().ToLowerInvariant();
            var problem = new VisualProblem(
                $"{Name}-{familyName}-{hex}",
                draft.Question,
                draft.Answer.ToString(CultureInfo.InvariantCulture),
                null,
                draft.Image,
                Name,
                familyName
            );
            problems.Add((problem, draft));
        }
        return problems;
    }

    private SyntheticSplit SplitOf(byte[] hash)
    {
        double position = BinaryPrimitives.ReadUInt64BigEndian(hash) / (double)ulong.MaxValue; // uniform in [0,1]
        return position < options.TestFraction ? SyntheticSplit.Test : SyntheticSplit.Train;
    }

    private static byte[] ContentHash(SyntheticDraft draft)
    {
        byte[] text = Encoding.UTF8.GetBytes(
            $"{draft.Family}\n{draft.Question}\n{draft.Answer}\n{draft.Image.Width}x{draft.Image.Height}\n"
        );
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(text);
        sha.AppendData(draft.Image.Rgb);
        return sha.GetHashAndReset();
    }

    private static SyntheticTaskOptions Validated(SyntheticTaskOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }
}
