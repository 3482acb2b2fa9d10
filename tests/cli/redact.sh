#!/bin/bash
# redact.sh: secrets in command lines never reach the database. An audit log
# whose senders ran `mysql -pS3cr3t`, a curl with a bearer token and a
# deploy with an operator's own flag is imported and replayed through
# `sigtraild --source stdin`: the rows show <redacted>, the secret is in no
# file of the database (its -wal included), coverage counts the redactions,
# and the operator's rules (--no-redact, a rule turned off, a flag added; in
# sigtraild.conf too) do what they say.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# One kill(2) event per command line, the proctitle hex-encoded with NULs
# between the arguments as the kernel writes it.
event() { # SERIAL ARG...
	local serial=$1 hex
	shift
	hex=$(printf '%s\0' "$@" | head -c -1 | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
	cat <<EOF
type=SYSCALL msg=audit(1795320453.532:$serial): arch=c000003e syscall=62 success=yes exit=0 a0=82 a1=f a2=0 a3=0 items=0 ppid=118 pid=$((200 + serial)) auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="x" exe="/usr/bin/x" subj=unconfined key="sigtrail"
type=OBJ_PID msg=audit(1795320453.532:$serial): opid=130 oauid=-1 ouid=0 oses=-1 obj=unconfined ocomm="sleep"
type=PROCTITLE msg=audit(1795320453.532:$serial): proctitle=$hex
type=EOE msg=audit(1795320453.532:$serial): 
EOF
}
{
	event 1 mysql -u root -pS3cr3t shop
	event 2 curl -H "Authorization: Bearer T0kenT0ken" https://api.example.com
	event 3 deploy --vault-key Vau1tVau1t
	event 4 ls -p /tmp
} >"$T/secrets.log"
sel='select sender_cmdline from signals order by serial'

run_cli import --db "$T/r.db" "$T/secrets.log"
is "$RC" 0 "import: exit 0"
is "$(q "$T/r.db" "$sel")" "mysql -u root -p<redacted> shop
curl -H Authorization: Bearer <redacted> https://api.example.com
deploy --vault-key Vau1tVau1t
ls -p /tmp" "import: the secrets are replaced by the marker, ls -p is kept"
ok "import: S3cr3t is in no file of the database" bash -c "! grep -qa S3cr3t '$T'/r.db*"
ok "import: nor the token" bash -c "! grep -qa T0kenT0ken '$T'/r.db*"
is "$(q "$T/r.db" "select source, redactions from coverage")" "import|2" "coverage counts the import's redactions"

run_cli import --db "$T/n.db" --no-redact "$T/secrets.log"
like "$(q "$T/n.db" "$sel")" "-pS3cr3t" "--no-redact: stored verbatim"
is "$(q "$T/n.db" "select redactions from coverage")" 0 "--no-redact: none counted"

run_cli import --db "$T/o.db" --redact-disable tool-flags --redact-flag --vault-key "$T/secrets.log"
is "$(q "$T/o.db" "$sel" | sed -n '1p;3p')" "mysql -u root -pS3cr3t shop
deploy --vault-key <redacted>" "--redact-disable tool-flags keeps mysql -p, --redact-flag adds --vault-key"
run_cli import --db "$T/o.db" --redact-disable urls "$T/secrets.log"
is "$RC" 64 "an unknown rule: exit 64"
like "$ERR" "unknown redaction rule 'urls': expected flags, key-values, url-credentials" "an unknown rule: named, with the known ones"

# The daemon, on its stdin source: by default, and with sigtraild.conf's keys.
"$SIGTRAILD" --foreground --source stdin --db "$T/d.db" --config /dev/null <"$T/secrets.log" 2>"$T/d.err"
is "$(q "$T/d.db" "$sel" | head -1)" "mysql -u root -p<redacted> shop" "sigtraild redacts by default"
is "$(q "$T/d.db" "select redactions from coverage")" 2 "sigtraild: its coverage row counts them"
ok "sigtraild: S3cr3t is in no file of the database" bash -c "! grep -qa S3cr3t '$T'/d.db*"
printf 'redact_disable = tool-flags\nredact_flag = --vault-key\n' >"$T/c.conf"
"$SIGTRAILD" --foreground --source stdin --db "$T/c.db" --config "$T/c.conf" <"$T/secrets.log" 2>"$T/c.err"
is "$(q "$T/c.db" "$sel" | sed -n '1p;3p')" "mysql -u root -pS3cr3t shop
deploy --vault-key <redacted>" "sigtraild.conf: redact_disable and redact_flag"
printf 'redact = no\n' >"$T/off.conf"
"$SIGTRAILD" --foreground --source stdin --db "$T/off.db" --config "$T/off.conf" <"$T/secrets.log" 2>"$T/off.err"
like "$(q "$T/off.db" "$sel")" "Bearer T0kenT0ken" "sigtraild.conf: redact = no stores verbatim"
printf 'redact_disable = tool-flags, urls\n' >"$T/bad.conf"
"$SIGTRAILD" --foreground --source stdin --db "$T/bad.db" --config "$T/bad.conf" </dev/null 2>"$T/bad.err"
is "$?" 78 "sigtraild.conf: an unknown rule is a configuration error (exit 78)"
like "$(cat "$T/bad.err")" "bad.conf:1: redact_disable = 'tool-flags, urls': unknown redaction rule 'urls'" "...that names the file, the line and the word"
done_testing
