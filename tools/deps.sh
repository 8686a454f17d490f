#!/bin/sh
# deps.sh - install what arbiusd needs on Debian, only what is missing.
#
#   tools/deps.sh runtime   libraries and headers to build and run
#   tools/deps.sh test      + Check, Node.js/npm test tools (Litestream
#                           among them), Chromium, HAProxy,
#                           systemd (systemd-analyze), promtool
#   tools/deps.sh fuzz      + clang for libFuzzer
set -eu
kind=${1:-runtime}

pkgs="build-essential pkg-config libmicrohttpd-dev libcurl4-openssl-dev
      libsqlite3-dev libjansson-dev libsecp256k1-dev libssl-dev libinih-dev
      zlib1g-dev libsystemd-dev ca-certificates"
case "$kind" in
runtime) ;;
test) pkgs="$pkgs check clang-format nodejs npm sqlite3 chromium wrk systemd haproxy" ;;
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

if [ "$kind" = test ] && ! command -v promtool >/dev/null 2>&1; then
    # promtool comes from Debian's prometheus package, whose maintainer
    # scripts start a Prometheus server: take only the binary out of it.
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "deps: extracting promtool from the Debian prometheus package"
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download prometheus >/dev/null 2>&1 ||
        { $sudo apt-get update -qq && apt-get download prometheus; })
    dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x"
    $sudo install -m 0755 "$tmp/x/usr/bin/promtool" /usr/local/bin/promtool
    rm -rf "$tmp"
fi

if [ "$kind" = test ]; then
    # Node test tools (hardhat devnet, ethers, solc) pinned by the lockfile.
    here=$(cd "$(dirname "$0")/.." && pwd)
    # A symlinked node_modules is a shared install (worktrees): npm ci
    # would empty the directory it points to, so leave it alone.
    if [ -L "$here/tests/node_modules" ]; then
        :
    elif [ -f "$here/tests/package-lock.json" ]; then
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
