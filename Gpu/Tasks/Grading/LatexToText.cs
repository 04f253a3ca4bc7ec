using System.Text;

namespace SaEI.Gpu.Tasks.Grading;

/// <summary>
/// A small LaTeX-to-text converter that reproduces what pylatexenc 2.10 <c>LatexNodes2Text().latex_to_text</c>
/// gives on answer-sized strings (docs/grader.md §4, <c>_parse_latex</c>), so that PRM800K's normaliser can run without
/// Python. It is a recursive reader: groups render their content, known macros render their text, and unknown
/// macros render nothing (their brace arguments, read as plain groups, still render).
/// 1. <c>\frac{a}{b}</c> → <c>a/b</c> with NO parentheses (pylatexenc's '%s/%s'); <c>\sqrt[n]{x}</c> → <c>√(x)</c>,
///    the index is lost; a bare argument is one character or one macro (<c>\frac12</c> → <c>1/2</c>).
/// 2. Symbol macros give their Unicode character (<c>\pi</c> → π, <c>\le</c> → ≤, <c>\cdot</c> → ·, <c>\infty</c> →
///    ∞); text/font macros (<c>\text</c>, <c>\mathbf</c>, <c>\boxed</c>, …) give their argument.
/// 3. The space after a control word is eaten (<c>\pi r^2</c> → <c>πr^2</c>), other whitespace is kept; <c>~</c>
///    is a no-break space; <c>\\</c> a newline; <c>\left</c>/<c>\right</c> vanish and leave the delimiter.
/// 4. <c>^</c>, <c>_</c> and every other character are copied (pylatexenc 2.10 does not typeset scripts).
/// 5. Tolerant like pylatexenc: an unmatched <c>}</c> is dropped, an unclosed group ends at the end of the input.
///    Only nesting deeper than 200 levels throws <see cref="FormatException"/> (the caller keeps its input).
/// </summary>
public static class LatexToText
{
    private static readonly Dictionary<string, string> Symbols = new(StringComparer.Ordinal)
    {
        ["pi"] = "π",
        ["Pi"] = "Π",
        ["infty"] = "∞",
        ["cdot"] = "·",
        ["times"] = "×",
        ["div"] = "÷",
        ["pm"] = "±",
        ["mp"] = "∓",
        ["le"] = "≤",
        ["leq"] = "≤",
        ["ge"] = "≥",
        ["geq"] = "≥",
        ["ne"] = "≠",
        ["neq"] = "≠",
        ["lt"] = "<",
        ["gt"] = ">",
        ["approx"] = "≈",
        ["sim"] = "∼",
        ["equiv"] = "≡",
        ["cong"] = "≅",
        ["cup"] = "∪",
        ["cap"] = "∩",
        ["in"] = "∈",
        ["notin"] = "∉",
        ["subset"] = "⊂",
        ["subseteq"] = "⊆",
        ["emptyset"] = "∅",
        ["varnothing"] = "∅",
        ["angle"] = "∠",
        ["circ"] = "∘",
        ["degree"] = "°",
        ["triangle"] = "△",
        ["perp"] = "⊥",
        ["parallel"] = "∥",
        ["to"] = "→",
        ["rightarrow"] = "→",
        ["Rightarrow"] = "⇒",
        ["leftarrow"] = "←",
        ["prime"] = "′",
        ["ldots"] = "…",
        ["dots"] = "…",
        ["cdots"] = "⋯",
        ["lfloor"] = "⌊",
        ["rfloor"] = "⌋",
        ["lceil"] = "⌈",
        ["rceil"] = "⌉",
        ["langle"] = "⟨",
        ["rangle"] = "⟩",
        ["mid"] = "|",
        ["vert"] = "|",
        ["neg"] = "¬",
        ["forall"] = "∀",
        ["exists"] = "∃",
        ["partial"] = "∂",
        ["nabla"] = "∇",
        ["sum"] = "∑",
        ["prod"] = "∏",
        ["int"] = "∫",
        ["alpha"] = "α",
        ["beta"] = "β",
        ["gamma"] = "γ",
        ["delta"] = "δ",
        ["epsilon"] = "ϵ",
        ["varepsilon"] = "ε",
        ["zeta"] = "ζ",
        ["eta"] = "η",
        ["theta"] = "θ",
        ["vartheta"] = "ϑ",
        ["iota"] = "ι",
        ["kappa"] = "κ",
        ["lambda"] = "λ",
        ["mu"] = "μ",
        ["nu"] = "ν",
        ["xi"] = "ξ",
        ["rho"] = "ρ",
        ["sigma"] = "σ",
        ["tau"] = "τ",
        ["upsilon"] = "υ",
        ["phi"] = "ϕ",
        ["varphi"] = "φ",
        ["chi"] = "χ",
        ["psi"] = "ψ",
        ["omega"] = "ω",
        ["Gamma"] = "Γ",
        ["Delta"] = "Δ",
        ["Theta"] = "Θ",
        ["Lambda"] = "Λ",
        ["Sigma"] = "Σ",
        ["Phi"] = "Φ",
        ["Omega"] = "Ω",
        ["quad"] = " ",
        ["qquad"] = " ",
        ["left"] = "",
        ["right"] = "",
        ["displaystyle"] = "",
        ["sin"] = "sin",
        ["cos"] = "cos",
        ["tan"] = "tan",
        ["cot"] = "cot",
        ["sec"] = "sec",
        ["csc"] = "csc",
        ["arcsin"] = "arcsin",
        ["arccos"] = "arccos",
        ["arctan"] = "arctan",
        ["log"] = "log",
        ["ln"] = "ln",
        ["exp"] = "exp",
        ["lim"] = "lim",
        ["max"] = "max",
        ["min"] = "min",
        ["gcd"] = "gcd",
        ["det"] = "det",
        ["deg"] = "deg",
        ["bmod"] = "mod",
    };

