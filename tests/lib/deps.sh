#!/bin/sh
# Install the Debian packages cachet needs to build and test, if any are
# missing. Uses sudo when not root. Safe to run again: it does nothing when
# everything is there.
set -e
PKGS="build-essential pkg-config libncurses-dev libetpan-dev libgpgme-dev
libcurl4-gnutls-dev libssl-dev libsqlite3-dev libinih-dev libcmocka-dev
zlib1g-dev dovecot-core dovecot-imapd dovecot-lmtpd postfix openssl
gnupg gpgsm gpg-agent dirmngr tmux python3 time procps sqlite3 clang
libclang-rt-14-dev valgrind"
missing=""
for p in $PKGS; do
	s=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$s" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
echo "cachet: installing Debian packages:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "postfix postfix/main_mailer_type select No configuration" |
	$SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends $missing
