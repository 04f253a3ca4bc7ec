using System.Globalization;
using System.Numerics;

namespace SaEI.Gpu.Tasks.Grading;

/// <summary>
/// The sympy stand-in of PRM800K's <c>are_equal_under_sympy</c>: parses what <c>parse_expr</c> with
/// <c>standard_transformations + implicit_multiplication_application</c> accepts on normalised answers, and
/// evaluates it to a <see cref="Quantity"/> with the free symbols bound to given values.
/// Grammar (Python precedence): sum := product (± product)*; product := unary ((× | ÷ | implicit) unary)*;
/// unary := ± unary | power; power := atom [(^ | **) unary]; atom := number | name | f(sum) | (sum).
/// Decisions, each checked against sympy 1.14:
/// 1. Numbers follow Python's tokenizer: "073" is the two tokens 0 and 73, hence 0·73 = 0 (this is why MathRuler
///    fails AIME's boxed "(073)"); a literal with '.' or an exponent is a float ("1e3" = 1000.0, inexact).
/// 2. A name that sympy does not know is split into one symbol per letter, digits kept as numbers:
///    "xy" = x·y, "x2" = 2x, "pix" = p·i·x, "sqrt3" = s·q·r·t·3. Known names: pi, oo (∞), and the functions
///    sqrt and ln, which need a parenthesised argument. A name with '_' is one symbol.
/// 3. "e" and "i" are plain symbols, as in sympy (Euler's number is E, the imaginary unit I; _normalize lowercases).
/// 4. Anything else (',', '=', '≤', '!', unknown function names, nesting deeper than 200) is a parse error, which
///    PRM800K's bare except turns into "not equal".
/// </summary>
public sealed class ExpressionEvaluator
{
    private const int MaxDepth = 200;
    private readonly string source;
    private int position;
    private const int MaxOperators = 2000;
    private int depth;
    private int operators;

    /// <summary>The remaining one-letter factors of a split name: they act as separate tokens, so in "xy^2" the
    /// power binds to y only (sympy splits names into symbols before it parses).</summary>
    private readonly Queue<Expression> pendingFactors = new();

    private ExpressionEvaluator(string source) => this.source = source;

