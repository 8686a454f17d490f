#!/bin/sh
# deps.sh - install what arbiusd needs on Debian, only what is missing.
#
#   tools/deps.sh runtime   libraries and headers to build and run
#   tools/deps.sh test      + Check, Node.js/npm test tools, Chromium
#   tools/deps.sh fuzz      + clang for libFuzzer
set -eu
kind=${1:-runtime}

pkgs="build-essential pkg-config libmicrohttpd-dev libcurl4-openssl-dev
      libsqlite3-dev libjansson-dev libsecp256k1-dev libssl-dev libinih-dev
      zlib1g-dev ca-certificates"
case "$kind" in
runtime) ;;
test) pkgs="$pkgs check nodejs npm sqlite3 chromium wrk" ;;
fuzz) pkgs="$pkgs clang" ;;
*) echo "usage: tools/deps.sh runtime|test|fuzz" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
    # nodejs may come from elsewhere than Debian: accept any node on PATH.
    if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
    if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
if [ -n "$missing" ]; then
    echo "deps: installing:$missing"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
fi

if [ "$kind" = test ]; then
    # Node test tools (hardhat devnet, ethers, solc) pinned by the lockfile.
    here=$(cd "$(dirname "$0")/.." && pwd)
    if [ -f "$here/tests/package-lock.json" ]; then
        # By content, not mtime: a fresh checkout of the same lockfile is
        # newer than the install and must not reinstall it.
        want=$(sha256sum < "$here/tests/package-lock.json" | cut -d' ' -f1)
        stamp="$here/tests/node_modules/.arbiusd-lock-sha256"
        if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
            echo "deps: npm ci in tests/"
            (cd "$here/tests" && npm ci --no-audit --no-fund --loglevel=error)
            echo "$want" > "$stamp"
        fi
    fi
fi