    /// <summary>Macros whose text is their (only) mandatory argument.</summary>
    private static readonly HashSet<string> ArgumentMacros = new(StringComparer.Ordinal)
    {
        "text",
        "textrm",
        "textbf",
        "textit",
        "textsf",
        "texttt",
        "textup",
        "textnormal",
        "mbox",
        "hbox",
        "emph",
        "mathrm",
        "mathbf",
        "mathit",
        "mathsf",
        "mathtt",
        "mathcal",
        "mathbb",
        "mathfrak",
        "boldsymbol",
        "operatorname",
        "boxed",
        "ensuremath",
        "overline",
        "underline",
        "bar",
        "hat",
        "vec",
        "widehat",
        "tilde",
    };

    private static readonly Dictionary<char, string> SingleCharacterMacros = new()
    {
        ['{'] = "{",
        ['}'] = "}",
        ['%'] = "%",
        ['$'] = "$",
        ['&'] = "&",
        ['#'] = "#",
        ['_'] = "_",
        [','] = " ",
        [';'] = " ",
        [':'] = " ",
        [' '] = " ",
        ['!'] = "",
        ['\\'] = "\n",
    };

    /// <summary>The plain text of <paramref name="latex"/>.</summary>
    public static string Convert(string latex)
    {
        ArgumentNullException.ThrowIfNull(latex);
        var reader = new Reader(latex);
        var text = new StringBuilder(latex.Length);
        while (!reader.AtEnd)
        {
            if (reader.Peek == '}')
            {
                reader.Position++;
                continue;
            }
            text.Append(reader.ReadNode());
        }
        return text.ToString();
    }

    private sealed class Reader(string source)
    {
        private const int MaxDepth = 200;
        private int depth;
        public int Position;
        public bool AtEnd => Position >= source.Length;
        public char Peek => source[Position];

        /// <summary>One node: a group, a macro with its arguments, or one character.</summary>
        public string ReadNode()
        {
            if (++depth > MaxDepth)
                throw new FormatException($"LaTeX nested deeper than {MaxDepth} levels.");
            try
            {
                return ReadNodeAt(source[Position]);
            }
            finally
            {
                depth--;
            }
        }

        private string ReadNodeAt(char c)
        {
            if (c == '{')
                return ReadGroup();
            if (c == '\\')
                return ReadMacro();
            Position++;
            return c == '~' ? "\u00A0" : c.ToString();
        }

        private string ReadGroup()
        {
            Position++; // '{'
            var text = new StringBuilder();
            while (!AtEnd && Peek != '}')
                text.Append(ReadNode());
            if (!AtEnd)
                Position++; // '}'
            return text.ToString();
        }

        private string ReadMacro()
        {
            Position++; // '\'
            if (AtEnd)
                return "";
            int start = Position;
            while (!AtEnd && char.IsAsciiLetter(Peek))
                Position++;
            if (Position == start)
            {
                char single = source[Position++];
                return SingleCharacterMacros.TryGetValue(single, out string? text) ? text : "";
            }
            string name = source[start..Position];
            while (!AtEnd && char.IsWhiteSpace(Peek))
                Position++; // the space after a control word is eaten
            return name switch
            {
                "frac" or "dfrac" or "tfrac" or "nicefrac" => ReadArgument() + "/" + ReadArgument(),
                "sqrt" => ReadSqrt(),
                "begin" or "end" => SkipEnvironmentName(),
                _ when ArgumentMacros.Contains(name) => ReadArgument(),
                _ => Symbols.TryGetValue(name, out string? symbol) ? symbol : "",
            };
        }

        private string ReadSqrt()
        {
            SkipSpaces();
            if (!AtEnd && Peek == '[')
            {
                int close = source.IndexOf(']', Position);
                Position = close < 0 ? source.Length : close + 1;
            }
            return "√(" + ReadArgument() + ")";
        }

        private string SkipEnvironmentName()
        {
            SkipSpaces();
            if (!AtEnd && Peek == '{')
                ReadGroup();
            return "";
        }

        /// <summary>A mandatory argument: a group, a macro, or one character (pylatexenc
        /// get_latex_expression).</summary>
        private string ReadArgument()
        {
            SkipSpaces();
            if (AtEnd || Peek == '}')
                return "";
            return ReadNode();
        }

        private void SkipSpaces()
        {
            while (!AtEnd && char.IsWhiteSpace(Peek))
                Position++;
        }
    }
}