    /// <summary>The parsed expression, or null when sympy's parser would have raised.</summary>
    public static Expression? TryParse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new ExpressionEvaluator(text.Replace("**", "^", StringComparison.Ordinal));
        try
        {
            var expression = parser.ParseSum();
            parser.SkipSpaces();
            return parser.position == parser.source.Length && parser.pendingFactors.Count == 0 ? expression : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private bool AtEnd => position >= source.Length;

    private char Peek => source[position];

    private void SkipSpaces()
    {
        while (!AtEnd && char.IsWhiteSpace(Peek))
            position++;
    }

    private bool TryConsume(char c)
    {
        SkipSpaces();
        if (AtEnd || Peek != c)
            return false;
        position++;
        return true;
    }

    private Expression ParseSum()
    {
        if (++depth > MaxDepth)
            throw new FormatException("expression nested too deeply");
        var left = ParseProduct();
        while (true)
        {
            if (TryConsume('+'))
                left = Combine('+', left, ParseProduct());
            else if (TryConsume('-'))
                left = Combine('-', left, ParseProduct());
            else
                break;
        }
        depth--;
        return left;
    }

    /// <summary>A binary node; more than 2000 operators is refused, so evaluating the tree cannot exhaust the
    /// stack.</summary>
    private Expression Combine(char op, Expression left, Expression right) =>
        ++operators > MaxOperators
            ? throw new FormatException("expression too long")
            : new Expression.Binary(op, left, right);

    private Expression ParseProduct()
    {
        var left = ParseUnary();
        while (true)
        {
            if (pendingFactors.Count > 0)
                left = Combine('*', left, ParsePower()); // the rest of a split name
            else if (TryConsume('*'))
                left = Combine('*', left, ParseUnary());
            else if (TryConsume('/'))
                left = Combine('/', left, ParseUnary());
            else if (StartsAtom())
                left = Combine('*', left, ParsePower()); // implicit multiplication
            else
                break;
        }
        return left;
    }

    private bool StartsAtom()
    {
        if (pendingFactors.Count > 0)
            return true;
        SkipSpaces();
        if (AtEnd)
            return false;
        char c = Peek;
        return c == '(' || c == '.' || char.IsAsciiDigit(c) || char.IsLetter(c) || c == '_';
    }

    private Expression ParseUnary()
    {
        if (++depth > MaxDepth)
            throw new FormatException("expression nested too deeply");
        Expression result =
            TryConsume('-') ? new Expression.Negate(ParseUnary())
            : TryConsume('+') ? ParseUnary()
            : ParsePower();
        depth--;
        return result;
    }

    private Expression ParsePower()
    {
        var atom = ParseAtom();
        return pendingFactors.Count == 0 && TryConsume('^') ? Combine('^', atom, ParseUnary()) : atom;
    }

    private Expression ParseAtom()
    {
        if (pendingFactors.Count > 0)
            return pendingFactors.Dequeue();
        SkipSpaces();
        if (AtEnd)
            throw new FormatException("unexpected end");
        char c = Peek;
        if (c == '(')
        {
            position++;
            var inner = ParseSum();
            if (!TryConsume(')'))
                throw new FormatException("missing ')'");
            return inner;
        }
        if (char.IsAsciiDigit(c) || c == '.')
            return ParseNumber();
        if (char.IsLetter(c) || c == '_')
            return ParseName();
        throw new FormatException($"unexpected '{c}'");
    }

    /// <summary>Python's tokenizer: a float (digits with '.' or an exponent) or a decimal integer without leading
    /// zeros ("0", "00", or [1-9][0-9]*), so "073" reads as "0" and leaves "73" for the next token.</summary>
    private Expression.Number ParseNumber()
    {
        int start = position;
        int digitsEnd = SkipDigits(start);
        int end = digitsEnd;
        bool isFloat = false;
        if (end < source.Length && source[end] == '.')
        {
            int fraction = SkipDigits(end + 1);
            if (digitsEnd > start || fraction > end + 1)
            {
                isFloat = true;
                end = fraction;
            }
        }
        if (end > start && end < source.Length && source[end] is 'e' or 'E')
        {
            int exponentStart = end + 1 < source.Length && source[end + 1] is '+' or '-' ? end + 2 : end + 1;
            int exponentEnd = SkipDigits(exponentStart);
            if (exponentEnd > exponentStart && (isFloat || digitsEnd > start))
            {
                isFloat = true;
                end = exponentEnd;
            }
        }
        if (isFloat)
        {
            position = end;
            return new Expression.Number(Quantity.FromDecimal(source[start..end]), IsDecimal: true);
        }
        if (digitsEnd == start)
            throw new FormatException("a lone '.'");
        if (source[start] == '0')
        {
            end = start + 1;
            while (end < source.Length && source[end] == '0')
                end++;
        }
        else
            end = digitsEnd;
        position = end;
        return new Expression.Number(
            Quantity.FromInteger(
                BigInteger.Parse(
                    source[start..end].Replace("_", "", StringComparison.Ordinal),
                    CultureInfo.InvariantCulture
                )
            )
        );
    }

    private int SkipDigits(int from)
    {
        int i = from;
        while (
            i < source.Length
            && (
                char.IsAsciiDigit(source[i])
                || (source[i] == '_' && i > from && i + 1 < source.Length && char.IsAsciiDigit(source[i + 1]))
            )
        )
            i++;
        return i;
    }

    private Expression ParseName()
    {
        int start = position;
        while (!AtEnd && (char.IsLetterOrDigit(Peek) || Peek == '_'))
            position++;
        string name = source[start..position];
        switch (name)
        {
            case "pi":
                return new Expression.Number(Quantity.FromDouble(Math.PI));
            case "oo":
                return new Expression.Number(Quantity.FromDouble(double.PositiveInfinity));
            case "sqrt" or "ln":
                if (!TryConsume('('))
                    throw new FormatException($"{name} without '('");
                var argument = ParseSum();
                if (!TryConsume(')'))
                    throw new FormatException("missing ')'");
                return new Expression.Call(name, argument);
        }
        if (name.Contains('_', StringComparison.Ordinal))
            return new Expression.Symbol(name);
        var factors = SplitSymbols(name);
        foreach (var factor in factors.Skip(1))
            pendingFactors.Enqueue(factor);
        return factors[0];
    }

    /// <summary>sympy's split_symbols: "x2y" → [x, 2, y].</summary>
    private static List<Expression> SplitSymbols(string name)
    {
        var factors = new List<Expression>();
        for (int i = 0; i < name.Length; )
        {
            Expression factor;
            if (char.IsAsciiDigit(name[i]))
            {
                int end = i;
                while (end < name.Length && char.IsAsciiDigit(name[end]))
                    end++;
                factor = new Expression.Number(
                    Quantity.FromInteger(BigInteger.Parse(name[i..end], CultureInfo.InvariantCulture))
                );
                i = end;
            }
            else
            {
                factor = new Expression.Symbol(name[i].ToString());
                i++;
            }
            factors.Add(factor);
        }
        return factors;
    }
}
