# Test messages for threading: mk FILE SUBJECT DATE MESSAGE-ID IN-REPLY-TO
# REFERENCES BODY writes one plain-text message to $u@example.test
# (In-Reply-To and References left out when empty). Needs $u.
mk() {	# file subject date message-id in-reply-to references body
	{
		printf 'From: Someone <s@example.test>\nTo: %s@example.test\n' "$u"
		printf 'Subject: %s\nDate: %s\nMessage-ID: <%s>\n' "$2" "$3" "$4"
		[ -n "$5" ] && printf 'In-Reply-To: <%s>\n' "$5"
		[ -n "$6" ] && printf 'References: %s\n' "$6"
		printf 'Content-Type: text/plain; charset=UTF-8\n\n%s\n' "$7"
	} >"$1"
}
