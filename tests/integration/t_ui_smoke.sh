# The UI over a store filled by a real sync: folders with counts, the
# index, a decoded UTF-8 message in the pager, offline flag queued and
# replayed by the next sync; and the demo account opens and closes cleanly.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/sync.sh"
. "$top/tests/lib/tmux.sh"
on_exit() { ui_stop; }

u=$(new_user ui)
pw=$(password_of "$u")
cat >"$T/m1.eml" <<'MSG'
From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.test>
To: ui@example.test
Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=
Date: Mon, 02 Nov 2026 10:00:00 +0000
Message-ID: <m1@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

Sch=C3=B6ne Gr=C3=BC=C3=9Fe vom Rhein.
MSG
printf 'From: Mallory <m@example.test>\nSubject: \033]0;pwned\007evil \033[31mred\nDate: Mon, 02 Nov 2026 11:00:00 +0000\n\nbody \033[2J\n' >"$T/m2.eml"
imapctl append "$u" "$pw" INBOX "$T/m1.eml" "$T/m2.eml"
write_config "$T/cfg" work "$u"
sync_ok "$T/cfg"

ui_start -c "$T/cfg" --offline
ui_wait "INBOX"
ui_wait "Grüße aus Köln"
ui_wait "offline"
ui_absent "pwned"$(printf '\007')
ui_keys G Enter
ui_wait "Schöne Grüße vom Rhein."
ui_keys q
ui_keys F
ui_wait "flagged (queued for sync)"
ui_keys Q
ui_wait "EXITED 0"
ui_stop
sync_ok "$T/cfg"
assert_contains "$SYNC_ERR" "queued changes sent"
imapctl dump "$u" "$pw" INBOX "$T/d" >"$T/flags"
grep -q '^1 .*\\Flagged' "$T/flags" || fail "flag made offline not on server"

# Online: the background worker syncs beside the UI, says so on the status
# line, and new mail shows up without a key press.
ui_start -c "$T/cfg"
ui_wait "work: up to date"
printf 'From: a@example.test\nSubject: arrived while reading\nDate: Tue, 03 Nov 2026 09:00:00 +0000\n\nhi\n' >"$T/m3.eml"
imapctl append "$u" "$pw" INBOX "$T/m3.eml"
ui_wait "arrived while reading"
ui_keys Q
ui_wait "EXITED 0"
ui_stop

# The demo account.
ui_start --demo
ui_wait "demo"
ui_wait "INBOX"
ui_keys Q
ui_wait "EXITED 0"
