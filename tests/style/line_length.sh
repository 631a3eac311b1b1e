#!/bin/sh
# line_length.sh SOURCE_DIR [LIMIT]
# Holds the code of the tree to one line length (120 columns, as .clang-format says): C++, C,
# CMake, shell and Python. Not checked: emitted code (generated/, tests/golden/), data, and prose
# and tables (Markdown, the error catalog's one-case-per-line table).
set -u
root=$1
limit=${2:-120}
cd "$root" || exit 1
long=$(find . \( -path ./build -o -path './build-*' -o -path ./.git -o -path ./generated -o -path ./tests/golden \
                 -o -path ./tests/fuzz/corpus \) -prune -o -type f \
            \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.c' -o -name '*.cmake' -o -name CMakeLists.txt \
               -o -name '*.sh' -o -name '*.py' -o -name '*.in' \) -print |
       sort | xargs awk -v limit="$limit" 'length > limit { printf "%s:%d: %d columns\n", FILENAME, FNR, length }')
if [ -n "$long" ]; then
  printf '%s\n' "$long"
  echo "FAIL: $(printf '%s\n' "$long" | wc -l) lines longer than $limit columns (clang-format fixes C++)"
  exit 1
fi
echo "ok: no line longer than $limit columns"
