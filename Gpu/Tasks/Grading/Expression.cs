namespace SaEI.Gpu.Tasks.Grading;

/// <summary>A parsed answer expression (see <see cref="ExpressionEvaluator"/>), evaluated to a <see cref="Quantity"/>
/// with every free symbol bound by <c>symbols</c>.</summary>
public abstract record Expression
{
    public abstract Quantity Evaluate(IReadOnlyDictionary<string, double> symbols);

    /// <summary>The free symbols, each once.</summary>
    public IReadOnlySet<string> Symbols()
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        Collect(found);
        return found;
    }

    protected abstract void Collect(HashSet<string> found);

    /// <summary>True when a decimal literal (a sympy Float) occurs in the expression.</summary>
    public abstract bool ContainsDecimal { get; }

    public sealed record Number(Quantity Value, bool IsDecimal = false) : Expression
    {
        public override bool ContainsDecimal => IsDecimal;

        public override Quantity Evaluate(IReadOnlyDictionary<string, double> symbols) => Value;

        protected override void Collect(HashSet<string> found) { }
    }

    public sealed record Symbol(string Name) : Expression
    {
        public override bool ContainsDecimal => false;

        public override Quantity Evaluate(IReadOnlyDictionary<string, double> symbols) =>
            Quantity.FromDouble(symbols.TryGetValue(Name, out double value) ? value : double.NaN);

        protected override void Collect(HashSet<string> found) => found.Add(Name);
    }

    public sealed record Negate(Expression Operand) : Expression
    {
        public override bool ContainsDecimal => Operand.ContainsDecimal;

        public override Quantity Evaluate(IReadOnlyDictionary<string, double> symbols) => -Operand.Evaluate(symbols);

        protected override void Collect(HashSet<string> found) => Operand.Collect(found);
    }

    public sealed record Binary(char Operator, Expression Left, Expression Right) : Expression
    {
        public override bool ContainsDecimal => Left.ContainsDecimal || Right.ContainsDecimal;

        public override Quantity Evaluate(IReadOnlyDictionary<string, double> symbols)
        {
            var left = Left.Evaluate(symbols);
            var right = Right.Evaluate(symbols);
            return Operator switch
            {
                '+' => left + right,
                '-' => left - right,
                '*' => left * right,
                '/' => left / right,
                '^' => Quantity.Power(left, right),
                _ => throw new InvalidOperationException($"unknown operator '{Operator}'"),
            };
        }

        protected override void Collect(HashSet<string> found)
        {
            Left.Collect(found);
            Right.Collect(found);
        }
    }

    public sealed record Call(string Function, Expression Argument) : Expression
    {
        public override bool ContainsDecimal => Argument.ContainsDecimal;

        public override Quantity Evaluate(IReadOnlyDictionary<string, double> symbols)
        {
            var argument = Argument.Evaluate(symbols);
            return Function switch
            {
                "sqrt" => Quantity.SquareRoot(argument),
                "ln" => Quantity.FromDouble(Math.Log(argument.Value)),
                _ => throw new InvalidOperationException($"unknown function '{Function}'"),
            };
        }

        protected override void Collect(HashSet<string> found) => Argument.Collect(found);
    }
}
