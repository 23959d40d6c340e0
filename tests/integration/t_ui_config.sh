# Key maps and themes: every shipped keys/*.keys and themes/*.theme loads
# (the index shows and Q exits 0; the emacs map's bindings are live); a
# key file with an unknown action or bad syntax, and a theme with an
# unknown colour, each give FILE:LINE on stderr and exit code 2 before the
# screen opens; NO_COLOR gives a screen with no colour escapes. The store
# is filled directly (tests/tools/fillstore), no server needed.
. "$(dirname "$0")/../lib/env.sh"
. "$top/tests/lib/tmux.sh"
on_exit() { ui_stop; }

"$TOOLS/fillstore" "$XDG_DATA_HOME/cachet/cfgtest" INBOX 40 ||
    fail "fillstore failed"

cfg() {	# file keys theme
	printf '[account cfgtest]\nimap_host = 127.0.0.1\n' >"$1"
	printf 'imap_port = 29999\n' >>"$1"
	printf 'imap_user = x\npassword_cmd = true\n\n[ui]\n' >>"$1"
	[ -n "$2" ] && printf 'keys = %s\n' "$2" >>"$1"
	printf 'theme = %s\n' "$3" >>"$1"
	chmod 600 "$1"
}

# Open the index with CONFIG, then quit with Q: exit code 0.
open_and_quit() {	# config
	ui_start -c "$1" --offline
	ui_wait "INBOX"
	ui_wait "Topic 36 of the synthetic folder"
	ui_keys Q
	ui_wait "EXITED 0"
	ui_stop
}

n=0
for k in "$top"/keys/*.keys; do
	n=$((n + 1))
	cfg "$T/k$n.cfg" "$k" default
	open_and_quit "$T/k$n.cfg"
done
[ "$n" -ge 2 ] || fail "expected default.keys and emacs.keys, found $n"
for th in "$top"/themes/*.theme; do
	n=$((n + 1))
	cfg "$T/t$n.cfg" "" "$(basename "$th" .theme)"
	open_and_quit "$T/t$n.cfg"
done

# The emacs map has a binding for every action the default map binds.
for a in $(awk '/^[a-z]/ { print $4 }' "$top/keys/default.keys" | sort -u); do
	grep -q "= $a\$" "$top/keys/emacs.keys" ||
	    fail "keys/emacs.keys binds nothing to $a"
done

# The emacs map is live: <F1> opens help, which lists its keys; <C-g>
# closes it; <C-c> quits.
cfg "$T/emacs.cfg" "$top/keys/emacs.keys" default
ui_start -c "$T/emacs.cfg" --offline
ui_wait "Topic 36 of the synthetic folder"
ui_keys F1
ui_wait "<C-v>"
ui_keys C-g
ui_wait "Topic 36 of the synthetic folder"
ui_absent "<C-v>"
ui_keys C-c
ui_wait "EXITED 0"
ui_stop

# Bad files: FILE:LINE, exit code 2, nothing drawn.
bad_run() {	# config file:line
	set +e
	"$CACHET" -c "$1" --offline </dev/null >"$T/bad.out" 2>"$T/bad.err"
	bad_rc=$?
	set -e
	assert_eq "$bad_rc" 2 "exit code for $2"
	assert_contains "$T/bad.err" "$2:"
	[ ! -s "$T/bad.out" ] || fail "output on stdout before exit 2 ($2)"
}

printf '# comment\n\nindex j = next-message\nindex x = no-such-action\n' \
    >"$T/action.keys"
cfg "$T/b1.cfg" "$T/action.keys" default
bad_run "$T/b1.cfg" "$T/action.keys:4"
assert_contains "$T/bad.err" "no-such-action"

printf 'index j = next-message\nindex k next-message\n' >"$T/syntax.keys"
cfg "$T/b2.cfg" "$T/syntax.keys" default
bad_run "$T/b2.cfg" "$T/syntax.keys:2"

printf '# bad\nnormal = default default\nindex = chartreuse default\n' \
    >"$T/colour.theme"
cfg "$T/b3.cfg" "" "$T/colour.theme"
bad_run "$T/b3.cfg" "$T/colour.theme:3"
assert_contains "$T/bad.err" "chartreuse"

# NO_COLOR: no SGR colour parameter (30-38, 40-48, 90-97, 100-107) on the
# pane. The same check on the default theme must find colour, or it
# proves nothing.
esc=$(printf '\033')
sgr_colour="$esc\\[([0-9]*;)*(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;[0-9]*)*m"
pane_e() {	# env-prefix file
	ui_new_socket
	tmux_ new-session -d -x 100 -y 30 -s ui "env $1 LANG=C.UTF-8 \
TERM=xterm-256color $CACHET -c $T/k1.cfg --offline; echo EXITED \$?; sleep 30"
	ui_wait "Topic 36 of the synthetic folder"
	tmux_ capture-pane -p -e -t ui >"$2"
	ui_keys Q
	ui_wait "EXITED 0"
	ui_stop
}
pane_e "COLORTERM=" "$T/colour.pane"
grep -E -q "$sgr_colour" "$T/colour.pane" ||
    fail "the default theme drew no colour: the NO_COLOR check is void"
pane_e "NO_COLOR=1" "$T/nocolour.pane"
if grep -E -q "$sgr_colour" "$T/nocolour.pane"; then
	grep -E -n "$sgr_colour" "$T/nocolour.pane" | head -3 | cat -v >&2
	fail "colour escapes on the screen with NO_COLOR=1"
fi
grep -q "$esc\\[7m" "$T/nocolour.pane" ||
    fail "the NO_COLOR screen lost its reverse video"
