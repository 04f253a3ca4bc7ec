namespace SaEI.Gpu.Training;

/// <summary>Where the frozen KL reference lives (issue 13).</summary>
public enum ReferencePlacement
{
    /// <summary>On the policy's device.</summary>
    SameDevice,

    /// <summary>On a second accelerator.</summary>
    OtherDevice,

    /// <summary>In host memory (scored there).</summary>
    CpuOffload,

    /// <summary>No reference: kl_coefficient = 0.</summary>
    None,
}

/// <summary>What a run's peak memory depends on: the model, precision, reference placement and batch sizes.</summary>
public sealed record MemoryPlanInputs
{
    public required MemoryPlanModel Model { get; init; }

    /// <summary>Bytes per parameter and activation element: 4 (float32) or 2 (bfloat16). Default 4 (CPU).</summary>
    public int ParameterBytes { get; init; } = 4;

    /// <summary>A float32 master copy of the weights beside bf16 ones (only adds memory when ParameterBytes is
    /// 2).</summary>
    public bool MasterCopy { get; init; }

    public ReferencePlacement Reference { get; init; } = ReferencePlacement.SameDevice;

    /// <summary>B, prompts per step.</summary>
    public required int PromptsPerStep { get; init; }

    /// <summary>G, responses per prompt (the whole mixed group).</summary>
    public required int GroupSize { get; init; }

    /// <summary>Responses one generate call samples per prompt (G, or G/2 for perturbing methods).</summary>
    public required int ResponsesPerGeneration { get; init; }

    /// <summary>Rows decoded together (generation_batch_rows); 0 = all B·(responses per call) at once.</summary>
    public int GenerationBatchRows { get; init; }

    /// <summary>Ng, rows generation holds at once (KV cache, prefill): min(c, B·responses per call), all when c = 0.
    /// </summary>
    public long GenerationRows
    {
        get
        {
            long all = (long)PromptsPerStep * ResponsesPerGeneration;
            return GenerationBatchRows > 0 ? Math.Min(GenerationBatchRows, all) : all;
        }
    }

    /// <summary>Whether the method perturbs the image (a second per-row image tensor is held).</summary>
    public bool Perturbs { get; init; }

    /// <summary>Text tokens of a prompt (chat template + question), image placeholders excluded.</summary>
    public required int PromptTextTokens { get; init; }

    /// <summary>Square image side in pixels before the model's resize.</summary>
    public required int ImageSide { get; init; }

    /// <summary>Tr, response tokens (max_new_tokens).</summary>
    public required int MaxNewTokens { get; init; }

    /// <summary>m, responses per micro-batch of the update and of the no-grad scoring passes.</summary>
    public required int MicroBatchRows { get; init; }

    public bool ActivationCheckpointing { get; init; }

    /// <summary>The policy's device (e.g. cpu, cuda:0); the reference's is "cuda:1" / "cpu" by <see
    /// cref="Reference"/>.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Rows of the rollout, B·G.</summary>
    public long Rows => (long)PromptsPerStep * GroupSize;

    /// <summary>Tp, prompt tokens including the image placeholders.</summary>
    public long PromptTokens => PromptTextTokens + Model.ImageTokensFor(ImageSide);

    /// <summary>T = Tp + Tr.</summary>
    public long SequenceTokens => PromptTokens + MaxNewTokens;

    /// <summary>
    /// The plan inputs of a run's options (kl_coefficient 0 → no reference; dtype bf16 → a float32 master copy;
    /// activation_checkpointing from the options unless overridden).
    /// </summary>
    public static MemoryPlanInputs For(
        MemoryPlanModel model,
        RlOptions options,
        int promptTextTokens,
        int imageSide,
        int parameterBytes = 4,
        bool? masterCopy = null,
        bool? activationCheckpointing = null,
        ReferencePlacement reference = ReferencePlacement.SameDevice,
        string device = "cpu"
    )
    {
        ArgumentNullException.ThrowIfNull(options);
        return new MemoryPlanInputs
        {
            Model = model,
            ParameterBytes = parameterBytes,
            MasterCopy = masterCopy ?? options.Dtype == ComputeDtype.Bf16,
            Reference = options.KlCoefficient > 0 ? reference : ReferencePlacement.None,
            PromptsPerStep = options.PromptsPerStep,
            GroupSize = options.GroupSize,
            ResponsesPerGeneration = Math.Max(options.CleanResponses, options.PerturbedResponses),
            GenerationBatchRows = options.GenerationBatchRows,
            Perturbs = options.Perturbation != Perturbation.None,
            PromptTextTokens = promptTextTokens,
            ImageSide = imageSide,
            MaxNewTokens = options.MaxNewTokens,
            MicroBatchRows = options.MicroBatchResponses,
            ActivationCheckpointing = activationCheckpointing ?? options.ActivationCheckpointing,
            Device = device,
        };
    }
}

/// <summary>One term of an estimate: its name, bytes and formula (as in <see cref="MemoryPlan"/>'s header).</summary>
public sealed record MemoryTerm(string Name, long Bytes, string Formula);

/// <summary>The estimated peak of one device: the sum of <see cref="Terms"/>.</summary>
public sealed record DeviceMemoryEstimate(string Device, IReadOnlyList<MemoryTerm> Terms)
{
    public long PeakBytes => Terms.Sum(t => t.Bytes);

    public long BytesOf(string name) => Terms.Where(t => t.Name == name).Sum(t => t.Bytes);

    /// <summary>"12.3 GiB on cuda:0 (weights 15.4 GiB, …)", largest terms first.</summary>
    public override string ToString() =>
        $"{MemoryPlan.Format(PeakBytes)} on {Device} ("
        + string.Join(
            ", ",
            Terms
                .Where(t => t.Bytes > 0)
                .OrderByDescending(t => t.Bytes)
                .Select(t => $"{t.Name} {MemoryPlan.Format(t.Bytes)}")
        )
        + ")";
}

/// <summary>A run's estimate: one entry per device it uses, the policy's device first.</summary>
public sealed record MemoryPlanEstimate(MemoryPlanInputs Inputs, IReadOnlyList<DeviceMemoryEstimate> Devices)
{
    public DeviceMemoryEstimate Policy => Devices[0];
}
