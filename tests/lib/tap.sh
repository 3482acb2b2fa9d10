# shellcheck shell=bash
# tap.sh: the TAP helpers of every shell test (the kernel, CLI and unit
# suites and packaging/tests), sourced by them or by their own lib.sh:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
#   plan 2                           # or none: tap_done prints 1..N at the end
#   is "$(cat out)" "hello" "prints hello"
#   ok "the file exists" test -e out
#   tap_done                         # exit 0 when every check passed, else 1
#
# A check prints "ok N - DESC" or "not ok N - DESC" and, when it fails, what
# it got as TAP comments; it returns 0 or 1, so `is ... || bail ...` stops a
# test whose later checks would only repeat the failure.

_tap_n=0        # checks run so far
_tap_failed=0   # checks that failed
_tap_planned='' # the plan printed by plan, if any

# diag LINE...: TAP comment lines (stdout, so they stay in order with results).
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# plan N: print the plan first; tap_done checks that N checks ran.
plan() { _tap_planned=$1; echo "1..$1"; }

_tap_result() { # STATUS DESC
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
	return "$1"
}

# ok DESC CMD [ARG...]: passes when CMD exits 0.
ok() {
	local desc=$1
	shift
	"$@" && _tap_result 0 "$desc" && return 0
	_tap_result 1 "$desc"
	diag "command failed: $*"
	return 1
}

# is GOT EXPECTED DESC: passes when the strings are equal.
is() {
	[ "$1" = "$2" ] && _tap_result 0 "$3" && return 0
	_tap_result 1 "$3"
	diag "got:" "$1" "expected:" "$2"
	return 1
}

# like GOT ERE DESC: passes when GOT matches the extended regex ERE.
like() {
	[[ $1 =~ $2 ]] && _tap_result 0 "$3" && return 0
	_tap_result 1 "$3"
	diag "got:" "$1" "expected to match: $2"
	return 1
}

# unlike GOT ERE DESC: passes when GOT does not match ERE.
unlike() {
	! [[ $1 =~ $2 ]] && _tap_result 0 "$3" && return 0
	_tap_result 1 "$3"
	diag "got:" "$1" "expected not to match: $2"
	return 1
}

# skip DESC REASON: a check that cannot run here, counted as passed.
skip() { _tap_n=$((_tap_n + 1)) && echo "ok $_tap_n - $1 # SKIP $2"; }

# bail MSG: the test cannot go on (its EXIT trap cleans up, keeping its
# temp dir, since _tap_failed is set).
bail() { echo "Bail out! $*"; _tap_failed=$((_tap_failed + 1)); exit 1; }

# skip_all REASON: the whole test cannot run here (not root, no audit).
skip_all() { echo "1..0 # SKIP $*"; exit 77; }

# wait_until SECONDS CMD [ARG...]: poll CMD every 50 ms until it succeeds;
# its status is CMD's last.
wait_until() {
	local tries=$(($1 * 20))
	shift
	while ((tries-- > 0)); do
		"$@" && return 0
		sleep 0.05
	done
	"$@"
}

# tap_done: print the plan if plan did not, check the count against it, and
# exit 0 when every check passed, 1 otherwise.
tap_done() {
	if [ -z "$_tap_planned" ]; then
		echo "1..$_tap_n"
	elif [ "$_tap_n" != "$_tap_planned" ]; then
		diag "planned $_tap_planned checks, ran $_tap_n"
		exit 1
	fi
	exit $((_tap_failed > 0))
}
