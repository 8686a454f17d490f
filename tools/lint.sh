#!/bin/sh
# lint.sh - what `make lint` (and so `make check`) enforces:
#   0. no merge conflict markers left in a tracked file;
#   1. no banned C functions (sprintf strcpy strcat gets atoi): use
#      buf_addf, snprintf, strtol with checks;
#   2. every C line changed since the house style was adopted is formatted
#      as .clang-format says (git clang-format --diff: the lines a change
#      touches, never the whole tree).  LINT_BASE overrides the base commit.
# Fix a format failure with: git clang-format $(tools/lint.sh --base)
set -eu
cd "$(dirname "$0")/.."

base() {
    if [ -n "${LINT_BASE:-}" ]; then
        echo "$LINT_BASE"
    else
        git log --diff-filter=A --format=%H -- .clang-format | tail -n 1
    fi
}
if [ "${1:-}" = --base ]; then
    base
    exit 0
fi

fail=0
if git rev-parse --git-dir >/dev/null 2>&1 &&
   git grep -nE '^(<<<<<<< |>>>>>>> )' -- . ':!tests/node_modules'; then
    echo "lint: merge conflict markers"
    fail=1
fi
if grep -rnE '\b(sprintf|strcpy|strcat|gets|atoi)\s*\(' src include tests/unit fuzz; then
    echo "lint: banned function (use buf_addf/snprintf/strtol)"
    fail=1
fi

if ! command -v git-clang-format >/dev/null 2>&1 ||
   ! git rev-parse --git-dir >/dev/null 2>&1; then
    echo "lint: no git checkout or no git-clang-format: format check skipped"
    exit $fail
fi
b=$(base)
if [ -z "$b" ]; then
    echo "lint: .clang-format is not committed yet: format check skipped"
    exit $fail
fi
out=$(git clang-format --diff --extensions c,h "$b" -- src include tests/unit fuzz bench 2>&1) || true
case "$out" in
""|*"no modified files to format"*|*"did not modify any files"*) ;;
*)
    printf '%s\n' "$out"
    echo "lint: the lines above are not formatted as .clang-format says;"
    echo "      run: git clang-format $b"
    fail=1
    ;;
esac
exit $fail
