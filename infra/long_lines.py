#!/usr/bin/env python3
"""Brings C# lines under the column limit where CSharpier does not (it wraps code, never text).

Usage: infra/long_lines.py [--limit N] [--check] FILE...

Only lines longer than the limit are touched, in this order:
1. A comment block (`//` or `///` lines) holding a long line: the paragraph it belongs to is rewrapped at the limit
   (a paragraph ends at an empty comment line, a list item, an XML block tag or a change of prefix).
2. A comment after code (`x = y; // why`) on a long line: moved onto its own line(s) above the code.
3. A long string literal ("...", @"...", $"...", $@"..."): split at a space into "first " + "rest" across two lines
   (interpolated parts keep their `$`, holes are never split); CSharpier then lays out the concatenation.
4. The data table of Gpu/Tokenization/NfcTables.cs (build/make_nfc_tables.py): its raw-string rows rewrapped.
Raw string literals and u8 literals are left as they are. --check lists the long lines (file:line: length) left
and exits 1 when there are any. Called by infra/format.sh.
"""
import re
import sys

LIMIT = 120

BLOCK_TAG = re.compile(r"^\s*</?(summary|remarks|returns|param|typeparam|para|list|item|description|term|example|"
                       r"code|exception|value|seealso|inheritdoc|listheader)\b")
LIST_ITEM = re.compile(r"^(\s*)(\d+\.|[-*•])\s+")


def scan(text):
    """Spans (kind, start, end) of comments and literals. Kinds: line, block, string, raw, char."""
    spans, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            spans.append(("line", i, end))
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            spans.append(("block", i, end))
            i = end
        elif c == "'":
            j = i + 1
            while j < n and text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            spans.append(("char", i, j + 1))
            i = j + 1
        elif c in "$@\"" and (c == '"' or re.match(r'[$@]+"', text[i:i + 6])) and not _identifier_before(text, i):
            end, kind = string_end(text, i)
            spans.append((kind, i, end))
            i = end
        else:
            i += 1
    return spans


def _identifier_before(text, i):
    return i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_") and text[i] != '"'


def string_end(text, i):
    """End of the string literal starting at i (after its prefix), and its kind."""
    j = i
    while text[j] in "$@":
        j += 1
    prefix = text[i:j]
    quotes = len(text) - len(text[j:].lstrip('"')) - j
    if quotes >= 3:
        close = text.find('"' * quotes, j + quotes)
        end = close + quotes if close >= 0 else len(text)
        while end < len(text) and text[end] == '"':
            end += 1
        return _suffix(text, end), "raw"
    verbatim, interpolated = "@" in prefix, "$" in prefix
    k = j + 1
    while k < len(text):
        ch = text[k]
        if ch == "\\" and not verbatim:
            k += 2
            continue
        if ch == '"':
            if verbatim and text.startswith('""', k):
                k += 2
                continue
            return _suffix(text, k + 1), "string"
        if interpolated and ch == "{":
            if text.startswith("{{", k):
                k += 2
                continue
            k = hole_end(text, k)
            continue
        if ch == "\n" and not verbatim:
            return k, "string"
        k += 1
    return len(text), "string"


def hole_end(text, k):
    """End of the interpolation hole opening at k (after its closing brace)."""
    depth, k = 0, k
    while k < len(text):
        ch = text[k]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return k + 1
        elif ch == '"' or (ch in "$@" and re.match(r'[$@]+"', text[k:k + 4])):
            k, _ = string_end(text, k)
            continue
        elif ch == "'":
            k += 1
            while k < len(text) and text[k] != "'":
                k += 2 if text[k] == "\\" else 1
        k += 1
    return k


def _suffix(text, end):
    return end + 2 if text.startswith("u8", end) else end


def comment_parts(line):
    """(indent, marker, inner indent, text) of a full-line `//` or `///` comment, else None."""
    m = re.match(r"^(\s*)(///?)(?!/)(\s*)(.*)$", line)
    if not m:
        return None
    return m.group(1), m.group(2), m.group(3), m.group(4)


