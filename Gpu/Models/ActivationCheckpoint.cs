using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models;

/// <summary>
/// Activation checkpointing (PyTorch's <c>torch.utils.checkpoint</c>, which TorchSharp 0.107 does not ship): a block y
/// = f(x; θ) runs forward without recording its graph, only x (and the small context tensors it reads: rotary cos/sin,
/// masks) is kept, and backward runs f again under enable_grad and takes ∂L/∂x and ∂L/∂θ from the recomputed graph.
/// Built on TorchSharp's custom autograd function (<c>torch.autograd.SingleTensorFunction</c>). Decisions:
/// 1. The block's trainable parameters are inputs of the autograd node and their gradients are returned by it
///    (torch.autograd.grad inside backward), not accumulated as a side effect as PyTorch's reentrant variant does.
///    So <c>loss.backward()</c> and <c>autograd.grad(loss, pixels)</c> (the entropy-guided attack) both behave exactly
///    as without checkpointing: the latter leaves every parameter's .grad untouched.
/// 2. RNG: the blocks checkpointed here (Qwen2.5-VL decoder layers and vision blocks) draw no random numbers (no
///    dropout), so the recomputation is the same function; no RNG state is saved or restored. Do not wrap a block that
///    samples.
/// 3. The block reads its context tensors from its second argument, never from a closure: the caller's dispose scope
///    frees the originals long before backward, so backward hands the block the saved copies.
/// 4. Without grad mode, or with nothing that needs a gradient, the block just runs: generation and reference passes
///    pay nothing.
/// 5. Gradients handed back to the autograd engine are copied by it (CSharpNode::apply); their managed wrappers are
///    released at the next backward or checkpointed forward on the same thread, so at most one block's gradients stay
///    referenced twice, instead of every block's until the caller's scope ends.
/// </summary>
public static class ActivationCheckpoint
{
    [ThreadStatic]
    private static List<Tensor>? handedBack;
    private static long recomputations;

    /// <summary>How many blocks have been recomputed in backward in this process (tests and benchmarks check that
    /// checkpointing took effect).</summary>
    public static long Recomputations => Interlocked.Read(ref recomputations);

    /// <summary>
    /// y = block(input, context) [same shape as the block returns], recomputed in backward. <paramref name="owner"/>
    /// holds every parameter the block uses (its gradients flow through the checkpoint); <paramref name="context"/>
    /// holds the other tensors the block reads (they get no gradient).
    /// </summary>
    public static Tensor Run(
        nn.Module owner,
        Tensor input,
        IReadOnlyList<Tensor> context,
        Func<Tensor, IReadOnlyList<Tensor>, Tensor> block
    )
    {
        ReleaseHandedBack();
        var parameters = owner.parameters().Where(p => p.requires_grad).ToArray();
        if (!is_grad_enabled() || (!input.requires_grad && parameters.Length == 0))
            return block(input, context);
        if (context.Any(c => c.requires_grad))
            throw new ArgumentException(
                "A checkpointed block's context tensor requires grad, but the checkpoint returns gradients only for "
                    + "its input and parameters; pass that tensor as the input or detach it.",
                nameof(context)
            );
        var capture = new Capture(block, parameters, context, input.requires_grad);
        return Recompute.apply([input, capture, .. parameters]);
    }

    private static void ReleaseHandedBack()
    {
        if (handedBack is null)
            return;
        foreach (var tensor in handedBack)
            tensor.Dispose();
        handedBack = null;
    }

    private sealed record Capture(
        Func<Tensor, IReadOnlyList<Tensor>, Tensor> Block,
        Parameter[] Parameters,
        IReadOnlyList<Tensor> Context,
        bool InputRequiresGrad
    );

    private sealed class Recompute : autograd.SingleTensorFunction<Recompute>
    {
        private const string CaptureKey = "capture";

        public override string Name => nameof(ActivationCheckpoint);

        /// <summary>vars = [input, capture, parameters...]; runs under no_grad (TorchSharp's apply).</summary>
        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var input = (Tensor)vars[0];
            var capture = (Capture)vars[1];
            ctx.save_for_backward([input, .. capture.Context]);
            ctx.save_data(CaptureKey, capture with { Context = [] });
            return capture.Block(input, capture.Context);
        }

        /// <summary>Gradients in the order of vars: input, null for the capture, then one per parameter.</summary>
        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            ReleaseHandedBack();
            List<Tensor> result;
            using (var scope = NewDisposeScope())
            {
                var capture = (Capture)ctx.get_data(CaptureKey);
                var saved = ctx.get_saved_variables(); // [input, context...]
                var x = saved[0].detach().requires_grad_(true);
                Tensor y;
                using (enable_grad())
                    y = capture.Block(x, saved.GetRange(1, saved.Count - 1));
                Interlocked.Increment(ref recomputations);
                var grads = autograd.grad([y], [x, .. capture.Parameters], [gradOutput]);
                result = [capture.InputRequiresGrad ? grads[0] : null!, null!, .. grads.Skip(1)];
                foreach (var grad in result)
                    grad?.DetachFromDisposeScope();
            }
            gradOutput.Dispose();
            // a nested checkpoint's may be there already
            (handedBack ??= []).AddRange(result.Where(g => g is not null));
            return result;
        }
    }
}
