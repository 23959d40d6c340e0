#!/bin/sh
# Sync benchmark: a local Dovecot with a 100,000-message INBOX of ~13 KB
# messages; measures a cold headers-only `cachet sync` and a resync where
# nothing changed, with wall time and peak RSS from /usr/bin/time -v.
#
#   make bench                      (BENCH_MESSAGES=20000 make bench for a
#                                    quicker run)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
N=${BENCH_MESSAGES:-100000}
TEST_ROOT=$(mktemp -d /tmp/cb.XXXXXX)
chmod 755 "$TEST_ROOT"
export TEST_ROOT
. "$top/tests/lib/dovecot.sh"
cleanup() {
	dovecot_stop
	rm -rf "$TEST_ROOT"
}
trap cleanup EXIT INT TERM
dovecot_start "$TEST_ROOT/dovecot"
T=$TEST_ROOT/bench
mkdir -p "$T"
chmod 755 "$T"
export T CACHET="$top/cachet"
. "$top/tests/lib/env.sh"
trap cleanup EXIT INT TERM

u=$(new_user bench)
echo "filling INBOX with $N messages..."
s=$(date +%s)
imapctl gen "$u" "$(password_of "$u")" INBOX "$N" --size 13000 --direct
echo "filled in $(( $(date +%s) - s )) s"
write_config "$T/cfg" bench "$u" "sync=headers" "timeout=60"

measure() {	# label
	/usr/bin/time -v "$CACHET" -c "$T/cfg" sync 2>"$T/time.txt" ||
	    { cat "$T/time.txt"; exit 1; }
	wall=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$T/time.txt")
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/time.txt")
	printf '%-34s wall %s  peak RSS %d MiB\n' "$1" "$wall" $((rss / 1024))
}

measure "cold headers-only sync ($N)"
measure "resync, nothing changed"
CACHET_IMAP_DISABLE=qresync measure "resync without QRESYNC"