def rewrap_comments(lines, limit):
    out, i = [], 0
    while i < len(lines):
        parts = comment_parts(lines[i])
        if parts is None:
            out.append(lines[i])
            i += 1
            continue
        # The paragraph: this line and the comment lines after it of the same prefix that continue it.
        indent, marker, inner, text = parts
        j = i + 1
        while j < len(lines):
            nxt = comment_parts(lines[j])
            if nxt is None or nxt[0] != indent or nxt[1] != marker or not nxt[3] or LIST_ITEM.match(nxt[3]) \
                    or BLOCK_TAG.match(nxt[3]) or BLOCK_TAG.match(text) and j == i + 1 and text.endswith(">"):
                break
            j += 1
        paragraph = lines[i:j]
        if all(len(line) <= limit for line in paragraph) or not text or "<code>" in "".join(paragraph):
            out.append(lines[i])
            i += 1
            continue
        words = " ".join(comment_parts(line)[3] for line in paragraph).split()
        hanging = inner
        if len(paragraph) > 1:
            hanging = comment_parts(paragraph[1])[2]
        elif (item := LIST_ITEM.match(text)) is not None:
            hanging = inner + " " * (item.end() - item.start())
        first = f"{indent}{marker}{inner}"
        rest = f"{indent}{marker}{hanging}"
        out.extend(_greedy(words, first, rest, limit))
        i = j
    return out


def _greedy(words, first, rest, limit):
    lines, line, empty = [], first, True
    for word in words:
        candidate = line + word if empty else line + " " + word
        if len(candidate) > limit and not empty:
            lines.append(line)
            line, empty = rest + word, False
        else:
            line, empty = candidate, False
    lines.append(line)
    return lines


def line_starts(text):
    starts = [0]
    for m in re.finditer("\n", text):
        starts.append(m.end())
    return starts


def fix_code_lines(text, limit):
    """Moves trailing comments of long lines above them and splits long string literals; one pass."""
    spans = scan(text)
    lines = text.split("\n")
    starts = line_starts(text)
    inside = set()  # lines that begin inside a multi-line literal or block comment: left alone
    for kind, s, e in spans:
        if kind in ("raw", "string", "block") and "\n" in text[s:e]:
            first = _line_of(starts, s)
            last = _line_of(starts, e - 1)
            inside.update(range(first, last + 1))
    by_line = {}
    for span in spans:
        by_line.setdefault(_line_of(starts, span[1]), []).append(span)
    changed = False
    out = []
    for number, line in enumerate(lines):
        if len(line) <= limit or number in inside or line.lstrip().startswith(("//", "#")):
            out.append(line)
            continue
        base = starts[number]
        indent = line[: len(line) - len(line.lstrip())]
        spans_here = by_line.get(number, [])
        comment = next((s for s in spans_here if s[0] == "line"), None)
        if comment is not None:
            code = line[: comment[1] - base].rstrip()
            note = line[comment[1] - base:]
            out.extend(_greedy(note[2:].split(), f"{indent}// ", f"{indent}// ", limit))
            out.append(code)
            changed = True
            continue
        split = _split_string(line, base, spans_here, indent, limit, text)
        if split is not None:
            out.extend(split)
            changed = True
            continue
        out.append(line)
    return "\n".join(out), changed


def _line_of(starts, position):
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= position:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _split_string(line, base, spans, indent, limit, text):
    """The line as two lines with the string literal that crosses the limit split, or None. The split goes after the
    last space that fits, else before the last interpolation hole that fits, else between any two characters that
    are not one escape sequence; never inside a hole."""
    for kind, s, e in spans:
        start, end = s - base, e - base
        if kind not in ("string", "raw") or text.startswith("u8", e - 2) or start >= limit - 8 or end <= limit - 10:
            continue
        literal = line[start:end]
        # A literal that is the receiver of a member access ("a b".Replace(...), possibly with the dot on the next
        # line) is split inside parentheses, so the access still applies to the whole text.
        follows = text[e:].lstrip()
        bracket = follows[:1] in (".", "[", "!") or follows[:2] in ("?.", "?[")
        if kind == "raw":
            split = _split_raw(line, start, literal, indent, limit - (1 if bracket else 0))
            if split is not None:
                return _bracket(split, start, end, line) if bracket else split
            continue
        m = re.match(r'^([$@]*)"', literal)
        if m is None or not literal.endswith('"'):
            continue
        prefix = m.group(1)
        cuts = _cuts(literal, len(m.group(0)), "@" in prefix, "$" in prefix)
        fitting = [(rank, k) for rank, k in cuts
                   if start + k + 3 + (1 if bracket else 0) <= limit and k - len(m.group(0)) >= 8]
        if not fitting:
            continue
        best_rank = min(rank for rank, _ in fitting)
        cut = start + max(k for rank, k in fitting if rank == best_rank)
        split = [line[:cut] + '" +', indent + "    " + prefix + '"' + line[cut:]]
        return _bracket(split, start, end, line) if bracket else split
    return None


