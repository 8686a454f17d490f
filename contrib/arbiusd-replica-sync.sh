#!/bin/sh
# arbiusd-replica-sync.sh - refresh a read replica's database from the
# writer's Litestream replica and swap it into place atomically.
#
#   ARBIUSD_REPLICA_URL=file:///var/lib/arbiusd/litestream \
#   ARBIUSD_DB=/var/lib/arbiusd/arbiusd.db  arbiusd-replica-sync.sh
#
# Run by arbiusd-replica-sync.timer every few seconds on each replica, whose
# `arbiusd serve --read-only` serves ARBIUSD_DB.  Each run:
#   1. `litestream restore` into a new file beside ARBIUSD_DB (same file
#      system, so the rename below is atomic);
#   2. switches the copy to rollback-journal mode: the restored file is in
#      WAL mode, and readers of a WAL file share ARBIUSD_DB-wal/-shm, which
#      are named after the path, not the file: after a swap an old and a new
#      file would share them.  A rollback-journal file is read with nothing
#      beside it, so readers of the old file (requests in flight) and of the
#      new one never meet;
#   3. checks it (PRAGMA quick_check) and renames it over ARBIUSD_DB.
# arbiusd notices the new inode within 200 ms and reopens between requests;
# a request in flight finishes on the old file, whose space is freed when
# the last reader closes it.  A failed run leaves the served file as it was.
#
# Environment: ARBIUSD_REPLICA_URL (required), ARBIUSD_DB (default
# /var/lib/arbiusd/arbiusd.db), LITESTREAM (litestream), SQLITE3 (sqlite3),
# LITESTREAM_CONFIG (optional: a litestream.yml with credentials).
# Exit status: 0 swapped, 1 failed (nothing changed), 2 usage.
set -eu

url=${ARBIUSD_REPLICA_URL:-}
db=${ARBIUSD_DB:-/var/lib/arbiusd/arbiusd.db}
litestream=${LITESTREAM:-litestream}
sqlite3=${SQLITE3:-sqlite3}
me=arbiusd-replica-sync

if [ -z "$url" ]; then
    echo "$me: ARBIUSD_REPLICA_URL is not set (e.g. file:///var/lib/arbiusd/litestream)" >&2
    exit 2
fi
dir=$(dirname "$db")
base=$(basename "$db")

# One run at a time per database (a slow restore must not overlap the next
# timer tick).
exec 9>"$dir/.$base.sync-lock"
if ! flock -n 9; then
    echo "$me: another sync of $db is running; skipped" >&2
    exit 0
fi

tmp="$dir/.$base.restore.$$"
cleanup() {
    # Litestream leaves its own <out>.tmp-wal/-shm behind.
    rm -f "$tmp" "$tmp-wal" "$tmp-shm" "$tmp-journal" \
          "$tmp.tmp" "$tmp.tmp-wal" "$tmp.tmp-shm" "$tmp.log"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cleanup

start=$(date +%s%N)
set -- restore -o "$tmp"
[ -n "${LITESTREAM_CONFIG:-}" ] && set -- "$@" -config "$LITESTREAM_CONFIG"
if ! "$litestream" "$@" "$url" 2>"$tmp.log"; then
    echo "$me: litestream restore from $url failed:" >&2
    cat "$tmp.log" >&2
    rm -f "$tmp.log"
    exit 1
fi
rm -f "$tmp.log"

mode=$("$sqlite3" "$tmp" 'PRAGMA journal_mode=DELETE')
if [ "$mode" != delete ]; then
    echo "$me: cannot switch the copy to rollback-journal mode ($mode)" >&2
    exit 1
fi
check=$("$sqlite3" "$tmp" 'PRAGMA quick_check')
if [ "$check" != ok ]; then
    echo "$me: the restored copy fails quick_check: $check" >&2
    exit 1
fi
chmod 0640 "$tmp"

# No -wal/-shm may sit beside the served name: SQLite would apply a stale
# WAL to the new file.  Copies installed by this script never have one;
# a file put there another way might, and its readers keep their open
# descriptors when the names go.
rm -f "$db-wal" "$db-shm"
mv -f "$tmp" "$db"

end=$(date +%s%N)
echo "$me: $db replaced ($(stat -c %s "$db") bytes, $(( (end - start) / 1000000 )) ms)"
