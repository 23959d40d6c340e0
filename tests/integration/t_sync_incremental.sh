# Incremental sync after another client appends, flags and expunges: the
# store matches the server exactly. Run once with every extension Dovecot
# offers (QRESYNC) and once without CONDSTORE/QRESYNC (flags fetch and
# UID SEARCH comparison).
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"

run_case() {	# name disable
	u=$(new_user "inc$1")
	pw=$(password_of "$u")
	imapctl gen "$u" "$pw" INBOX 200 --seed 3
	write_config "$T/cfg.$1" "acct$1" "$u"
	CACHET_IMAP_DISABLE=$2 sync_ok "$T/cfg.$1"
	assert_in_step "$u" "acct$1" INBOX bodies

	imapctl gen "$u" "$pw" INBOX 7 --seed 4
	imapctl flags "$u" "$pw" INBOX 3 '+\Flagged' '+\Seen'
	imapctl flags "$u" "$pw" INBOX 10 '+\Answered'
	imapctl flags "$u" "$pw" INBOX 204 '+\Seen'
	imapctl expunge "$u" "$pw" INBOX 5 6 7 150 201
	CACHET_IMAP_DISABLE=$2 sync_ok "$T/cfg.$1"
	assert_contains "$SYNC_ERR" "6 new, 4 expunged"
	assert_in_step "$u" "acct$1" INBOX bodies
	assert_eq "$(storectl count "$(store_of "acct$1")" INBOX)" 202 "rows"
}

run_case full ""
run_case plain "condstore,qresync"
