# tmux helpers for UI tests; sourced after env.sh. Each ui_start gets a
# private tmux server on a socket of its own under $T (a server being killed
# must not race the next one for the same socket); ui_stop kills them all.

tmux_n=0
TMUX_SOCK=$T/tmux.0.sock
tmux_socks=
tmux_() {
	tmux -S "$TMUX_SOCK" -f /dev/null "$@"
}

# A fresh socket for the next server (ui_start does this itself).
ui_new_socket() {
	tmux_n=$((tmux_n + 1))
	TMUX_SOCK=$T/tmux.$tmux_n.sock
	tmux_socks="$tmux_socks $TMUX_SOCK"
}

# Start cachet in a detached 100x30 session; extra args go to cachet.
ui_start() {	# [cachet args...]
	ui_new_socket
	tmux_ new-session -d -x 100 -y 30 -s ui \
	    "env LANG=C.UTF-8 TERM=xterm-256color $CACHET $*; echo EXITED \$?; sleep 30"
}

ui_stop() {
	for tmux_s in $tmux_socks; do
		tmux -S "$tmux_s" kill-server 2>/dev/null || true
	done
	tmux_socks=
}

ui_screen() {
	tmux_ capture-pane -p -t ui
}

ui_keys() {
	tmux_ send-keys -t ui "$@"
}

# Wait until the screen shows STRING (fixed), up to ~10 s.
ui_wait() {	# string
	ui_i=0
	while [ $ui_i -lt 100 ]; do
		if ui_screen | grep -F -q -e "$1"; then
			return 0
		fi
		sleep 0.1
		ui_i=$((ui_i + 1))
	done
	ui_screen >&2
	fail "screen never showed '$1'"
}

ui_absent() {	# string
	if ui_screen | grep -F -q -e "$1"; then
		ui_screen >&2
		fail "screen shows '$1'"
	fi
}