def _bracket(split, start, end, line):
    """The two lines of a split literal with the literal's pieces in parentheses: (first + rest)."""
    first, second = split
    rest_of_line = line[end:]
    assert second.endswith(rest_of_line)
    head = second[: len(second) - len(rest_of_line)] if rest_of_line else second
    return [first[:start] + "(" + first[start:], head + ")" + rest_of_line]


def _split_raw(line, start, literal, indent, limit):
    """A one-line raw literal split after a space or comma that fits, into two raw literals joined by +; the
    pieces never begin or end with a quote (a raw literal cannot). Interpolated raw literals are left alone."""
    m = re.match(r'^("{3,})(.*?)("{3,})$', literal)
    if m is None or "\n" in literal or len(m.group(1)) != len(m.group(3)):
        return None
    delimiter, body = m.group(1), m.group(2)
    offset = len(delimiter)
    best = None
    for k in range(1, len(body) - 1):
        fits = start + offset + k + len(delimiter) + 2 <= limit
        if fits and body[k - 1] in " ," and body[k - 1] != '"' and body[k] != '"':
            best = k
    if best is None or best < 8:
        return None
    cut = start + offset + best
    return [line[:cut] + delimiter + " +", indent + "    " + delimiter + line[cut:]]


def _cuts(literal, body, verbatim, interpolated):
    """Positions in the literal's body where it may be cut, ranked: 0 after a space, 1 before a hole, 2 elsewhere."""
    cuts, k, close = [], body, len(literal) - 1
    while k < close:
        if interpolated and literal.startswith("{{", k) or interpolated and literal.startswith("}}", k) \
                or verbatim and literal.startswith('""', k):
            size = 2
        elif interpolated and literal[k] == "{":
            cuts.append((1, k))
            size = hole_end(literal, k) - k
        elif literal[k] == "\\" and not verbatim:
            m = re.match(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{1,4}|.)", literal[k:])
            size = len(m.group(0)) if m else 1
        else:
            size = 1
        k += size
        if k < close:
            cuts.append((0 if literal[k - 1] == " " else 2, k))
    return cuts


def rewrap_nfc(text, limit):
    """The raw-string rows of the NFC tables, rewrapped as build/make_nfc_tables.py writes them."""
    def rewrap(m):
        records = m.group(2).split()
        width = limit - 8
        rows, row = [], ""
        for record in records:
            if len(row) + len(record) + 1 > width:
                rows.append(row)
                row = ""
            row += record + " "
        rows.append(row)
        return m.group(1) + "\n".join("        " + r.rstrip() for r in rows) + m.group(3)
    return re.sub(r'(= """\n)(.*?)(\n        """)', rewrap, text, flags=re.S)


def process(path, limit):
    with open(path, encoding="utf-8") as f:
        original = f.read()
    text = original
    if "<auto-generated> by build/make_nfc_tables.py" in text:
        text = rewrap_nfc(text, limit)
    for _ in range(4):
        text, changed = fix_code_lines(text, limit)
        if not changed:
            break
    text = "\n".join(rewrap_comments(text.split("\n"), limit))
    if text != original:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return True
    return False


def long_lines(path, limit):
    with open(path, encoding="utf-8") as f:
        return [(number, len(line)) for number, line in enumerate(f.read().split("\n"), 1) if len(line) > limit]


def main(argv):
    limit, check, paths = LIMIT, False, []
    args = iter(argv)
    for arg in args:
        if arg == "--limit":
            limit = int(next(args))
        elif arg == "--check":
            check = True
        else:
            paths.append(arg)
    if check:
        found = [(p, n, length) for p in paths for n, length in long_lines(p, limit)]
        for p, n, length in found:
            print(f"{p}:{n}: {length} characters")
        return 1 if found else 0
    changed = sum(process(p, limit) for p in paths)
    print(f"long_lines: {changed} of {len(paths)} files changed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
