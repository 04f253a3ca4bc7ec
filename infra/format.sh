#!/usr/bin/env bash
# Brings every tracked *.cs file within 120 columns (.editorconfig max_line_length, checked by LineLengthTests):
#   1. CSharpier (the version pinned in .config/dotnet-tools.json, printWidth 120 in .csharpierrc) lays out the code;
#   2. infra/long_lines.py fixes what CSharpier leaves: it rewraps long `//` and `///` comment paragraphs, moves a
#      long line's trailing comment above it, splits long string literals ("a " + "b") and rewraps the NFC data table;
#   3. CSharpier again, to lay out the split literals; step 2 and 3 once more for what that moved;
#   4. lists any line still too long (a long test name, a raw string literal: fix by hand) and exits 1 if there is one.
# Usage: infra/format.sh            format in place
#        infra/format.sh --check    change nothing; exit 1 if CSharpier would change a file or a line is too long
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore >/dev/null
mapfile -t files < <(git ls-files -- '*.cs')
csharpier() { dotnet csharpier "$1" --log-level Warning "${files[@]}"; }
if [ "${1:-}" = --check ]; then
  status=0
  csharpier check || status=1
  python3 infra/long_lines.py --check "${files[@]}" || status=1
  exit "$status"
fi
csharpier format
for pass in 1 2; do
  python3 infra/long_lines.py "${files[@]}"
  csharpier format
done
python3 infra/long_lines.py --check "${files[@]}" || {
  echo "format.sh: the lines above are still longer than 120 characters; shorten them by hand" >&2
  exit 1
}
