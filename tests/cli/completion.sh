#!/bin/bash
# completion.sh: the shell completion in completion/: bash's function driven
# through COMP_WORDS/COMP_CWORD (commands after `sigtrail w<TAB>`, options,
# signal names, causes), every option in every command's getopt table
# offered (read from collector/cli/*.c, so a new option fails here until
# completion knows it), and zsh's file loaded by `zsh -c` when zsh is here.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
COMPLETION=$CLI_TESTS/../../completion
CLI_SRC=$CLI_TESTS/../../collector/cli

# complete WORDS...: what the bash completion offers for the last word, sorted.
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_sigtrail; printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$COMPLETION/sigtrail.bash" "$@"
}

is "$(complete_words sigtrail w | tr '\n' ' ')" "watch who " "sigtrail w<TAB>: watch and who"
is "$(complete_words sigtrail '' | tr '\n' ' ')" "export fleet help import list metrics report status watch who " "sigtrail <TAB>: every command"
is "$(complete_words sigtrail --db x.db m | tr '\n' ' ')" "metrics " "after --db PATH: still the command"
is "$(complete_words sigtrail list --sig | tr '\n' ' ')" "--signal " "an option of list"
is "$(complete_words sigtrail watch --signal SIGK | tr '\n' ' ')" "SIGKILL " "a signal name with SIG"
is "$(complete_words sigtrail watch --signal ki | tr '\n' ' ')" "KILL " "a signal name without, any case"
is "$(complete_words sigtrail list --exclude-signal UR | tr '\n' ' ')" "URG " "--exclude-signal: signal names"
is "$(complete_words sigtrail list --deaths --cause p | tr '\n' ' ')" "pidns-teardown " "a cause"
is "$(complete_words sigtrail report --format '' | tr '\n' ' ')" "html md " "report's formats"
is "$(complete_words sigtrail export --format '' | tr '\n' ' ')" "csv json jsonl " "export's formats"
is "$(complete_words sigtrail help w | tr '\n' ' ')" "watch who " "help COMMAND"

# Every long option of each command's getopt table is offered.
common="db help since until utc local"
filters="signal sender-comm sender-user sender-pid target-comm target-pid failed syscall exclude-signal host"
for cmd in who list watch export report import status metrics fleet; do
	src=$CLI_SRC/$cmd.c
	want=$(awk '/static const struct option opts\[\]/,/\{0\}/' "$src" |
		sed -e "s/CLI_COMMON_OPTIONS/$common/" -e "s/CLI_FILTER_OPTIONS/$filters/" |
		grep -oE '\{"[a-z0-9-]+"|^[[:space:]]*[a-z0-9 -]+,?$' | tr -d '{",' | tr -s ' \t' '\n' | grep -v '^$' |
		sed 's/^/--/' | sort -u)
	got=$(complete_words sigtrail "$cmd" -- | sort -u)
	missing=$(comm -23 <(echo "$want") <(echo "$got") | tr '\n' ' ')
	extra=$(comm -13 <(echo "$want") <(echo "$got") | tr '\n' ' ')
	is "${missing:-none}/${extra:-none}" "none/none" "$cmd: completion offers exactly its getopt options ($(echo "$want" | wc -l))"
done

if command -v zsh >/dev/null; then
	out=$(zsh -fc 'autoload -Uz compinit && compinit -D -u; fpath=("$1" $fpath); autoload -Uz _sigtrail; source "$1/_sigtrail"; print -r -- ${_comps[sigtrail]}' _ "$COMPLETION" 2>&1)
	is "$out" "_sigtrail" "zsh loads _sigtrail and binds it to sigtrail"
	ok "zsh parses _sigtrail (zsh -n)" zsh -n "$COMPLETION/_sigtrail"
else
	skip "zsh parses _sigtrail" "zsh is not installed"
	skip "zsh loads _sigtrail" "zsh is not installed"
fi
ok "zsh: _sigtrail names its command (#compdef)" grep -q '^#compdef sigtrail$' "$COMPLETION/_sigtrail"
done_testing
